"""Immich to the TV in a real worker: the fake Immich, the fake TV, Redis."""

import pytest
from django.test import Client

from docentsite.artwork.models import Artwork
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.sources.models import ImportStatus, SourceImport
from docentsite.status.tasks import refresh as run_the_checks
from immichsource.apps import IMMICH_BROWSE
from tests.users import signed_in
from tests.workers import celery_worker, meta_entries, needs_redis, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240),
              pytest.mark.slow, needs_redis]


@pytest.fixture
def env(worker_env, immich_settings, fake_immich, redis_broker):
    return {**worker_env, "IMMICH_URL": fake_immich.url, "IMMICH_API_KEY": fake_immich.key,
            "IMMICH_TIMEOUT": "2", "CELERY_BROKER_URL": redis_broker}


def curator() -> Client:
    return signed_in(*IMMICH_BROWSE)


def post_import(browser, **payload):
    return browser.post("/api/immich/import", payload, content_type="application/json")


def all_ended(count: int):
    return lambda: SourceImport.objects.filter(
        source="immich", status__in=[ImportStatus.DONE, ImportStatus.FAILED]).count() == count


def test_browse_import_five_then_find_them_imported(env, fake_immich, fake_tv, settings,
                                                     tmp_path):
    summer = next(a for a in fake_immich.albums.values() if a.name == "Summer")
    fake_immich.add_image("broken.jpg", b"\xff\xd8\xff\xe0 not really a JPEG", album=summer)
    browser = curator()
    run_the_checks()
    assert browser.get("/api/immich/status").json()["connected"] is True
    albums = {a["title"]: a for a in browser.get("/api/immich/albums").json()}
    url = f"/api/immich/albums/{albums['Summer']['id']}"
    items = browser.get(url).json()["items"]
    assert "clip.mp4" not in [i["file_name"] for i in items]
    picked = {i["file_name"]: i["asset_id"] for i in items if i["file_name"] in
              ("IMG_0000.jpg", "IMG_0001.jpg", "live.heic", "still.heic", "broken.jpg")}
    assert len(picked) == 5

    with celery_worker(env, log_dir=tmp_path):
        response = post_import(browser, asset_ids=list(picked.values()), analyze=False)
        assert response.status_code == 202 and len(response.json()["queued"]) == 5
        wait_for(all_ended(5), timeout=120, what="five imports to end")
        wait_for(lambda: len(meta_entries(settings)) == 4, what="four entries in the file")

    records = {r.title: r for r in SourceImport.objects.filter(source="immich")
               .select_related("artwork")}
    broken = records.pop("broken")
    assert broken.status == ImportStatus.FAILED
    assert broken.last_error.startswith("This file is not a picture Docent can read")
    assert all(r.status == ImportStatus.DONE and r.step == "done" for r in records.values())
    on_tv = {content_id(r.artwork) for r in records.values()}
    assert set(fake_tv.photos) == on_tv and len(on_tv) == 4
    assert records["still"].artwork.original_filename == "still.heic"
    entries = meta_entries(settings)
    for record in records.values():
        entry = entries[content_id(record.artwork)]
        assert entry["source"] == "immich" and entry["immich_asset_id"] == record.ref
    # The key went to Immich in its header, every time, and nowhere else.
    assert {r.key_in for r in fake_immich.requests if r.path != "/api/server/version"} == {
        "header"}
    assert all(fake_immich.key not in str(entry) for entry in entries.values())
    logs = "".join(log.read_text() for log in tmp_path.glob("worker-*.log"))
    assert "immich" in logs.lower() and fake_immich.key not in logs

    again = browser.get(url).json()["items"]
    marked = {i["file_name"]: (i["imported"], i["import_status"]) for i in again}
    assert marked["still.heic"] == (True, "done") and marked["broken.jpg"] == (False, "failed")
    assert marked["IMG_0002.jpg"] == (False, None)
    hidden = browser.get(url, {"hide_imported": "true"}).json()["items"]
    assert sorted(i["file_name"] for i in hidden) == ["IMG_0002.jpg", "broken.jpg"]

    still = records["still"]
    answer = post_import(browser, asset_ids=[still.ref]).json()
    assert answer["queued"] == []
    assert answer["skipped"] == [{"asset_id": still.ref,
                                  "reason": f"already on the TV as {content_id(still.artwork)}"}]
    assert len(fake_tv.photos) == 4


def test_immich_down_is_retried_until_it_is_back(env, fake_immich, fake_tv, tmp_path):
    browser = curator()
    photo = next(a for a in fake_immich.assets.values() if a.file_name == "IMG_0000.jpg")
    # Asked for while Immich answers, down before any worker downloads it.
    assert post_import(browser, asset_ids=[photo.id], analyze=False).status_code == 202
    fake_immich.stop()
    run_the_checks()
    status = browser.get("/api/immich/status").json()
    assert status["connected"] is False and "cannot be reached" in status["error"]

    with celery_worker(env, log_dir=tmp_path):
        record = SourceImport.objects.get(source="immich", ref=photo.id)
        wait_for(lambda: SourceImport.objects.get(pk=record.pk).attempts >= 2, timeout=60,
                 what="retries while Immich is down")
        waiting = SourceImport.objects.get(pk=record.pk)
        assert waiting.status == ImportStatus.RUNNING
        assert "Immich" in waiting.waiting_reason and waiting.next_attempt_at is not None
        fake_immich.start()
        wait_for(all_ended(1), timeout=90, what="the import once Immich is back")

    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert (record.waiting_reason, record.next_attempt_at) == ("", None)
    assert Artwork.objects.get(pk=record.artwork_id).state == "on_tv"
    assert len(fake_tv.photos) == 1


def test_an_asset_trashed_after_its_import_was_asked_for_fails_alone(
        env, fake_immich, fake_tv, tmp_path):
    browser = curator()
    gone, kept = (next(a for a in fake_immich.assets.values() if a.file_name == name)
                  for name in ("IMG_0001.jpg", "IMG_0002.jpg"))
    assert post_import(browser, asset_ids=[gone.id, kept.id], analyze=False).status_code == 202
    fake_immich.trash(gone.id)

    with celery_worker(env, log_dir=tmp_path):
        wait_for(all_ended(2), timeout=120, what="both imports to end")

    failed = SourceImport.objects.get(source="immich", ref=gone.id)
    assert failed.status == ImportStatus.FAILED and "trash" in failed.last_error
    assert SourceImport.objects.get(source="immich", ref=kept.id).status == ImportStatus.DONE
    assert len(fake_tv.photos) == 1
