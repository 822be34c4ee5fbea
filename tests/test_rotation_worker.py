"""The issue's rotation end to end: a real worker runs Celery beat, whose timer runs
the rotations that are due, against the fake TV."""

import pytest
from django.utils import timezone

from docentsite.artwork import collections, rotation
from docentsite.artwork.models import Placement, PlacementStatus, Rotation, RotationRun
from tests.workers import celery_worker, empty_embedded_queue, meta_entries, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300),
              pytest.mark.slow]


def test_twelve_in_the_pool_keep_five_change_two_three_runs_on_beats_timer(
    tv, fake_tv, worker_env, make_artwork, make_jpeg, upload_now, tmp_path, settings
):
    summer = collections.collection_create(name="Summer")
    pictures = [make_artwork(make_jpeg(200 + n, 120), title=f"Summer {n}") for n in range(12)]
    collections.collection_add(collection=summer, artworks=pictures)
    kept = pictures[0]
    collections.artwork_keep(artworks=[kept], keep=True)
    upload_now(kept)
    theirs = {fake_tv.add_photo(f"the owner's {n}".encode()) for n in range(2)}
    rotation.rotation_set(tv=tv, pool="collection", collection=summer, keep=5, change=2,
                          every="hours", hours=24, no_repeat_days=30, show_new=True)
    empty_embedded_queue()

    with celery_worker({**worker_env, "ROTATION_TICK": "1"}, log_dir=tmp_path, beat=True):
        for n in range(3):
            if n == 2:
                fake_tv.art_mode = False  # someone watches TV during the third run
                selected = fake_tv.requests.count("select_image")
            Rotation.objects.filter(tv=tv).update(next_run_at=timezone.now())
            wait_for(lambda n=n: RotationRun.objects.filter(tv=tv, outcome="done").count()
                     == n + 1, timeout=120, what=f"run {n + 1} on beat's timer")
            assert Rotation.objects.get(tv=tv).next_run_at > timezone.now()

    runs = list(RotationRun.objects.filter(tv=tv).order_by("started_at"))
    assert [(r.outcome, r.trigger) for r in runs] == [("done", "timer")] * 3, [
        r.why for r in runs]
    added = [[item["artwork_id"] for item in r.added] for r in runs]
    removed = [[item["artwork_id"] for item in r.removed] for r in runs]
    assert [len(a) for a in added] == [4, 2, 2]  # the kept favourite counts among the 5
    assert [len(r) for r in removed] == [0, 2, 2]
    everything_added = [pk for run in added for pk in run]
    assert len(set(everything_added)) == len(everything_added) == 8  # no repeats
    assert kept.pk not in everything_added and kept.pk not in sum(removed, [])

    docent = Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV)
    assert docent.count() == 5 and kept.pk in {p.artwork_id for p in docent}
    assert set(fake_tv.photos) == theirs | {p.content_id for p in docent}
    assert set(added[2]) <= {p.artwork_id for p in docent}
    assert set(meta_entries(settings)) == {p.content_id for p in docent}

    assert runs[0].shown_id in added[0]  # Art Mode: one of the new ones shown
    assert runs[2].shown_id is None and "being watched" in runs[2].why
    assert fake_tv.requests.count("select_image") == selected
