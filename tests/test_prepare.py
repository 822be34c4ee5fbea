import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from docentsite.artwork import imaging, lane, services, tvs
from docentsite.artwork.models import Artwork, Placement, PlacementStatus, Status

pytestmark = pytest.mark.django_db


def test_prepare_keeps_the_tv_jpeg_and_the_original(make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(6000, 4000), prepare=False)
    original = artwork.original.path

    prepared = services.artwork_prepare(artwork_id=artwork.pk)

    assert prepared.status == Status.PREPARED
    assert (prepared.width, prepared.height) == (3240, 2160)
    assert prepared.bytes == prepared.image.size and len(prepared.sha256) == 64
    # Kept so the picture can be framed again (framing.artwork_reframe).
    assert prepared.thumbnail and prepared.original.path == original
    assert os.path.exists(original)


def test_prepare_keeps_the_thumbnail_and_the_vision_copy_beside_the_tv_jpeg(
    make_artwork, make_jpeg
):
    artwork = make_artwork(make_jpeg(6000, 4000))

    sizes = {}
    for stored in (artwork.image, artwork.thumbnail, artwork.vision):
        with Image.open(stored.path) as img:
            sizes[stored.field.name] = (img.format, img.size)

    assert sizes == {
        "image": ("JPEG", (3240, 2160)),
        "thumbnail": ("JPEG", (480, 320)),
        "vision": ("JPEG", (1080, 720)),
    }


def test_a_corrupt_file_fails_its_own_artwork_readably(make_artwork, make_jpeg):
    broken = make_artwork(make_jpeg(400, 300)[:300], filename="broken.jpg", prepare=False)
    fine = make_artwork(make_jpeg(400, 300), filename="fine.jpg", prepare=False)

    with pytest.raises(imaging.ImageRejected):
        services.artwork_prepare(artwork_id=broken.pk)
    services.artwork_prepare(artwork_id=fine.pk)

    broken.refresh_from_db()
    assert broken.status == Status.FAILED
    assert broken.last_error.startswith("This file is not a picture Docent can read")
    assert Artwork.objects.get(pk=fine.pk).status == Status.PREPARED


def test_preparing_twice_does_the_work_once(make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(400, 300), prepare=False)
    first = services.artwork_prepare(artwork_id=artwork.pk)

    second = services.artwork_prepare(artwork_id=artwork.pk)

    assert second.image.name == first.image.name


def test_retry_resumes_at_the_step_that_failed(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued
):
    pipelines = queued("pipeline")
    prepared = make_artwork(jpeg)
    Artwork.objects.filter(pk=prepared.pk).update(status=Status.FAILED, last_error="TV off")

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_retry(artworks=Artwork.objects.all())

    prepared.refresh_from_db()
    assert count == 1 and pipelines.ids == [prepared.pk]
    assert prepared.status == Status.PREPARED and prepared.last_error == ""


def test_retry_sends_a_picture_again_to_the_tv_it_failed_on(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued, monkeypatch
):
    pipelines = queued("pipeline")
    lanes = []
    monkeypatch.setattr("docentsite.artwork.tasks.tv_lane.delay", lanes.append)
    tv = tvs.tv_create(name="Living room", host="192.0.2.1")
    prepared = make_artwork(jpeg)
    Placement.objects.create(artwork=prepared, tv=tv, status=PlacementStatus.FAILED,
                             last_error="TV off", upload_attempts=4)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_retry(artworks=Artwork.objects.all())

    placement = Placement.objects.get(artwork=prepared)
    assert count == 1 and lanes == [tv.pk] and pipelines.ids == []
    assert placement.status == PlacementStatus.QUEUED and placement.last_error == ""
    assert placement.upload_attempts == 0


def test_stalled_artworks_are_found_and_resumed(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued
):
    # An artwork's own steps (preparing, describing) are the artwork's to resume;
    # its uploads are its TVs' lanes' (the next test).
    pipelines = queued("pipeline")
    stalled = make_artwork(jpeg, prepare=False)
    fresh = make_artwork(jpeg, prepare=False)
    failed = make_artwork(jpeg)
    long_ago = timezone.now() - timedelta(hours=1)
    Artwork.objects.filter(pk=stalled.pk).update(updated_at=long_ago)
    Artwork.objects.filter(pk=failed.pk).update(status=Status.FAILED, updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_resume_stalled()

    assert count == 1 and pipelines.ids == [stalled.pk]
    assert fresh.pk not in pipelines.ids


def test_stalled_uploads_are_resumed_by_their_tvs_lane(
    make_artwork, jpeg, django_capture_on_commit_callbacks, monkeypatch
):
    lanes = []
    monkeypatch.setattr("docentsite.artwork.tasks.tv_lane.delay", lanes.append)
    stalled_tv = tvs.tv_create(name="Living room", host="192.0.2.1")
    busy_tv = tvs.tv_create(name="Den", host="192.0.2.2")
    long_ago = timezone.now() - timedelta(hours=1)
    Placement.objects.create(artwork=make_artwork(jpeg), tv=stalled_tv,
                             status=PlacementStatus.UPLOADING, heartbeat_at=long_ago)
    Placement.objects.create(artwork=make_artwork(jpeg), tv=busy_tv,
                             status=PlacementStatus.UPLOADING, heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        count = lane.lanes_resume()

    assert count == 1 and lanes == [stalled_tv.pk]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(imaging._malloc_trim() is None, reason="only glibc's malloc keeps it")
def test_the_preparing_process_hands_a_pictures_memory_back(make_artwork, make_jpeg,
                                                            monkeypatch):
    from docentsite.artwork import tasks

    artwork = make_artwork(make_jpeg(6000, 4000), prepare=False)
    measured = []
    give_back = imaging.memory_give_back

    def measuring():
        held = _rss_mb()
        give_back()
        measured.append((held, _rss_mb()))

    monkeypatch.setattr(imaging, "memory_give_back", measuring)

    tasks.prepare(artwork.pk)

    assert Artwork.objects.get(pk=artwork.pk).status == Status.PREPARED
    ((held, after),) = measured
    # What a 24 MP photo's decode and copies freed, held by the process until handed back.
    assert after < held - 30, (held, after)
