"""pytest fixtures for the fake Plex Media Server.

`fake_plex` is a running FakePlex with the standard content (see
tests/fakes/plex.py, `add_standard_content`); `plex_client` is a PlexClient
pointed at it with short time-outs; `plex_settings` points settings.PLEX_* at it
(for code that calls `plexsource.client.from_settings()`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plexsource.client import PlexClient
from tests.fakes.plex import FakePlex, add_standard_content

TIMEOUT = 2.0


@pytest.fixture
def fake_plex() -> Iterator[FakePlex]:
    with FakePlex() as fake:
        yield add_standard_content(fake)
    assert not fake.errors, "the fake Plex itself failed:\n" + "\n".join(fake.errors)


@pytest.fixture
def plex_client(fake_plex: FakePlex) -> PlexClient:
    return PlexClient(url=fake_plex.url, token=fake_plex.token, timeout=TIMEOUT)


@pytest.fixture
def plex_settings(fake_plex: FakePlex, settings):
    settings.PLEX_URL = fake_plex.url
    settings.PLEX_TOKEN = fake_plex.token
    settings.PLEX_VERIFY_SSL = True
    settings.PLEX_TIMEOUT = TIMEOUT
    return settings
