"""The whole pipeline in real worker processes: upload page -> TV -> analysis -> file."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docentsite.artwork import tasks
from docentsite.artwork.models import AnalysisStatus, Artwork, Placement, PlacementStatus
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from tests.workers import (
    celery_worker,
    described_in_file,
    empty_embedded_queue,
    meta_entries,
    needs_redis,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180),
              pytest.mark.slow]

@needs_redis
def test_upload_page_to_tv_analysis_and_meta_file_on_redis(
    admin_client, fake_tv, fake_anthropic, worker_env, redis_broker, make_jpeg, settings,
    tmp_path,
):
    env = {**worker_env, "AI_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "test-key",
           "ANTHROPIC_BASE_URL": fake_anthropic.url, "CELERY_BROKER_URL": redis_broker}
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"

    with celery_worker(env, log_dir=tmp_path):
        response = admin_client.post("/admin/artwork/artwork/upload/", {
            "files": [SimpleUploadedFile("wave.png", make_jpeg(5000, 3000)),
                      SimpleUploadedFile("dunes.jpg", make_jpeg(1200, 1600))],
            "analyze": "on",
        })
        assert response.status_code == 302
        wait_for(lambda: Artwork.objects.filter(analysis_status=AnalysisStatus.DONE).count() == 2,
                 what="both artworks analysed")
        # The descriptions reach the file with the batch's next rewrite, seconds later.
        wait_for(lambda: described_in_file(settings) == 2,
                 what="both described in artwork_meta.json")

    artworks = list(Artwork.objects.order_by("original_filename"))
    assert [a.state for a in artworks] == ["on_tv", "on_tv"]
    assert sorted(fake_tv.photos) == sorted(content_id(a) for a in artworks)
    dunes, wave = artworks
    assert (wave.width, wave.height) == (3600, 2160)
    assert fake_tv.photos[content_id(wave)].data == wave.image.open("rb").read()
    entry = meta_entries(settings)[content_id(wave)]
    assert entry["original_filename"] == "wave.png" and "source" not in entry
    assert entry["ai_meta"]["provider"] == "claude"
    assert entry["ai_meta"]["description"] == wave.ai_description != ""
    page = admin_client.get(f"/admin/artwork/artwork/{wave.pk}/change/")
    assert wave.ai_description in page.content.decode()
    assert len(fake_anthropic.requests) == 2


@needs_redis
def test_two_deliveries_of_one_upload_give_one_picture(
    fake_tv, tv, worker_env, redis_broker, make_artwork, make_jpeg, tmp_path
):
    artwork = make_artwork(make_jpeg(2000, 1500, noise=True))
    fake_tv.slow_transfer = 2_000_000

    with celery_worker({**worker_env, "CELERY_BROKER_URL": redis_broker}, concurrency=2,
                       log_dir=tmp_path):
        # After the worker's start-up sweep, which would start the lane a third time.
        wait_for(lambda: succeeded(tmp_path, "artwork.resume_stalled"), what="the sweep")
        placement = Placement.objects.create(artwork=artwork, tv=tv)
        deliveries = [tasks.tv_lane.delay(tv.pk).id for _ in range(2)]
        wait_for(lambda: placement_of(artwork).status == PlacementStatus.ON_TV,
                 what="the upload")
        # The second delivery must have run too, and found the work done or the lane busy.
        wait_for(lambda: all(succeeded(tmp_path, "artwork.tv_lane", task_id=delivery) == 1
                             for delivery in deliveries), what="both runs")

    placement.refresh_from_db()
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.uploads_started == 1 and placement.upload_attempts == 1


def placement_of(artwork) -> Placement:
    return Placement.objects.get(artwork=artwork)


def succeeded(log_dir, task_name: str, task_id: str | None = None) -> int:
    """How many runs of the task (or of this one delivery of it) the workers' logs
    report as succeeded."""
    run = re.escape(task_id) if task_id else r"[^\]]+"
    pattern = re.compile(rf"Task {re.escape(task_name)}\[{run}\] succeeded".encode())
    return sum(len(pattern.findall(log.read_bytes())) for log in log_dir.glob("worker-*.log"))


@needs_redis
def test_lost_confirmation_ends_with_one_picture_and_its_id(
    fake_tv, tv, worker_env, redis_broker, make_artwork, jpeg, tmp_path, settings
):
    artwork = make_artwork(jpeg)
    Placement.objects.create(artwork=artwork, tv=tv)  # prepare starts its lane
    fake_tv.lose_confirmation = True

    with celery_worker({**worker_env, "CELERY_BROKER_URL": redis_broker}, log_dir=tmp_path):
        tasks.pipeline(artwork.pk).delay()
        # Stored is when the fake has dropped the confirmation: switching it back on any
        # earlier (the transfer under way) could let this one through.
        wait_for(lambda: fake_tv.photos, what="the first transfer stored, unconfirmed")
        fake_tv.lose_confirmation = False
        wait_for(lambda: placement_of(artwork).status == PlacementStatus.ON_TV,
                 what="the retry to adopt the picture")
        wait_for(lambda: meta_entries(settings), what="artwork_meta.json")

    placement = placement_of(artwork)
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.uploads_started == 1
    assert placement.upload_attempts == 2
    assert list(meta_entries(settings)) == [placement.content_id]


@needs_redis
def test_tv_off_is_retried_until_it_is_back(
    fake_tv, tv, worker_env, redis_broker, make_artwork, jpeg, tmp_path
):
    artwork = make_artwork(jpeg)
    Placement.objects.create(artwork=artwork, tv=tv)  # prepare starts its lane
    fake_tv.stop()

    with celery_worker({**worker_env, "CELERY_BROKER_URL": redis_broker}, log_dir=tmp_path):
        tasks.pipeline(artwork.pk).delay()
        wait_for(lambda: placement_of(artwork).upload_attempts >= 2,
                 what="retries while the TV is off")
        assert placement_of(artwork).status in (PlacementStatus.QUEUED,
                                                PlacementStatus.UPLOADING)
        fake_tv.start()
        wait_for(lambda: placement_of(artwork).status == PlacementStatus.ON_TV,
                 what="the upload once the TV is back")

    assert len(fake_tv.photos) == 1


def test_the_embedded_queue_runs_the_pipeline_with_no_server(
    fake_tv, tv, worker_env, make_artwork, make_jpeg, tmp_path, settings
):
    assert settings.CELERY_BROKER_URL.startswith("filesystem://")
    empty_embedded_queue()
    artwork = make_artwork(make_jpeg(640, 480), prepare=False)
    Placement.objects.create(artwork=artwork, tv=tv)

    with celery_worker(worker_env, log_dir=tmp_path):
        tasks.pipeline(artwork.pk).delay()
        wait_for(lambda: placement_of(artwork).status == PlacementStatus.ON_TV,
                 what="the pipeline on the embedded queue")
        wait_for(lambda: meta_entries(settings), what="artwork_meta.json")

    placement = placement_of(artwork)
    assert list(fake_tv.photos) == [placement.content_id]
    assert placement.content_id in meta_entries(settings)

