"""Each TV's upload lane: a worker slot never sits waiting for a lock while work waits,
and one picture's trouble never stops the pictures behind it.

The first test: one worker process with two slots. One slot holds the Frame's lane, busy on a slow
transfer; a new picture for both TVs must still be prepared and reach the Den meanwhile.
A slot that waited for the Frame's lock would hold that picture back until the slow
transfer ended, and the test would fail.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docentsite.artwork import lane, placements, services
from docentsite.artwork.models import Artwork, Placement, PlacementStatus
from tests.two_tvs import frame
from tests.workers import (
    celery_worker,
    empty_embedded_queue,
    kill_worker,
    needs_redis,
    wait_for,
)

pytestmark = pytest.mark.timeout(240)

#: Seconds the slow transfer to the Frame takes: far longer than a prepare and an upload.
SLOW_TRANSFER = 20


@pytest.fixture(params=["embedded", pytest.param("redis", marks=needs_redis)])
def env(request, worker_env, den):
    """The worker's settings, with the embedded queue (the default) or Redis."""
    env = {**worker_env, "TV_UPLOAD_TIMEOUT": "90"}
    if request.param == "redis":
        return {**env, "CELERY_BROKER_URL": request.getfixturevalue("redis_broker")}
    empty_embedded_queue()
    return env


def placement(artwork, tv) -> Placement:
    return Placement.objects.get(artwork=artwork, tv=tv)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_prepare_and_an_upload_to_the_other_tv_run_beside_a_slow_transfer(
    env, den, fake_tv, fake_den, make_artwork, make_jpeg, tmp_path
):
    big = make_artwork(make_jpeg(1600, 1000, noise=True), filename="big.jpg")
    fake_tv.slow_transfer = max(1, big.bytes // SLOW_TRANSFER)

    with celery_worker(env, concurrency=2, log_dir=tmp_path):
        placements.artwork_place(artworks=[big], tvs_wanted=[frame()])
        wait_for(lambda: fake_tv.transfers_active == 1, what="the slow transfer to begin")
        began = time.monotonic()

        [small] = services.artwork_upload_files(
            files=[SimpleUploadedFile("small.jpg", make_jpeg(320, 200))], analyze=False,
            user=None, tvs=[frame(), den])
        wait_for(lambda: placement(small, den).status == PlacementStatus.ON_TV,
                 timeout=SLOW_TRANSFER * 2, what="the small picture on the Den")

        # The Frame's slot is still in the middle of its transfer.
        assert time.monotonic() - began < SLOW_TRANSFER, \
            "the Den's picture waited for the Frame's transfer: a slot blocked on a lock"
        assert fake_tv.transfers_active == 1 and not fake_tv.photos
        assert placement(big, frame()).status == PlacementStatus.UPLOADING
        assert placement(small, frame()).status == PlacementStatus.QUEUED
        assert len(fake_den.photos) == 1

        # The lane takes the small picture once the big one is on the Frame.
        wait_for(lambda: placement(small, frame()).status == PlacementStatus.ON_TV,
                 timeout=SLOW_TRANSFER * 3, what="both pictures on the Frame")

    assert placement(big, frame()).status == PlacementStatus.ON_TV
    assert len(fake_tv.photos) == 2 and fake_tv.max_concurrent_transfers == 1
    assert fake_tv.uploads_started == 2 and fake_den.uploads_started == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_transfer_cut_by_a_killed_worker_is_finished_by_the_next_and_lands_once(
    env, den, fake_den, make_artwork, make_jpeg, tmp_path
):
    big = make_artwork(make_jpeg(1600, 1000, noise=True), filename="big.jpg")
    fake_den.slow_transfer = max(1, big.bytes // SLOW_TRANSFER)
    env = {**env, "STALL_AFTER": "2", "STALL_SWEEP_INTERVAL": "1"}
    with celery_worker(env, log_dir=tmp_path) as worker:
        placements.artwork_place(artworks=[big], tvs_wanted=[den])
        wait_for(lambda: fake_den.transfers_active == 1, what="the transfer to the Den")
        kill_worker(worker)
    assert placement(big, den).status == PlacementStatus.UPLOADING
    wait_for(lambda: fake_den.transfers_active == 0, what="the Den to drop the transfer")
    fake_den.slow_transfer = None

    with celery_worker(env, log_dir=tmp_path, beat=True):
        wait_for(lambda: placement(big, den).status == PlacementStatus.ON_TV, timeout=90,
                 what="the next worker to take the Den's lane over")

    # The kernel may deliver the dead worker's last bytes: then that copy is adopted.
    finished = placement(big, den)
    assert [finished.content_id] == list(fake_den.photos)
    assert finished.upload_attempts == 2 and fake_den.max_concurrent_transfers == 1


# -- the lane run in this process (lane.tv_lane_run), on the Den ----------------

@pytest.mark.django_db
def test_a_retry_after_giving_up_on_a_lost_confirmation_adopts_the_copy_that_landed(
    den, fake_den, make_artwork, jpeg, settings
):
    settings.TASK_MAX_RETRIES, settings.TV_UPLOAD_TIMEOUT = 0, 1
    artwork = make_artwork(jpeg)
    placements.artwork_place(artworks=[artwork], tvs_wanted=[den])
    fake_den.lose_confirmation = True
    lane.tv_lane_run(tv_id=den.pk)
    gave_up = placement(artwork, den)
    assert gave_up.status == PlacementStatus.FAILED
    assert gave_up.last_error.startswith("Gave up after 1 attempts: ")
    assert len(fake_den.photos) == 1  # it landed all the same
    fake_den.lose_confirmation = False

    placements.placements_retry(artworks=Artwork.objects.filter(pk=artwork.pk))
    lane.tv_lane_run(tv_id=den.pk)

    adopted = placement(artwork, den)
    assert adopted.status == PlacementStatus.ON_TV
    assert [adopted.content_id] == list(fake_den.photos)
    assert fake_den.uploads_started == 1


@pytest.mark.django_db
def test_a_picture_whose_file_is_gone_fails_alone_and_the_lane_goes_on(
    den, fake_den, make_artwork, make_jpeg
):
    gone = make_artwork(make_jpeg(64, 48), filename="gone.jpg")
    fine = make_artwork(make_jpeg(80, 60), filename="fine.jpg")
    placements.artwork_place(artworks=[gone, fine], tvs_wanted=[den])
    gone.image.storage.delete(gone.image.name)

    lane.tv_lane_run(tv_id=den.pk)

    failed = placement(gone, den)
    assert failed.status == PlacementStatus.FAILED
    assert failed.last_error.startswith("Could not send it to Den: ")
    assert placement(fine, den).status == PlacementStatus.ON_TV
    assert len(fake_den.photos) == 1


@pytest.mark.django_db
def test_a_picture_waiting_for_a_tv_disabled_since_needs_a_person(tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    placements.artwork_place(artworks=[artwork], tvs_wanted=[tv])
    tv.enabled = False
    tv.save()

    lane.lanes_resume()

    placement = Placement.objects.get(artwork=artwork, tv=tv)
    assert placement.status == PlacementStatus.NEEDS_ATTENTION
    assert "is disabled: enable it on the TVs page" in placement.last_error
