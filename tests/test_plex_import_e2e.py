"""Plex to the TV in a real worker: the fake Plex, the fake TV, Redis."""

import json
import threading

import pytest
from django.test import Client

from docentsite.artwork.models import Artwork
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.status.tasks import refresh as run_the_checks
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord, ImportStatus
from tests.users import signed_in
from tests.workers import celery_worker, meta_entries, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240),
              pytest.mark.slow, needs_redis]


@pytest.fixture
def env(worker_env, plex_settings, fake_plex, redis_broker):
    return {**worker_env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
            "PLEX_TIMEOUT": "2", "CELERY_BROKER_URL": redis_broker}


def curator() -> Client:
    return signed_in(*PLEX_BROWSE)


def post_import(browser, ids, **options):
    return browser.post("/api/plex/import", {"plex_metadata_ids": ids, **options},
                        content_type="application/json")


def all_ended(count: int):
    return lambda: ImportRecord.objects.filter(
        status__in=[ImportStatus.DONE, ImportStatus.FAILED]).count() == count


def test_browse_import_five_then_find_them_imported(env, fake_plex, fake_tv, settings,
                                                     tmp_path):
    browser = curator()
    run_the_checks()  # as the worker does on its timer
    assert browser.get("/api/plex/status").json()["connected"] is True
    (library,) = browser.get("/api/plex/libraries").json()
    url = f"/api/plex/libraries/{library['id']}"
    family = fake_plex.find("Family").rating_key
    mexico = fake_plex.find("Mexico").rating_key
    top = browser.get(url).json()["items"]
    family_items = browser.get(url, {"album": family}).json()["items"]
    mexico_items = browser.get(url, {"album": mexico}).json()["items"]
    picked = {i["title"]: i["plex_metadata_id"] for i in top + family_items + mexico_items
              if i["type"] == "photo" and i["title"] in
              ("Harbour at dawn", "Garden", "Broken", "Oaxaca portrait", "Cenote")}

    with celery_worker(env, log_dir=tmp_path):
        response = post_import(browser, list(picked.values()))
        assert response.status_code == 202 and len(response.json()["queued"]) == 5
        wait_for(all_ended(5), timeout=120, what="five imports to end")
        wait_for(lambda: len(meta_entries(settings)) == 4, what="four entries in the file")

    records = {r.photo.title: r for r in ImportRecord.objects.select_related("photo", "artwork")}
    broken = records.pop("Broken")
    assert broken.status == ImportStatus.FAILED
    assert broken.last_error.startswith("This file is not a picture Docent can read")
    assert all(r.status == ImportStatus.DONE and r.step == "done" for r in records.values())
    assert all(r.artwork.state == "on_tv" for r in records.values())
    on_tv = {content_id(r.artwork) for r in records.values()}
    assert set(fake_tv.photos) == on_tv and len(on_tv) == 4
    oaxaca = records["Oaxaca portrait"].artwork
    assert oaxaca.height > oaxaca.width  # EXIF orientation 6 applied
    entries = meta_entries(settings)
    for record in records.values():
        entry = entries[content_id(record.artwork)]
        assert entry["source"] == "plex"
        assert entry["plex_metadata_id"] == record.plex_metadata_id

    family_again = browser.get(url, {"album": family}).json()["items"]
    marked = {i["title"]: (i["imported"], i["import_status"]) for i in family_again}
    assert marked == {"Garden": (True, "done"), "Broken": (False, "failed")}
    hidden = browser.get(url, {"album": family, "hide_imported": "true"}).json()["items"]
    assert [i["title"] for i in hidden] == ["Broken"]

    garden = records["Garden"]
    again = post_import(browser, [garden.plex_metadata_id]).json()
    assert again["queued"] == []
    assert again["skipped"] == [{"plex_metadata_id": garden.plex_metadata_id,
                                 "reason": f"already on the TV as {content_id(garden.artwork)}"}]
    assert len(fake_tv.photos) == 4


def test_two_requests_at_once_upload_each_photo_once(env, fake_plex, fake_tv, tmp_path):
    ids = [fake_plex.find(t).rating_key for t in ("Harbour at dawn", "Garden", "Airport")]
    answers = []

    def request():
        answers.append(json.loads(post_import(curator(), ids).content))

    with celery_worker(env, concurrency=2, log_dir=tmp_path):
        threads = [threading.Thread(target=request) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_for(all_ended(3), timeout=120, what="three imports to end")

    assert sorted(sum((a["queued"] for a in answers), [])) == sorted(ids)
    assert sum(len(a["skipped"]) for a in answers) == 3
    assert len(fake_tv.photos) == 3 and fake_tv.uploads_started == 3


def test_a_photo_deleted_after_its_import_was_asked_for_fails_alone(
        env, fake_plex, fake_tv, tmp_path):
    browser = curator()
    (library,) = browser.get("/api/plex/libraries").json()
    family = fake_plex.find("Family").rating_key
    browser.get(f"/api/plex/libraries/{library['id']}", {"album": family})
    garden, harbour = fake_plex.find("Garden"), fake_plex.find("Harbour at dawn")
    # Queued while no worker runs; gone from Plex before the download.
    assert post_import(browser, [garden.rating_key, harbour.rating_key]).status_code == 202
    fake_plex.delete(garden.rating_key)

    with celery_worker(env, log_dir=tmp_path):
        wait_for(all_ended(2), timeout=120, what="both imports to end")

    gone = ImportRecord.objects.get(plex_metadata_id=garden.rating_key)
    assert gone.status == ImportStatus.FAILED and gone.step == "downloading"
    assert "Plex" in gone.last_error and garden.rating_key in gone.last_error
    done = ImportRecord.objects.get(plex_metadata_id=harbour.rating_key)
    assert done.status == ImportStatus.DONE and len(fake_tv.photos) == 1


def test_plex_down_is_retried_until_it_is_back(env, fake_plex, fake_tv, tmp_path):
    browser = curator()
    (library,) = browser.get("/api/plex/libraries").json()
    browser.get(f"/api/plex/libraries/{library['id']}")
    harbour = fake_plex.find("Harbour at dawn").rating_key
    # Asked for while Plex answers (the request describes the photo), down before
    # any worker downloads it.
    post_import_response = post_import(browser, [harbour])
    fake_plex.stop()
    run_the_checks()
    status = browser.get("/api/plex/status").json()
    assert status["connected"] is False and status["checked_at"]

    with celery_worker(env, log_dir=tmp_path):
        record = ImportRecord.objects.get(plex_metadata_id=harbour)
        wait_for(lambda: ImportRecord.objects.get(pk=record.pk).attempts >= 2, timeout=60,
                 what="retries while Plex is down")
        waiting = ImportRecord.objects.get(pk=record.pk)
        assert waiting.status == ImportStatus.RUNNING
        assert "Plex" in waiting.waiting_reason and waiting.next_attempt_at is not None
        fake_plex.start()
        wait_for(all_ended(1), timeout=90, what="the import once Plex is back")

    assert post_import_response.status_code == 202
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert (record.waiting_reason, record.next_attempt_at) == ("", None)
    assert Artwork.objects.get(pk=record.artwork_id).state == "on_tv"
    assert len(fake_tv.photos) == 1
