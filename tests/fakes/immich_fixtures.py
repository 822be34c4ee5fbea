"""pytest fixtures for the fake Immich server.

`fake_immich` is a running FakeImmich with the standard content (see
tests/fakes/immich.py, `add_standard_content`); `immich_client` is an
ImmichClient pointed at it with short time-outs; `immich_settings` points
settings.IMMICH_* at it (for code that calls `immichsource.client.from_settings()`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from immichsource.client import ImmichClient
from tests.fakes.immich import FakeImmich, add_standard_content

TIMEOUT = 2.0


@pytest.fixture
def fake_immich() -> Iterator[FakeImmich]:
    with FakeImmich() as fake:
        yield add_standard_content(fake)
    assert not fake.errors, "the fake Immich itself failed:\n" + "\n".join(fake.errors)


@pytest.fixture
def immich_client(fake_immich: FakeImmich) -> ImmichClient:
    return ImmichClient(url=fake_immich.url, api_key=fake_immich.key, timeout=TIMEOUT)


@pytest.fixture
def immich_settings(fake_immich: FakeImmich, settings):
    settings.IMMICH_URL = fake_immich.url
    settings.IMMICH_API_KEY = fake_immich.key
    settings.IMMICH_VERIFY_SSL = True
    settings.IMMICH_TIMEOUT = TIMEOUT
    return settings
