"""`fake_anthropic` and `fake_openai`: a fake vendor API with its SDK pointed at it."""

import pytest

from tests.fakes.ai import FakeAnthropic, FakeOpenAI


@pytest.fixture
def fake_anthropic(monkeypatch):
    fake = FakeAnthropic().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def fake_openai(monkeypatch):
    fake = FakeOpenAI().start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake.url}/v1")
    yield fake
    fake.stop()

