"""A batch shares its artwork_meta.json rewrites: 200 pictures through a real worker."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from docentsite.artwork import lane, metafile, services, tasks
from docentsite.artwork.models import AnalysisStatus, Artwork, Placement, PlacementStatus
from docentsite.artwork.signals import artwork_progress
from tests.workers import celery_worker, described_in_file, meta_entries, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300),
              pytest.mark.slow, needs_redis]

PICTURES = 200


def test_two_hundred_pictures_are_all_in_the_file_written_far_fewer_times(
    worker_env, redis_broker, fake_tv, fake_anthropic, tv, make_jpeg, settings, tmp_path,
):
    env = {**worker_env, "AI_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "test-key",
           "ANTHROPIC_BASE_URL": fake_anthropic.url, "CELERY_BROKER_URL": redis_broker,
           "LOG_LEVEL": "debug"}
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"
    files = [_named(make_jpeg(64 + n % 7, 48), f"p{n:03}.jpg") for n in range(PICTURES)]

    with celery_worker(env, log_dir=tmp_path, concurrency=4) as worker:
        services.artwork_upload_files(files=files, analyze=True, user=None)
        wait_for(lambda: Artwork.objects.filter(
            analysis_status=AnalysisStatus.DONE).count() == PICTURES,
            timeout=240, what="every picture described")
        wait_for(lambda: described_in_file(settings) == PICTURES, timeout=30,
                 what="every description in artwork_meta.json")

    entries = meta_entries(settings)
    on_tv = Placement.objects.filter(status=PlacementStatus.ON_TV).select_related("artwork")
    assert {p.content_id for p in on_tv} == set(entries) == set(fake_tv.photos)
    for placement in on_tv:
        entry = entries[placement.content_id]
        assert entry["original_filename"] == placement.artwork.original_filename
        assert entry["ai_meta"]["description"] == placement.artwork.ai_description != ""
    writes = worker.log.read_text().count(f"Rewrote {settings.ARTWORK_META_PATH}:")
    assert 0 < writes <= PICTURES // 4, f"artwork_meta.json written {writes} times"


def test_a_rewrite_lost_with_its_worker_is_made_by_the_sweep(tv, upload_now, make_artwork,
                                                             make_jpeg, settings):
    placement = upload_now(make_artwork(make_jpeg(64, 48)))
    metafile.sync_soon(tv=tv)  # scheduled; its worker dies before it runs
    assert metafile.stale_tvs() == [tv]
    tasks.resume_stalled()
    assert list(meta_entries(settings)) == [placement.content_id]
    assert metafile.stale_tvs() == []

    Artwork.objects.filter(pk=placement.artwork_id).update(
        ai_description="A harbour at dawn", analysis_status=AnalysisStatus.DONE,
        updated_at=timezone.now())
    assert metafile.stale_tvs() == [tv]
    tasks.resume_stalled()
    assert meta_entries(settings)[placement.content_id]["ai_meta"]["description"] == (
        "A harbour at dawn")


def test_a_picture_is_done_whichever_rewrite_lists_it_first(tv, make_artwork, jpeg, settings):
    steps = []

    def follow(sender, artwork, step, **kwargs):
        steps.append((artwork.pk, step))

    artwork_progress.connect(follow)
    try:
        artwork = make_artwork(jpeg)
        Placement.objects.create(artwork=artwork, tv=tv)
        lane.tv_lane_run(tv_id=tv.pk, meta_later=True)  # the batch's rewrite waits
        content_id = Placement.objects.get(artwork=artwork).content_id
        # An original Docent's entry under the id the TV gave out again.
        settings.ARTWORK_META_PATH.write_text(json.dumps(
            {"artwork": {content_id: {"title": "an older picture"}}}))
        assert Placement.objects.get(artwork=artwork).status == PlacementStatus.ON_TV
        assert (artwork.pk, "done") not in steps

        metafile.sync(tv=tv)  # another change's rewrite (a removal, say) lists it first
        assert (artwork.pk, "done") in steps
        assert meta_entries(settings)[content_id]["original_filename"] == "picture.jpg"
    finally:
        artwork_progress.disconnect(follow)


def _named(data: bytes, name: str):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")
