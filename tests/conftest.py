import io
import os
import shutil
from pathlib import Path

import pytest

# The fakes' fixtures, for every test module.
from tests.fakes.ai_fixtures import fake_anthropic, fake_openai  # noqa: F401
from tests.fakes.drive_fixtures import drive_client, drive_settings, fake_drive  # noqa: F401
from tests.fakes.frametv_fixtures import (  # noqa: F401
    fake_tv,
    frame_tv,
    jpeg,
    make_frame_tv,
    make_jpeg,
    panel_jpeg,
)
from tests.fakes.immich_fixtures import fake_immich, immich_client, immich_settings  # noqa: F401
from tests.fakes.plex_fixtures import fake_plex, plex_client, plex_settings  # noqa: F401
from tests.two_tvs import den, fake_den  # noqa: F401


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: two workers a core. Most of a test's time is spent waiting on a
    Celery worker, a fake server or Chromium, so one core keeps two busy. A run
    of one test file stays in this process: starting workers (each its own
    Django and test database) would take longer than most files do."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own variable, read by its own hook
    if os.environ.get("DOCENT_TEST_REDIS_URL"):
        return 0  # one database for the run: see pytest_configure
    files = {arg.split("::")[0] for arg in config.args}
    if len(files) == 1 and files.pop().endswith(".py"):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1
    return 2 * cores


def pytest_configure(config):
    workers = getattr(config.option, "numprocesses", None) or 0
    if os.environ.get("DOCENT_TEST_REDIS_URL") and workers > 1:
        raise pytest.UsageError(
            "DOCENT_TEST_REDIS_URL is one Redis database, which the tests flush: run them "
            "in one process (-n 0), or leave it unset and each worker starts a Redis of its own."
        )


@pytest.fixture(autouse=True)
def no_cached_thumbnails():
    """Each test starts with no Plex thumbnail cached in the data dir: the fake Plex's
    photos keep their ids from test to test, so a thumbnail an earlier test fetched
    would be served from disk instead of asked for (and which test ran earlier on
    this xdist worker is chance)."""
    from django.conf import settings

    shutil.rmtree(settings.DOCENT_DATA_DIR / "cache" / "plex-thumbnails", ignore_errors=True)


@pytest.fixture(autouse=True)
def no_meta_files_left():
    """Each test starts with no artwork_meta.json in the data dir: the first TV's file
    is at the same default path for every test of an xdist worker, and an entry an
    earlier test left (its content ids are the fake TV's, MY_F0001 on) would read as
    this test's."""
    from django.conf import settings

    default = Path(settings.ARTWORK_META_PATH)
    for leftover in (default, default.with_name(f".{default.name}.pending")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(Path(settings.DOCENT_DATA_DIR) / "tvs", ignore_errors=True)


@pytest.fixture(autouse=True)
def status_refresh_asked():
    """As if this process had just asked a worker to run the status checks: a page
    that finds a check never run asks for them, and the message would be left in the
    embedded queue for a later test's worker. Tests of the asking delete the key."""
    from django.core.cache import cache

    from docentsite.status.services import REFRESH_ASKED

    cache.set(REFRESH_ASKED, True, timeout=None)
    yield
    cache.delete(REFRESH_ASKED)


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
    """The import chains queued (any source's), as (record id, artwork id), instead of run."""
    queued = []

    class Chain:
        def __init__(self, source_key, record_id, artwork_id):
            queued.append((record_id, artwork_id))

        def delay(self):
            return None

    monkeypatch.setattr("docentsite.sources.tasks.import_chain", Chain)
    return queued


@pytest.fixture
def tv(settings, fake_tv, frame_tv, db):
    """The default TV (the one .env names), pointed at the fake TV and paired."""
    from docentsite.artwork import tvs

    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    return tvs.tv_default()


@pytest.fixture
def upload_now(tv, frame_tv):
    """upload_now(artwork, frame=frame_tv) -> its Placement on the default TV, uploaded
    now in this process (holding the TV's lane), as the lane does; raises as it would."""
    from docentsite.artwork import tvlock, tvupload
    from docentsite.artwork.models import Placement

    def upload(artwork, frame=None):
        placement, _ = Placement.objects.get_or_create(artwork=artwork, tv=tv)
        with tvlock.holding(tv, wait=10):
            return tvupload.placement_upload(
                placement=Placement.objects.select_related("artwork", "tv").get(pk=placement.pk),
                frame=frame or frame_tv)

    return upload
