import io

import pytest

# The fakes' fixtures, for every test module.
from tests.fakes.ai_fixtures import fake_anthropic, fake_openai, fake_vision_api  # noqa: F401
from tests.fakes.frametv_fixtures import (  # noqa: F401
    fake_tv,
    frame_tv,
    jpeg,
    make_frame_tv,
    make_jpeg,
)
from tests.fakes.plex_fixtures import fake_plex, plex_client, plex_settings  # noqa: F401


@pytest.fixture
def make_artwork(db):
    """make_artwork(data=b"...", prepare=True, **fields) -> an Artwork from these bytes."""
    from docentsite.artwork import services

    def make(data: bytes, *, filename: str = "picture.jpg", prepare: bool = True, **kwargs):
        artwork = services.artwork_create(
            fileobj=io.BytesIO(data), filename=filename, analyze=False, **kwargs
        )
        if prepare:
            artwork = services.artwork_prepare(artwork_id=artwork.pk)
        return artwork

    return make


class QueuedChains:
    """Stands in for a chain factory of docentsite.artwork.tasks; records the ids."""

    def __init__(self):
        self.ids = []

    def __call__(self, artwork_id):
        self.ids.append(artwork_id)
        return self

    def delay(self):
        return None


@pytest.fixture
def queued(monkeypatch):
    """queued("pipeline") swaps that chain factory for a recorder, for tests
    that check what is queued without running a worker."""

    def replace(name: str) -> QueuedChains:
        recorder = QueuedChains()
        monkeypatch.setattr(f"docentsite.artwork.tasks.{name}", recorder)
        return recorder

    return replace
