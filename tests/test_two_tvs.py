"""Two fake Frames, one Docent: Plex photos imported once and placed on each, by a real
worker on the embedded queue and on Redis. "Frame" is the .env TV (conftest's
fake_tv), "Den" the one beside it (tests.two_tvs)."""

import json

import pytest
from django.test import Client

from docentsite.artwork import tvs
from docentsite.artwork.models import Placement, PlacementStatus
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord, ImportStatus
from tests.two_tvs import frame, meta_ids
from tests.users import staff_with
from tests.workers import celery_worker, empty_embedded_queue, needs_redis, wait_for

pytestmark = pytest.mark.timeout(240)


def with_worker(test):
    """A test with a real worker: its own processes see what this one commits."""
    return pytest.mark.django_db(transaction=True)(pytest.mark.slow(test))


TITLES = ("Harbour at dawn", "Garden", "Airport")
SEEDED = 3


@pytest.fixture(params=["embedded", pytest.param("redis", marks=needs_redis)])
def env(request, worker_env, plex_settings, fake_plex, den, fake_den, jpeg):
    """The worker's settings, with the embedded queue (the default) or Redis."""
    # Pictures of its own on the Den, so its content ids are not the Frame's.
    for _ in range(SEEDED):
        fake_den.add_photo(jpeg)
    env = {**worker_env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "PLEX_TIMEOUT": "2"}
    if request.param == "redis":
        return {**env, "CELERY_BROKER_URL": request.getfixturevalue("redis_broker")}
    empty_embedded_queue()
    return env


def import_to_both(fake_plex) -> list[str]:
    browser = Client()
    browser.force_login(staff_with(*PLEX_BROWSE))
    picked = [fake_plex.find(title).rating_key for title in TITLES]
    response = browser.post("/api/plex/import",
                            {"plex_metadata_ids": picked, "tvs": ["Frame", "Den"]},
                            content_type="application/json")
    assert response.status_code == 202, response.content
    assert sorted(response.json()["queued"]) == sorted(picked)
    return picked


def all_done(count: int):
    return lambda: ImportRecord.objects.filter(status=ImportStatus.DONE).count() == count


def on_tv(tv) -> dict[int, str]:
    """artwork id -> content id of every picture on this TV."""
    return dict(Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV).values_list(
        "artwork_id", "content_id"))


@with_worker
def test_three_photos_imported_to_both_tvs_are_on_each_once(
    env, den, fake_plex, fake_tv, fake_den, tmp_path
):
    with celery_worker(env, concurrency=2, log_dir=tmp_path):
        picked = import_to_both(fake_plex)
        wait_for(all_done(3), timeout=120, what="three imports to end")
        wait_for(lambda: len(meta_ids(den)) == 3 and len(meta_ids(frame())) == 3,
                 what="both TVs' artwork_meta.json")

    assert len(fake_plex.downloads) == 3  # imported once, placed twice
    on_frame, on_den = on_tv(frame()), on_tv(den)
    artworks = set(ImportRecord.objects.values_list("artwork_id", flat=True))
    assert set(on_frame) == set(on_den) == artworks
    assert fake_tv.uploads_started == 3 and set(fake_tv.photos) == set(on_frame.values())
    assert fake_den.uploads_started == 3 and len(fake_den.photos) == SEEDED + 3
    assert set(on_den.values()) < set(fake_den.photos)
    assert set(on_den.values()).isdisjoint(on_frame.values())
    # Each file in the original's shape, with that TV's own content ids.
    assert meta_ids(frame()) == set(on_frame.values())
    assert meta_ids(den) == set(on_den.values())
    entries = json.loads(tvs.meta_path(den).read_text())["artwork"]
    by_artwork = {r.artwork_id: r.plex_metadata_id for r in ImportRecord.objects.all()}
    assert {entries[cid]["plex_metadata_id"] for cid in on_den.values()} == set(picked)
    for artwork_id, content_id in on_den.items():
        assert entries[content_id]["source"] == "plex"
        assert entries[content_id]["plex_metadata_id"] == by_artwork[artwork_id]
    assert fake_tv.max_concurrent_transfers == 1 and fake_den.max_concurrent_transfers == 1


@with_worker
def test_a_tv_that_is_off_catches_up_when_back_while_the_other_finishes(
    env, den, fake_plex, fake_tv, fake_den, tmp_path
):
    fake_den.stop()
    with celery_worker(env, concurrency=2, log_dir=tmp_path):
        import_to_both(fake_plex)
        wait_for(lambda: len(on_tv(frame())) == 3, timeout=120, what="the Frame to finish")
        wait_for(lambda: Placement.objects.filter(tv=den).exclude(waiting_reason="").count()
                 == 3, what="the Den's placements to wait for it")
        waiting = Placement.objects.filter(tv=den)
        # Still to go: the lane tries the Den again now and then (uploading for a moment).
        assert {p.status for p in waiting} <= {PlacementStatus.QUEUED, PlacementStatus.UPLOADING}
        assert len(fake_den.photos) == SEEDED
        records = ImportRecord.objects.all()
        # Not "done" while one of the TVs asked for still waits.
        assert {r.status for r in records} <= {ImportStatus.QUEUED, ImportStatus.RUNNING}
        assert any("Den" in r.waiting_reason for r in records)

        fake_den.start()
        wait_for(all_done(3), timeout=120, what="the Den to catch up")
        wait_for(lambda: len(meta_ids(den)) == 3, what="the Den's artwork_meta.json")

    on_den = on_tv(den)
    assert len(on_den) == 3 and set(on_den.values()) < set(fake_den.photos)
    assert len(fake_den.photos) == SEEDED + 3 and len(fake_tv.photos) == 3
    assert meta_ids(den) == set(on_den.values())
    assert all(p.waiting_reason == "" and p.next_attempt_at is None
               for p in Placement.objects.all())


@with_worker
def test_a_lost_confirmation_is_reconciled_on_that_tv_only(
    env, den, fake_plex, fake_tv, fake_den, tmp_path
):
    fake_den.lose_confirmation = True  # the picture lands, image_added never comes
    with celery_worker(env, concurrency=2, log_dir=tmp_path):
        import_to_both(fake_plex)
        wait_for(all_done(3), timeout=150, what="three imports to end")

    # Each transfer to the Den happened once; the retry adopted what had landed.
    assert fake_den.uploads_started == 3 and len(fake_den.photos) == SEEDED + 3
    on_frame, on_den = on_tv(frame()), on_tv(den)
    assert len(on_den) == 3 and set(on_den.values()) < set(fake_den.photos)
    den_placements = Placement.objects.filter(tv=den)
    assert all(p.upload_attempts == 2 and p.tv_ids_before is None for p in den_placements)
    # The Frame confirmed every picture: nothing there was reconciled or sent twice.
    assert fake_tv.uploads_started == 3 and set(fake_tv.photos) == set(on_frame.values())
    assert all(p.upload_attempts == 1 for p in Placement.objects.filter(tv=frame()))
    assert meta_ids(den) == set(on_den.values())
    assert meta_ids(frame()) == set(on_frame.values())


@pytest.mark.django_db
def test_tvs_whose_names_make_the_same_folder_keep_files_of_their_own(den):
    twins = [tvs.tv_create(name=name, host=f"10.0.0.{n}")
             for n, name in enumerate(("Den!", "den_", "!!!"), start=10)]

    paths = [tvs.meta_path(tv) for tv in (frame(), den, *twins)]

    assert len(set(paths)) == len(paths)
    assert paths[1].parent.name == "den"  # the older TV keeps its name's folder
    assert all(path.parent.parent.name == "tvs" for path in paths[1:])
