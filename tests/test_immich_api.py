"""/api/immich/* against the fake Immich, as a logged-in curator."""

import logging

import pytest

from docentsite.sources.models import ImportStatus, SourceImport
from docentsite.status.tasks import refresh as run_the_checks
from immichsource.apps import IMMICH_BROWSE
from tests.users import recording, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, immich_settings):
    """GET/POST as staff; every response body is kept for the key check."""
    return recording(client, *IMMICH_BROWSE)


def named(fake, name):
    return next(a for a in fake.assets.values() if a.file_name == name)


def summer(fake):
    return next(a for a in fake.albums.values() if a.name == "Summer")


def test_status_says_connected_with_the_version_and_albums(api, fake_immich):
    run_the_checks()
    body = api.call("get", "/api/immich/status").json()
    assert body["configured"] is True and body["connected"] is True
    assert (body["version"], body["album_count"], body["error"]) == ("1.134.0", 2, None)
    assert body["checked_at"]


def test_status_without_settings_says_what_to_set(api, settings):
    settings.IMMICH_URL = settings.IMMICH_API_KEY = ""
    body = api.call("get", "/api/immich/status").json()
    assert body["configured"] is False and "IMMICH_URL" in body["error"]


def test_status_with_a_wrong_key_says_so(api, settings):
    settings.IMMICH_API_KEY = "not-the-key"
    body = api.call("get", "/api/immich/status").json()
    assert body["connected"] is False and "IMMICH_API_KEY" in body["error"]


def test_all_photos_then_the_albums_with_thumbnails_through_docent(api, fake_immich):
    albums = api.call("get", "/api/immich/albums").json()
    assert [(a["id"], a["title"], a["photo_count"]) for a in albums] == [
        ("all", "All photos", None), (albums[1]["id"], "Empty", 0),
        (summer(fake_immich).id, "Summer", 6)]
    album = summer(fake_immich)
    page = api.call("get", f"/api/immich/albums/{album.id}", data={"page_size": 2}).json()
    assert page["library"]["title"] == "Summer" and page["album"] is None
    assert page["total"] == 5 and page["has_next"]
    assert [i["file_name"] for i in page["items"]] == ["IMG_0000.jpg", "IMG_0001.jpg"]
    first = page["items"][0]
    assert first["type"] == "photo" and first["title"] == "IMG_0000"
    assert first["thumbnail_url"] == f"/api/immich/thumbnails/{first['asset_id']}?size=thumbnail"
    assert first["imported"] is False and first["import_status"] is None
    thumb = api.call("get", first["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    assert api.bodies[-1][:4] == b"RIFF"
    again = api.call("get", first["thumbnail_url"])
    assert again.status_code == 200 and api.bodies[-1] == api.bodies[-2]
    assert len(fake_immich.requests_to(f"/api/assets/{first['asset_id']}/thumbnail")) == 1


def test_all_photos_page_by_date_without_a_total(api, fake_immich):
    first = api.call("get", "/api/immich/albums/all", data={"page_size": 4}).json()
    assert first["library"]["title"] == "All photos"
    assert first["total"] is None and first["has_next"] is True and len(first["items"]) == 4
    second = api.call("get", "/api/immich/albums/all", data={"page": 2, "page_size": 4}).json()
    assert second["has_next"] is False
    assert [i["file_name"] for i in second["items"]] == ["still.heic", "screenshot.png"]


def test_a_bad_id_or_size_is_refused_before_immich_is_asked(api, fake_immich):
    assert api.call("get", "/api/immich/albums/not-a-uuid").status_code == 422
    assert api.call("get", "/api/immich/thumbnails/nope").status_code == 404
    photo = named(fake_immich, "IMG_0000.jpg")
    assert api.call("get", f"/api/immich/thumbnails/{photo.id}?size=huge").status_code == 422
    assert api.call("post", "/api/immich/import", data={"asset_ids": ["x"]}).status_code == 422
    assert fake_immich.requests == []


def test_import_queues_pictures_and_refuses_videos(api, fake_immich):
    photo, video = named(fake_immich, "IMG_0000.jpg"), named(fake_immich, "clip.mp4")
    answer = api.call("post", "/api/immich/import",
                      data={"asset_ids": [photo.id, video.id], "analyze": False})
    assert answer.status_code == 202
    body = answer.json()
    assert body["queued"] == [photo.id]
    assert body["errors"] == [{"asset_id": video.id, "error": body["errors"][0]["error"]}]
    assert "is a video" in body["errors"][0]["error"]
    record = SourceImport.objects.get(source="immich")
    assert (record.ref, record.title, record.status) == (photo.id, "IMG_0000", "queued")
    assert record.artwork.source == "immich" and record.artwork.source_ref == photo.id
    listed = api.call("get", "/api/immich/imports", data={"asset_id": photo.id}).json()
    assert [r["asset_id"] for r in listed["items"]] == [photo.id]
    again = api.call("post", "/api/immich/import", data={"asset_ids": [photo.id]}).json()
    assert again["queued"] == [] and again["skipped"] == [
        {"asset_id": photo.id, "reason": "import in progress"}]


def test_a_whole_album_is_imported_without_its_video(api, fake_immich):
    album = summer(fake_immich)
    body = api.call("post", "/api/immich/import",
                    data={"album_id": album.id, "analyze": False}).json()
    assert len(body["queued"]) == 5
    names = set(SourceImport.objects.filter(source="immich").values_list("title", flat=True))
    assert names == {"IMG_0000", "IMG_0001", "IMG_0002", "live", "still"}
    # Listed with the album: no asset was asked of Immich one by one.
    assert not [r for r in fake_immich.requests if r.path.startswith("/api/assets/")]


def test_imported_pictures_are_marked_and_can_be_hidden(api, fake_immich):
    photo = named(fake_immich, "IMG_0001.jpg")
    api.call("post", "/api/immich/import", data={"asset_ids": [photo.id]})
    record = SourceImport.objects.get(source="immich", ref=photo.id)
    SourceImport.objects.filter(pk=record.pk).update(status=ImportStatus.FAILED,
                                                     finished_at=record.requested_at)
    page = api.call("get", f"/api/immich/albums/{summer(fake_immich).id}").json()
    marked = {i["file_name"]: i["import_status"] for i in page["items"]}
    assert marked["IMG_0001.jpg"] == "failed" and marked["IMG_0000.jpg"] is None


def test_the_key_never_reaches_an_answer_or_a_log(api, fake_immich, caplog, settings):
    with caplog.at_level(logging.DEBUG):
        run_the_checks()
        api.call("get", "/api/immich/status")
        api.call("get", "/api/immich/albums")
        api.call("get", "/api/immich/photos")
        photo = named(fake_immich, "IMG_0002.jpg")
        api.call("get", f"/api/immich/thumbnails/{photo.id}")
        api.call("post", "/api/immich/import", data={"asset_ids": [photo.id]})
        settings.IMMICH_API_KEY = "wrong-" + fake_immich.key
        api.call("get", "/api/immich/albums")
    assert all(fake_immich.key.encode() not in body for body in api.bodies)
    assert fake_immich.key not in caplog.text


def test_the_browse_page_needs_the_import_permissions(client, immich_settings):
    client.force_login(staff_with("sources.view_sourceimport"))
    assert client.get("/admin/immich/browse/").status_code == 403
    client.force_login(staff_with(*IMMICH_BROWSE, username="importer"))
    page = client.get("/admin/immich/browse/")
    assert page.status_code == 200 and b'data-api="/api/immich/"' in page.content


def test_a_refused_key_fails_the_whole_request_with_one_question(api, fake_immich, settings):
    settings.IMMICH_API_KEY = "not-the-key"
    ids = [a.id for a in fake_immich.assets.values() if a.type == "IMAGE"][:3]
    body = api.call("post", "/api/immich/import", data={"asset_ids": ids}).json()
    assert body["queued"] == [] and [e["asset_id"] for e in body["errors"]] == ids
    assert all("IMMICH_API_KEY" in e["error"] for e in body["errors"])
    assert len(fake_immich.requests_to("/api/assets/")) == 1
    assert not SourceImport.objects.exists()


def test_an_album_import_can_ask_for_a_matte_the_tv_offers(api, fake_immich, tv):
    from docentsite.artwork import tvs

    tvs.tv_refresh(tv=tv)  # its check: Docent learns the mattes it offers
    album = summer(fake_immich)

    refused = api.call("post", "/api/immich/import",
                       data={"album_id": album.id, "matte": "modern_apricot"})
    assert refused.status_code == 422 and "fail to show" in refused.json()["detail"]
    assert not SourceImport.objects.exists()
    answer = api.call("post", "/api/immich/import",
                      data={"album_id": album.id, "analyze": False, "matte": "none"})

    assert answer.status_code == 202 and len(answer.json()["queued"]) == 5
    assert {r.artwork.matte for r in SourceImport.objects.filter(source="immich")} == {"none"}
