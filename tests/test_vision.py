import io
import time

import pytest
from PIL import Image

from docentsite.artwork import vision

KEY = "test-key"


@pytest.fixture
def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (30, 80, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def config(provider, *, key=KEY, timeout=5.0):
    model = {"anthropic": "claude-test", "openai": "gpt-test"}[provider]
    return vision.VisionConfig(provider, model, key, timeout=timeout, max_retries=1)


@pytest.mark.parametrize("provider,tag", [("anthropic", "claude"), ("openai", "openai")])
def test_a_picture_is_described_in_the_original_docents_shape(
    provider, tag, fake_anthropic, fake_openai, small_jpeg
):
    meta = vision.describe(small_jpeg, config=config(provider))

    assert meta["title"] == "The Great Wave off Kanagawa"
    assert meta["artist"] == "Katsushika Hokusai" and meta["year"] == "c. 1831"
    assert meta["vibes"] == ["dramatic", "oceanic", "bold", "cool", "timeless"]
    assert meta["confidence"] == "high" and meta["vision_identified"] is True
    assert meta["provider"] == tag and meta["model"] == config(provider).model
    assert meta["analyzed_at"].endswith("+00:00")
    (request,) = fake_anthropic.requests
    assert request["vendor"] == provider and request["image_size"] == (1280, 720)
    assert request["model"] == config(provider).model
    if provider == "anthropic":
        assert request["anthropic_version"]


def test_json_in_a_fenced_block_with_prose_is_read(fake_anthropic, small_jpeg):
    fake_anthropic.mode = "fenced"
    assert vision.describe(small_jpeg, config=config("anthropic"))["school"] == "Ukiyo-e"


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_an_answer_without_json_is_a_permanent_error(
    provider, fake_anthropic, fake_openai, small_jpeg
):
    fake_anthropic.mode = "malformed"
    with pytest.raises(vision.VisionError) as error:
        vision.describe(small_jpeg, config=config(provider))
    assert not error.value.transient
    assert "could not be read" in str(error.value)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_server_error_is_transient_after_bounded_retries(
    provider, fake_anthropic, fake_openai, small_jpeg
):
    fake_anthropic.mode = "error"
    with pytest.raises(vision.VisionError) as error:
        vision.describe(small_jpeg, config=config(provider))
    assert error.value.transient
    assert "HTTP 500" in str(error.value)
    assert len(fake_anthropic.requests) == 2  # the call and max_retries=1


@pytest.mark.timeout(30)
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_silent_model_times_out_as_transient(provider, fake_anthropic, fake_openai,
                                               small_jpeg):
    fake_anthropic.mode, fake_anthropic.delay = "timeout", 3
    slow = vision.VisionConfig(provider, "m", KEY, timeout=0.5, max_retries=0)
    started = time.monotonic()
    with pytest.raises(vision.VisionError) as error:
        vision.describe(small_jpeg, config=slow)
    assert error.value.transient
    assert "did not answer within 0.5 s" in str(error.value)
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_wrong_key_is_permanent_and_never_shown(provider, fake_anthropic, fake_openai,
                                                  small_jpeg):
    secret = "sk-wrong-and-secret"
    with pytest.raises(vision.VisionError) as error:
        vision.describe(small_jpeg, config=config(provider, key=secret))
    assert not error.value.transient
    assert "refused the API key" in str(error.value)
    assert secret not in str(error.value) and secret not in repr(config(provider, key=secret))
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_no_provider_or_no_key_is_not_configured(settings):
    settings.AI_PROVIDER = "none"
    with pytest.raises(vision.VisionNotConfigured, match="set AI_PROVIDER"):
        vision.from_settings()
    settings.AI_PROVIDER, settings.OPENAI_API_KEY = "openai", ""
    with pytest.raises(vision.VisionNotConfigured, match="OPENAI_API_KEY is not set"):
        vision.from_settings()


@pytest.mark.parametrize("answer,expected", [
    ('{"title": "T", "vibes": "calm, Bright ,", "confidence": "sure", "year": 1890}',
     {"vibes": ["calm", "bright"], "confidence": "low", "year": "1890"}),
    ('{"description": "Only a description", "vision_identified": "yes"}',
     {"title": "", "vision_identified": False}),
])
def test_answers_are_cleaned_into_the_expected_types(answer, expected):
    meta = vision.parse_answer(answer)
    assert {key: meta[key] for key in expected} == expected
