import os
from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import imaging, services
from docentsite.artwork.models import Artwork, Status

pytestmark = pytest.mark.django_db


def test_prepare_keeps_the_tv_jpeg_and_drops_the_original(make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(6000, 4000), prepare=False)
    original = artwork.original.path

    prepared = services.artwork_prepare(artwork_id=artwork.pk)

    assert prepared.status == Status.PREPARED
    assert (prepared.width, prepared.height) == (3240, 2160)
    assert prepared.bytes == prepared.image.size and len(prepared.sha256) == 64
    assert prepared.thumbnail and not prepared.original
    assert not os.path.exists(original)


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


def test_stalled_artworks_are_found_and_resumed(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued
):
    pipelines = queued("pipeline")
    stalled = make_artwork(jpeg)
    fresh = make_artwork(jpeg)
    failed = make_artwork(jpeg)
    long_ago = timezone.now() - timedelta(hours=1)
    Artwork.objects.filter(pk=stalled.pk).update(status=Status.UPLOADING, updated_at=long_ago)
    Artwork.objects.filter(pk=failed.pk).update(status=Status.FAILED, updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_resume_stalled()

    assert count == 1 and pipelines.ids == [stalled.pk]
    assert fresh.pk not in pipelines.ids
