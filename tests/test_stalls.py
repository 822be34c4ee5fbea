"""Work a dead worker left is taken over without a restart, and waiting says why.

Two real workers on Redis: the victim reads only the "victim" queue, where the
test sends one step; the rescuer reads the default queue and runs beat, whose
stall sweeps must notice the silence after the victim is killed with SIGKILL
and finish the work, with one picture on the fake TV.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import tasks
from docentsite.artwork.models import Artwork, Status
from plexsource import services as plex_services
from plexsource import tasks as plex_tasks
from plexsource.models import ImportRecord, ImportStatus, ImportStep
from tests.workers import celery_worker, kill_worker, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240),
              pytest.mark.slow, needs_redis]

#: Quick sweeps for the tests: a step silent for 4 s is dead, beat looks every second.
QUICK_SWEEPS = {"STALL_AFTER": "4", "STALL_SWEEP_INTERVAL": "1"}


@pytest.fixture
def env(worker_env, redis_broker, settings):
    settings.STALL_AFTER = 4
    return {**worker_env, **QUICK_SWEEPS, "CELERY_BROKER_URL": redis_broker,
            "TV_UPLOAD_TIMEOUT": "60"}


def test_a_worker_killed_mid_upload_is_taken_over(env, fake_tv, make_artwork, make_jpeg,
                                                  tmp_path):
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    fake_tv.slow_transfer = 200_000  # about ten seconds for the picture

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim, \
            celery_worker(env, log_dir=tmp_path, beat=True):
        tasks.upload_to_tv.apply_async((artwork.pk,), queue="victim")
        wait_for(lambda: fake_tv.transfers_active == 1, what="the transfer to start")
        kill_worker(victim)
        fake_tv.slow_transfer = None
        assert Artwork.objects.get(pk=artwork.pk).status == Status.UPLOADING
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).status == Status.ON_TV,
                 timeout=60, what="the rescuer's sweep to finish the upload")

    artwork.refresh_from_db()
    assert list(fake_tv.photos) == [artwork.content_id]
    assert fake_tv.photos[artwork.content_id].data == artwork.image.open("rb").read()
    assert fake_tv.uploads_started == 2


def test_a_worker_killed_mid_prepare_is_taken_over(env, fake_tv, make_artwork, make_jpeg,
                                                   tmp_path):
    artwork = make_artwork(make_jpeg(8000, 6000, noise=True), prepare=False)

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim, \
            celery_worker(env, log_dir=tmp_path, beat=True):
        tasks.prepare.apply_async((artwork.pk,), queue="victim")
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).heartbeat_at, interval=0.05,
                 what="the prepare to start")
        kill_worker(victim)
        killed = Artwork.objects.get(pk=artwork.pk)
        assert killed.status == Status.PENDING and not killed.image  # mid-prepare
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).status == Status.ON_TV,
                 timeout=90, what="the rescuer's sweep to prepare and upload it")

    artwork.refresh_from_db()
    assert list(fake_tv.photos) == [artwork.content_id]
    assert (artwork.width, artwork.height) == (2880, 2160)


def test_a_worker_killed_mid_download_is_taken_over(env, fake_plex, plex_settings, fake_tv,
                                                    tmp_path, chains):
    env = {**env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "PLEX_TIMEOUT": "5"}
    harbour = fake_plex.find("Harbour at dawn")
    plex_services.plex_import_request(plex_metadata_ids=[harbour.rating_key])
    record = ImportRecord.objects.get()
    fake_plex.download_rate = max(len(harbour.data) // 30, 1)  # thirty seconds

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim, \
            celery_worker(env, log_dir=tmp_path, beat=True):
        plex_tasks.fetch_original.apply_async((record.pk,), queue="victim")
        wait_for(lambda: fake_plex.downloads, what="the download to start")
        kill_worker(victim)
        fake_plex.download_rate = None
        assert ImportRecord.objects.get(pk=record.pk).step == ImportStep.DOWNLOADING
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).status == ImportStatus.DONE,
                 timeout=90, what="the rescuer's sweep to finish the import")

    record.refresh_from_db()
    assert list(fake_tv.photos) == [record.artwork.content_id]
    assert [d.rating_key for d in fake_plex.downloads] == [harbour.rating_key] * 2
    assert fake_plex.downloads[-1].complete


def test_a_live_step_is_left_alone(env, fake_tv, make_artwork, make_jpeg, tmp_path):
    """An upload longer than STALL_AFTER keeps beating: no sweep starts a second one."""
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    fake_tv.slow_transfer = 250_000  # about eight seconds, twice STALL_AFTER

    # Two processes: the sweep runs beside the upload, not after it.
    with celery_worker(env, log_dir=tmp_path, beat=True, concurrency=2) as worker:
        tasks.upload_to_tv.delay(artwork.pk)
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).status == Status.ON_TV,
                 timeout=60, what="the upload")
        wait_for(lambda: b"Sending due task artwork.resume_stalled" in worker.log.read_bytes(),
                 what="a sweep")

    assert b"Taking over artwork" not in worker.log.read_bytes()
    assert len(fake_tv.photos) == 1 and fake_tv.uploads_started == 1


def test_the_tv_off_shows_why_and_when_on_the_record(
    env, fake_plex, plex_settings, fake_tv, tmp_path, admin_client
):
    env = {**env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "TASK_RETRY_DELAY": "3"}
    garden = fake_plex.find("Garden").rating_key
    fake_tv.stop()

    with celery_worker(env, log_dir=tmp_path):
        admin_client.post("/api/plex/import", {"plex_metadata_ids": [garden]},
                          content_type="application/json")
        record = ImportRecord.objects.get()
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).next_attempt_at,
                 what="the upload to wait for the TV")
        (shown,) = admin_client.get(
            "/api/plex/imports", {"plex_metadata_id": garden}).json()["items"]
        artwork = Artwork.objects.get(pk=record.artwork_id)
        imports_page = admin_client.get("/admin/plexsource/importrecord/").content.decode()
        artworks_page = admin_client.get("/admin/artwork/artwork/").content.decode()
        fake_tv.start()
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).status == ImportStatus.DONE,
                 timeout=60, what="the import once the TV is back")

    assert shown["status"] == "running" and shown["step"] == "uploading"
    assert "TV" in shown["waiting_reason"] and shown["waiting_reason"] == artwork.waiting_reason
    assert shown["next_attempt_at"] is not None
    assert artwork.status == Status.PREPARED and artwork.next_attempt_at is not None
    assert artwork.next_attempt_at > timezone.now() - timedelta(seconds=30)
    assert shown["waiting_reason"] in imports_page and "Next try at" in imports_page
    assert f"Waiting: {artwork.waiting_reason}" in artworks_page
    record.refresh_from_db()
    artwork.refresh_from_db()
    assert (record.waiting_reason, record.next_attempt_at) == ("", None)
    assert (artwork.waiting_reason, artwork.next_attempt_at, artwork.heartbeat_at) == (
        "", None, None)
