"""Each TV's upload lane: a worker slot never sits waiting for a lock while work waits.

One worker process with two slots. One slot holds the Frame's lane, busy on a slow
transfer; a new picture for both TVs must still be prepared and reach the Den meanwhile.
A slot that waited for the Frame's lock would hold that picture back until the slow
transfer ended, and the test would fail.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docentsite.artwork import placements, services
from docentsite.artwork.models import Placement, PlacementStatus
from tests.two_tvs import frame
from tests.workers import celery_worker, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240),
              pytest.mark.slow, needs_redis]

#: Seconds the slow transfer to the Frame takes: far longer than a prepare and an upload.
SLOW_TRANSFER = 20


@pytest.fixture
def env(worker_env, redis_broker, den):
    return {**worker_env, "CELERY_BROKER_URL": redis_broker, "TV_UPLOAD_TIMEOUT": "90"}


def placement(artwork, tv) -> Placement:
    return Placement.objects.get(artwork=artwork, tv=tv)


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
