"""Work a dead worker left is taken over without a restart, and waiting says why.

Two real workers on Redis: the victim reads only the "victim" queue, where the
test sends one step; the rescuer reads the default queue and runs beat, whose
stall sweeps must notice the silence after the victim is killed with SIGKILL
and finish the work, with one picture on the fake TV.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import framing, placements, tasks
from docentsite.artwork.models import Artwork, Placement, PlacementStatus, Status
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.sources import tasks as source_tasks
from plexsource import services as plex_services
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


def placement_status(placement) -> str:
    return Placement.objects.get(pk=placement.pk).status


def test_a_worker_killed_mid_upload_is_taken_over(env, fake_tv, tv, make_artwork, make_jpeg,
                                                  tmp_path):
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    placement = Placement.objects.create(artwork=artwork, tv=tv)  # its lane not started yet
    fake_tv.slow_transfer = 100_000  # about twenty seconds for the picture

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim:
        tasks.tv_lane.apply_async((tv.pk,), queue="victim")
        wait_for(lambda: fake_tv.transfers_active == 1, what="the transfer to start")
        # The rescuer starts beside the live upload: its sweeps must leave that one alone.
        with celery_worker(env, log_dir=tmp_path, beat=True):
            assert fake_tv.transfers_active == 1, "the transfer ended before the rescuer began"
            kill_worker(victim)
            fake_tv.slow_transfer = None
            assert placement_status(placement) == PlacementStatus.UPLOADING
            wait_for(lambda: placement_status(placement) == PlacementStatus.ON_TV,
                     timeout=60, what="the rescuer's sweep to finish the upload")

    placement.refresh_from_db()
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.photos[placement.content_id].data == artwork.image.open("rb").read()
    assert fake_tv.uploads_started == 2


def test_a_worker_killed_mid_replacement_is_taken_over(env, fake_tv, tv, make_artwork,
                                                        make_jpeg, upload_now, tmp_path):
    """The crop editor's Save: the TV's lane replaces the picture, and a worker killed
    in the middle of the new copy's transfer leaves it to the sweep, which finishes it:
    one copy on the TV, the new one, the old one deleted."""
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    old = upload_now(artwork)
    artwork = framing.artwork_reframe(
        artwork=artwork, crop_box={"x": 0, "y": 0, "w": 1600, "h": 900, "source": "manual"})
    new_jpeg = artwork.image.open("rb").read()
    fake_tv.slow_transfer = len(new_jpeg) // 20  # about twenty seconds for the picture
    started = fake_tv.uploads_started

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim:
        # Asked as Save asks; the victim's lane is the one that starts on it.
        Placement.objects.filter(pk=old.pk).update(replace_asked_at=timezone.now())
        tasks.tv_lane.apply_async((tv.pk,), queue="victim")
        wait_for(lambda: fake_tv.transfers_active == 1, what="the transfer to start")
        with celery_worker(env, log_dir=tmp_path, beat=True):
            kill_worker(victim)
            fake_tv.slow_transfer = None
            assert Placement.objects.get(pk=old.pk).replace_asked_at is not None
            wait_for(lambda: Placement.objects.get(pk=old.pk).replace_asked_at is None,
                     timeout=60, what="the rescuer's sweep to finish the replacement")

    placement = Placement.objects.get(pk=old.pk)
    assert placement.content_id != old.content_id and placement.replaced_content_id == ""
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.photos[placement.content_id].data == new_jpeg
    assert fake_tv.uploads_started == started + 2


def test_a_worker_killed_mid_prepare_is_taken_over(env, fake_tv, tv, make_artwork, make_jpeg,
                                                   tmp_path):
    artwork = make_artwork(make_jpeg(8000, 6000, noise=True), prepare=False)
    placements.artwork_place(artworks=[artwork], tvs_wanted=[tv])

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim, \
            celery_worker(env, log_dir=tmp_path, beat=True):
        tasks.prepare.apply_async((artwork.pk,), queue="victim")
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).heartbeat_at, interval=0.05,
                 what="the prepare to start")
        kill_worker(victim)
        killed = Artwork.objects.get(pk=artwork.pk)
        assert killed.status == Status.PENDING and not killed.image  # mid-prepare
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).state == "on_tv",
                 timeout=90, what="the rescuer's sweep to prepare and upload it")

    artwork.refresh_from_db()
    assert list(fake_tv.photos) == [content_id(artwork)]
    assert (artwork.width, artwork.height) == (2880, 2160)


def test_a_worker_killed_mid_download_is_taken_over(env, fake_plex, plex_settings, fake_tv,
                                                    tv, tmp_path, chains):
    env = {**env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "PLEX_TIMEOUT": "5"}
    harbour = fake_plex.find("Harbour at dawn")
    plex_services.plex_import_request(plex_metadata_ids=[harbour.rating_key])
    record = ImportRecord.objects.get()
    fake_plex.download_rate = max(len(harbour.data) // 30, 1)  # thirty seconds

    with celery_worker(env, log_dir=tmp_path, queues="victim") as victim, \
            celery_worker(env, log_dir=tmp_path, beat=True):
        source_tasks.fetch_original.apply_async(("plex", record.pk), queue="victim")
        wait_for(lambda: fake_plex.downloads, what="the download to start")
        kill_worker(victim)
        fake_plex.download_rate = None
        assert ImportRecord.objects.get(pk=record.pk).step == ImportStep.DOWNLOADING
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).status == ImportStatus.DONE,
                 timeout=90, what="the rescuer's sweep to finish the import")

    record.refresh_from_db()
    assert list(fake_tv.photos) == [content_id(record.artwork)]
    assert [d.rating_key for d in fake_plex.downloads] == [harbour.rating_key] * 2
    assert fake_plex.downloads[-1].complete


def test_a_live_step_is_left_alone(env, fake_tv, tv, make_artwork, make_jpeg, tmp_path):
    """An upload longer than STALL_AFTER keeps beating: no sweep starts a second one."""
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    fake_tv.slow_transfer = 250_000  # about eight seconds, twice STALL_AFTER

    # Two processes: the sweep runs beside the upload, not after it.
    with celery_worker(env, log_dir=tmp_path, beat=True, concurrency=2) as worker:
        placements.artwork_place(artworks=[artwork], tvs_wanted=[tv])
        wait_for(lambda: Artwork.objects.get(pk=artwork.pk).state == "on_tv",
                 timeout=60, what="the upload")
        wait_for(lambda: b"Sending due task artwork.resume_stalled" in worker.log.read_bytes(),
                 what="a sweep")

    log = worker.log.read_bytes()
    assert b"Taking over artwork" not in log
    # A sweep a moment after the request, before the lane claimed it, may start the lane
    # again (it finds it busy); one that took the live upload for dead would every second.
    assert log.count(b"Starting the lane of TV") <= 1
    assert len(fake_tv.photos) == 1 and fake_tv.uploads_started == 1
    assert Placement.objects.get(artwork=artwork).upload_attempts == 1


def test_the_tv_off_shows_why_and_when_on_the_record(
    env, fake_plex, plex_settings, fake_tv, tv, tmp_path, admin_client
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
        placement = Placement.objects.get(artwork=artwork, tv=tv)
        imports_page = admin_client.get("/admin/plexsource/importrecord/").content.decode()
        artworks_page = admin_client.get("/admin/artwork/artwork/").content.decode()
        fake_tv.start()
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).status == ImportStatus.DONE,
                 timeout=60, what="the import once the TV is back")

    assert shown["status"] == "running" and shown["step"] == "uploading"
    assert "TV" in placement.waiting_reason
    assert shown["waiting_reason"] == f"{tv.name}: {placement.waiting_reason}"
    assert shown["next_attempt_at"] is not None
    assert artwork.status == Status.PREPARED and placement.status == PlacementStatus.QUEUED
    assert placement.next_attempt_at is not None
    assert placement.next_attempt_at > timezone.now() - timedelta(seconds=30)
    assert shown["waiting_reason"] in imports_page and "Next try at" in imports_page
    assert f"Waiting: {placement.waiting_reason}" in artworks_page
    record.refresh_from_db()
    placement.refresh_from_db()
    assert (record.waiting_reason, record.next_attempt_at) == ("", None)
    assert (placement.waiting_reason, placement.next_attempt_at, placement.heartbeat_at) == (
        "", None, None)
    assert placement.status == PlacementStatus.ON_TV
