import io
import os

import pytest

# The fakes' fixtures, for every test module.
from tests.fakes.ai_fixtures import fake_anthropic, fake_openai  # noqa: F401
from tests.fakes.frametv_fixtures import (  # noqa: F401
    fake_tv,
    frame_tv,
    jpeg,
    make_frame_tv,
    make_jpeg,
)
from tests.fakes.plex_fixtures import fake_plex, plex_client, plex_settings  # noqa: F401
from tests.two_tvs import den, fake_den  # noqa: F401


@pytest.fixture(scope="session")
def redis_server():
    """The URL of a Redis the run may flush: its own, or the developer's choice."""
    from tests.servers import start_redis

    return os.environ.get("DOCENT_TEST_REDIS_URL") or start_redis()


@pytest.fixture
def redis_broker(redis_server):
    """This process sends tasks to a flushed Redis database; pass the URL to workers."""
    import redis

    from tests.workers import broker

    redis.Redis.from_url(redis_server).flushdb()
    with broker(redis_server):
        yield redis_server


@pytest.fixture
def worker_env(fake_tv, frame_tv, tmp_path, settings):
    """Settings for a worker and this process alike: the fake TV, a meta file."""
    env = {
        "TV_HOST": fake_tv.host,
        "TV_PORT": str(fake_tv.port),
        "TV_TOKEN_FILE": str(frame_tv.token_file),
        "TV_TIMEOUT": "3",
        "TV_UPLOAD_TIMEOUT": "5",
        "ARTWORK_META_PATH": str(tmp_path / "artwork_meta.json"),
        "AI_PROVIDER": "none",
    }
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    settings.AI_PROVIDER = "none"
    return env


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


@pytest.fixture
def chains(monkeypatch):
    """The Plex import chains queued, as (record id, artwork id), instead of run."""
    queued = []

    class Chain:
        def __init__(self, record_id, artwork_id):
            queued.append((record_id, artwork_id))

        def delay(self):
            return None

    monkeypatch.setattr("plexsource.tasks.import_chain", Chain)
    return queued
