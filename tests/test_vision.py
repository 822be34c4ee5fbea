import io
import logging
import socket
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from PIL import Image

from docentsite.artwork import vision

KEY = "test-key"
MODEL = {"anthropic": "claude-test", "openai": "gpt-test"}
PROVIDERS = pytest.mark.parametrize("provider", ["anthropic", "openai"])


@pytest.fixture
def small_jpeg() -> bytes:
    image = Image.linear_gradient("L").resize((1280, 720)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def fake(request):
    """The fake API of the test's `provider`, its SDK pointed at it."""
    return request.getfixturevalue(f"fake_{request.getfixturevalue('provider')}")


def config(provider, **changes):
    values = {"provider": provider, "model": MODEL[provider], "api_key": KEY, "timeout": 5.0,
              "max_retries": 1}
    return vision.VisionConfig(**{**values, **changes})


def describe_failure(jpeg, provider, **changes) -> vision.VisionError:
    with pytest.raises(vision.VisionError) as error:
        vision.describe(jpeg, config=config(provider, **changes))
    return error.value


@pytest.mark.parametrize("provider,tag", [("anthropic", "claude"), ("openai", "openai")])
def test_a_picture_is_described_in_the_original_docents_shape(provider, tag, request,
                                                              small_jpeg):
    fake = request.getfixturevalue(f"fake_{provider}")

    meta = vision.describe(small_jpeg, config=config(provider))

    assert meta == {
        "title": "The Great Wave off Kanagawa",
        "artist": "Katsushika Hokusai",
        "year": "c. 1831",
        "medium": "Woodblock print",
        "school": "Ukiyo-e",
        "vibes": ["dramatic", "oceanic", "bold", "cool", "timeless"],
        "description": "A towering wave curls over three boats as Mount Fuji looks on.",
        "confidence": "high",
        "vision_identified": False,
        "provider": tag,
        "model": MODEL[provider],
        "analyzed_at": meta["analyzed_at"],
    }
    assert datetime.fromisoformat(meta["analyzed_at"]).utcoffset() == timedelta(0)
    (received,) = fake.requests
    assert received.image and received.image_bytes == len(small_jpeg)
    assert received.image_size == (1280, 720)
    assert received.model == MODEL[provider]
    assert "authorization" not in received.headers and "x-api-key" not in received.headers
    if provider == "anthropic":
        assert received.headers["anthropic-version"]
        assert "art historian" in received.body["system"]
    else:
        assert received.body["store"] is False
        assert "art historian" in received.body["instructions"]


@PROVIDERS
def test_json_in_a_fenced_block_with_prose_around_it_is_read(provider, fake, small_jpeg):
    fake.mode = "fenced"
    meta = vision.describe(small_jpeg, config=config(provider))
    assert meta["school"] == "Ukiyo-e" and meta["confidence"] == "high"


@PROVIDERS
def test_an_answer_without_json_is_a_permanent_error(provider, fake, small_jpeg):
    fake.mode = "malformed"
    error = describe_failure(small_jpeg, provider)
    assert not error.transient
    assert str(error).startswith("The vision model's answer could not be read: ")
    assert len(fake.requests) == 1


@PROVIDERS
def test_a_refusal_is_a_permanent_error(provider, fake, small_jpeg):
    fake.mode = "refusal"
    error = describe_failure(small_jpeg, provider)
    assert not error.transient and "declined to describe this picture" in str(error)


@PROVIDERS
@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_a_server_error_is_transient_after_a_bounded_number_of_tries(
    provider, fake, small_jpeg, max_retries
):
    fake.mode = "server_error"
    error = describe_failure(small_jpeg, provider, max_retries=max_retries)
    assert error.transient and "HTTP 500" in str(error)
    assert len(fake.requests) == 1 + max_retries


@pytest.mark.timeout(20)
@PROVIDERS
def test_a_rate_limit_is_retried_after_the_wait_the_server_asks(provider, fake, small_jpeg):
    fake.mode, fake.retry_after = "rate_limited", 0.4
    started = time.monotonic()
    error = describe_failure(small_jpeg, provider)
    assert error.transient and "HTTP 429" in str(error)
    assert len(fake.requests) == 2
    assert time.monotonic() - started >= 0.4


@pytest.mark.timeout(20)
@PROVIDERS
def test_a_rate_limit_asking_for_a_long_wait_is_left_to_the_caller(provider, fake, small_jpeg):
    fake.mode, fake.retry_after = "rate_limited", 3600
    started = time.monotonic()
    error = describe_failure(small_jpeg, provider)
    assert error.transient
    assert len(fake.requests) == 1
    # Not the hour it asked for: well under this test's own time-out, on a busy machine too.
    assert time.monotonic() - started < 15


@pytest.mark.timeout(20)
@PROVIDERS
def test_a_silent_model_times_out_as_transient_within_the_bound(provider, fake, small_jpeg):
    fake.mode, fake.delay = "timeout", 10
    started = time.monotonic()
    error = describe_failure(small_jpeg, provider, timeout=1.0, max_retries=1)
    elapsed = time.monotonic() - started
    assert error.transient
    assert str(error) == f"{vision._VENDOR[provider]} did not answer within 1 s."
    assert len(fake.requests) == 2
    # Two tries of 1 s and one short backoff; never the fake's 10 s (the bound leaves
    # room for a machine busy with the parallel suite).
    assert 2 <= elapsed < 9


@PROVIDERS
def test_an_unreachable_api_is_transient(provider, monkeypatch, small_jpeg):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    error = describe_failure(small_jpeg, provider, max_retries=0)
    assert error.transient and "could not be reached" in str(error)


@PROVIDERS
def test_a_wrong_key_is_permanent(provider, fake, small_jpeg):
    error = describe_failure(small_jpeg, provider, api_key="sk-wrong")
    assert not error.transient
    key_setting = "ANTHROPIC_API_KEY" if provider == "anthropic" else "OPENAI_API_KEY"
    assert "refused the API key (HTTP 401)" in str(error) and key_setting in str(error)
    assert len(fake.requests) == 1


@PROVIDERS
def test_an_unknown_model_is_permanent_with_the_vendors_reason(provider, fake, small_jpeg):
    fake.mode = "no_such_model"
    error = describe_failure(small_jpeg, provider)
    assert not error.transient
    assert str(error).endswith(f"refused the request (HTTP 404): model: {MODEL[provider]}")


@PROVIDERS
@pytest.mark.parametrize("mode", ["wrong_key", "malformed", "server_error", "no_such_model"])
def test_the_api_key_appears_in_no_error_and_no_log(provider, fake, small_jpeg, mode, caplog):
    secret = "sk-ant-secret-0123456789"
    if mode != "wrong_key":
        fake.api_key, fake.mode = secret, mode
    caplog.set_level(logging.DEBUG)

    error = describe_failure(small_jpeg, provider, api_key=secret)

    assert secret not in str(error) and secret not in repr(error)
    assert error.__cause__ is None and error.__context__ is None
    assert secret not in caplog.text
    assert secret not in repr(config(provider, api_key=secret))


@PROVIDERS
def test_no_provider_or_no_key_is_not_configured(provider, fake, small_jpeg):
    with pytest.raises(vision.VisionNotConfigured, match="set AI_PROVIDER=anthropic"):
        vision.describe(small_jpeg, config=vision.VisionConfig("none", "", ""))
    key_setting = f"{provider.upper()}_API_KEY"
    with pytest.raises(vision.VisionNotConfigured, match=f"set {key_setting}=... in .env"):
        vision.describe(small_jpeg, config=config(provider, api_key=""))
    assert fake.requests == []


def settings(**changes):
    values = {"AI_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "a-key",
              "ANTHROPIC_MODEL": "claude-x", "OPENAI_API_KEY": "", "OPENAI_MODEL": "gpt-x",
              "AI_TIMEOUT": 30}
    return SimpleNamespace(**{**values, **changes})


def test_settings_name_the_provider_model_key_and_timeout():
    assert vision.from_settings(settings()) == vision.VisionConfig(
        "anthropic", "claude-x", "a-key", timeout=30, max_retries=1
    )
    with pytest.raises(vision.VisionNotConfigured, match="set AI_PROVIDER="):
        vision.from_settings(settings(AI_PROVIDER="none"))
    with pytest.raises(vision.VisionNotConfigured, match="OPENAI_API_KEY is empty"):
        vision.from_settings(settings(AI_PROVIDER="openai"))


@pytest.mark.parametrize("answer,expected", [
    ('{"title": "T", "description": "D", "year": 1890, "vibes": "calm, Bright ,",'
     ' "confidence": "sure"}',
     {"year": "1890", "vibes": ["calm", "bright"], "confidence": "low"}),
    ('{"title": "T", "description": "D", "confidence": " HIGH ", "vibes": '
     '["Calm", "calm", 3, null, "a mood far too long to be one of the vibes", "b", "c", "d",'
     ' "e"]}',
     {"confidence": "high", "vibes": ["calm", "3", "b", "c", "d"]}),
    ('{"title": "T", "description": "D", "artist": "", "school": null}',
     {"artist": "Unknown", "year": "Unknown", "medium": "Unknown", "school": "N/A",
      "vibes": [], "vision_identified": False}),
    ('I looked at {the brushwork}. {"title": "T", "description": "D", "meta": {"x": 1}} Done.',
     {"title": "T", "description": "D"}),
])
def test_answers_are_cleaned_into_the_original_types(answer, expected):
    meta = vision.parse_answer(answer)
    assert {key: meta[key] for key in expected} == expected


@pytest.mark.parametrize("answer,reason", [
    ("", "holds no JSON object"),
    ('["a list", "not an object"]', "holds no JSON object"),
    ('{"title": "T", "description": "D"', "holds no JSON object"),
    ('{"title": "T", "artist": "A"}', "has no description"),
    ('{"title": " ", "description": "D"}', "has no title"),
])
def test_unreadable_answers_are_permanent_errors(answer, reason):
    with pytest.raises(vision.VisionError, match=reason) as error:
        vision.parse_answer(answer)
    assert not error.value.transient
