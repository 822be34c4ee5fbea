"""`fake_anthropic` and `fake_openai`: a FakeVisionAPI with the SDK pointed at it."""

import pytest

from tests.fakes.ai import FakeVisionAPI


@pytest.fixture
def fake_vision_api():
    fake = FakeVisionAPI().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_anthropic(fake_vision_api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_vision_api.url)
    return fake_vision_api


@pytest.fixture
def fake_openai(fake_vision_api, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_vision_api.url}/v1")
    return fake_vision_api
