"""Google Drive to the TV in a real worker: the fake Drive, the fake TV, Redis."""

import time

import pytest
from django.test import Client
from django.utils import timezone

from docentsite.artwork.models import Artwork
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.sources.models import ImportStatus, SourceImport
from docentsite.status.tasks import refresh as run_the_checks
from drivesource.admin_urls import DRIVE_BROWSE
from drivesource.models import DriveSync
from tests.users import signed_in
from tests.workers import celery_worker, meta_entries, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240),
              pytest.mark.slow, needs_redis]


@pytest.fixture
def env(worker_env, drive_settings, fake_drive, redis_broker):
    return {**worker_env, "DRIVE_API_KEY": fake_drive.api_key,
            "DRIVE_API_URL": fake_drive.url, "DRIVE_FOLDER_URL": drive_settings.DRIVE_FOLDER_URL,
            "DRIVE_TIMEOUT": "2", "CELERY_BROKER_URL": redis_broker}


def curator() -> Client:
    return signed_in(*DRIVE_BROWSE)


def post_import(browser, ids=(), **options):
    body = {"drive_file_ids": list(ids), **options}
    return browser.post("/api/drive/import", body, content_type="application/json")


def records():
    return SourceImport.objects.filter(source="google_drive")


def all_ended(count: int):
    return lambda: records().filter(
        status__in=[ImportStatus.DONE, ImportStatus.FAILED]).count() == count


def between_tries(pk: int, *, tries: int):
    """The record once it has failed `tries` times and waits for its next try (None
    before, and while a try runs)."""
    row = records().get(pk=pk)
    waits = row.next_attempt_at is not None and row.heartbeat_at is None
    return row if row.attempts >= tries and waits else None


def ended_after_its_retry(pk: int, *, what: str, margin: float = 60):
    """Wait until the import has ended: by `margin` seconds after the time of the try
    it waits for. A worker's countdown doubles with every try made while Drive was
    down (however long this test was kept from running), so a deadline counted from
    now alone may come before the try that succeeds."""
    deadline = time.monotonic() + margin
    while (row := records().get(pk=pk)).status not in (ImportStatus.DONE, ImportStatus.FAILED):
        if row.next_attempt_at is not None:
            due_in = (row.next_attempt_at - timezone.now()).total_seconds()
            deadline = max(deadline, time.monotonic() + due_in + margin)
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)
    return row


def test_browse_import_five_then_find_them_imported(env, fake_drive, fake_tv, settings,
                                                     tmp_path):
    browser = curator()
    run_the_checks()  # as the worker does on its timer
    status = browser.get("/api/drive/status").json()
    assert status["connected"] is True and status["folder"]["name"] == "Frame art"
    (shared,) = browser.get("/api/drive/folders").json()
    url = f"/api/drive/folders/{shared['id']}"
    top = browser.get(url).json()
    travel = next(i for i in top["items"] if i["title"] == "Travel")
    travel_items = browser.get(url, {"album": travel["drive_file_id"]}).json()["items"]
    mexico = next(i for i in travel_items if i["title"] == "Mexico")
    mexico_page = browser.get(url, {"album": mexico["drive_file_id"]}).json()
    assert [c["title"] for c in mexico_page["album"]["path"]] == [
        "Frame art", "Travel", "Mexico"]
    picked = {i["title"]: i["drive_file_id"] for i in top["items"] + travel_items
              + mexico_page["items"] if i["type"] == "photo" and i["title"] in
              ("harbour.jpg", "IMG_0042.JPG", "IMG_0077.HEIC", "airport.jpg", "broken.jpg")}
    assert len(picked) == 5

    with celery_worker(env, log_dir=tmp_path):
        response = post_import(browser, picked.values())
        assert response.status_code == 202 and len(response.json()["queued"]) == 5
        wait_for(all_ended(5), timeout=120, what="five imports to end")
        wait_for(lambda: len(meta_entries(settings)) == 4, what="four entries in the file")

    done = {r.title: r for r in records().select_related("artwork")}
    broken = done.pop("broken")
    assert broken.status == ImportStatus.FAILED
    assert broken.last_error.startswith("This file is not a picture Docent can read")
    assert all(r.status == ImportStatus.DONE and r.step == "done" for r in done.values())
    on_tv = {content_id(r.artwork) for r in done.values()}
    assert set(fake_tv.photos) == on_tv and len(on_tv) == 4
    portrait = done["IMG_0042"].artwork
    assert portrait.height > portrait.width  # EXIF orientation 6 applied
    sync_id = DriveSync.objects.get(folder_id=shared["id"]).sync_id
    entries = meta_entries(settings)
    for record in done.values():
        entry = entries[content_id(record.artwork)]
        assert entry["source"] == "google_drive"
        assert entry["drive_file_id"] == record.ref
        assert entry["drive_sync_id"] == sync_id
        assert entry["original_filename"] == record.artwork.original_filename
    # Nothing the worker or this process logged carries the key.
    assert all(fake_drive.api_key not in log.read_text(errors="replace")
               for log in tmp_path.glob("*.log"))

    again = browser.get(url, {"album": mexico["drive_file_id"]}).json()["items"]
    marked = {i["title"]: (i["imported"], i["import_status"]) for i in again}
    assert marked == {"airport.jpg": (True, "done"), "broken.jpg": (False, "failed")}
    hidden = browser.get(url, {"album": mexico["drive_file_id"],
                               "hide_imported": "true"}).json()["items"]
    assert [i["title"] for i in hidden] == ["broken.jpg"]

    airport = done["airport"]
    answer = post_import(browser, [airport.ref]).json()
    assert answer["queued"] == []
    assert answer["skipped"] == [{"drive_file_id": airport.ref,
                                  "reason": f"already on the TV as {content_id(airport.artwork)}"}]
    assert len(fake_tv.photos) == 4
    api = fake_drive.requests_to("/drive/v3/")
    assert api and {request.key_in for request in api} == {"header"}


def test_drive_down_is_retried_until_it_is_back(env, fake_drive, fake_tv, tmp_path):
    browser = curator()
    browser.get("/api/drive/folders/root")
    harbour = fake_drive.find("harbour.jpg").id
    # Asked for while Drive answers (the request describes the picture), down before
    # any worker downloads it.
    response = post_import(browser, [harbour])
    fake_drive.stop()
    run_the_checks()
    status = browser.get("/api/drive/status").json()
    assert status["connected"] is False and "cannot be reached" in status["error"]

    with celery_worker(env, log_dir=tmp_path):
        record = records().get(ref=harbour)
        # Waiting after its second try: read between tries, never during one (a try
        # counts itself when it starts and says when the next is only when it fails).
        waiting = wait_for(lambda: between_tries(record.pk, tries=2), timeout=60,
                           what="retries while Drive is down")
        assert waiting.status == ImportStatus.RUNNING
        assert "Google Drive" in waiting.waiting_reason and waiting.next_attempt_at is not None
        fake_drive.start()
        ended_after_its_retry(record.pk, what="the import once Drive is back")

    assert response.status_code == 202
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert (record.waiting_reason, record.next_attempt_at) == ("", None)
    assert Artwork.objects.get(pk=record.artwork_id).state == "on_tv"
    assert len(fake_tv.photos) == 1
