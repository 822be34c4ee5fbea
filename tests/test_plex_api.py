"""/api/plex/* against the fake Plex, as a logged-in curator."""

import logging
from urllib.parse import quote

import pytest
from django.utils.dateparse import parse_datetime

from docentsite.status.models import CheckResult
from docentsite.status.tasks import refresh as run_the_checks
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary
from tests.users import recording

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, plex_settings):
    """GET/POST as staff; every response body is kept for the token check."""
    return recording(client, *PLEX_BROWSE)


def library_id(api) -> int:
    (library,) = api.call("get", "/api/plex/libraries").json()
    return library["id"]


def test_status_says_connected_with_the_library_count(api, fake_plex):
    run_the_checks()  # as a worker does, on its timer

    body = api.call("get", "/api/plex/status").json()

    checked_at = body.pop("checked_at")
    assert body == {
        "configured": True, "connected": True, "library_count": 1, "error": None,
        "server": {"name": fake_plex.name, "version": fake_plex.version,
                   "machine_identifier": fake_plex.machine_identifier},
    }
    checked = CheckResult.objects.get(key="Plex").checked_at
    assert abs(parse_datetime(checked_at) - checked).total_seconds() < 0.001  # JSON keeps ms


def test_status_without_settings_says_what_to_set(api, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    body = api.call("get", "/api/plex/status").json()
    assert body["configured"] is False and body["connected"] is False
    assert "PLEX_URL" in body["error"]


def test_status_of_a_plex_that_is_down_is_a_normal_answer(api, fake_plex):
    fake_plex.stop()
    run_the_checks()
    response = api.call("get", "/api/plex/status")
    assert response.status_code == 200
    assert response.json()["connected"] is False
    assert response.json()["error"]


def test_status_with_a_revoked_token_points_at_the_token(api, fake_plex):
    fake_plex.revoke_token()
    run_the_checks()
    body = api.call("get", "/api/plex/status").json()
    assert body["connected"] is False and "PLEX_TOKEN" in body["error"]


def test_libraries_are_the_photo_libraries_only(api):
    libraries = api.call("get", "/api/plex/libraries").json()
    assert [(lib["title"], lib["photo_count"] > 0) for lib in libraries] == [("Photos", True)]


def test_browse_shows_albums_and_photos_but_never_clips(api, fake_plex):
    page = api.call("get", f"/api/plex/libraries/{library_id(api)}").json()

    assert [(i["type"], i["title"]) for i in page["items"]] == [
        ("photo", "Harbour at dawn"), ("album", "Travel"), ("album", "Family")]
    assert page["album"] is None and page["page"] == 1
    harbour = page["items"][0]
    thumb = quote(fake_plex.find("Harbour at dawn").thumb, safe="")
    assert harbour["thumbnail_url"].startswith(
        f"/api/plex/thumbnails/{harbour['plex_metadata_id']}?t={thumb}&s=")
    assert (harbour["width"], harbour["height"]) == (6000, 4000)
    assert harbour["imported"] is False and harbour["import_status"] is None


def test_nested_albums_are_navigable_with_breadcrumbs(api, fake_plex):
    mexico = fake_plex.find("Mexico")
    page = api.call("get", f"/api/plex/libraries/{library_id(api)}",
                    data={"album": mexico.rating_key}).json()

    assert [c["title"] for c in page["album"]["path"]] == ["Photos", "Travel", "2019", "Mexico"]
    assert page["album"]["path"][0]["id"] is None
    assert [i["title"] for i in page["items"]] == ["Oaxaca portrait", "Tulum panorama", "Cenote"]


def test_browse_of_an_unknown_library_is_404(api):
    assert api.call("get", "/api/plex/libraries/999").status_code == 404


def test_a_big_library_is_browsed_one_plex_page_at_a_time(api, fake_plex):
    fake_plex.add_synthetic_section("Archive", 50_000)
    archive = next(lib["id"] for lib in api.call("get", "/api/plex/libraries").json()
                   if lib["title"] == "Archive")
    section = PlexLibrary.objects.get(pk=archive).section_key

    for page, start in ((1, 0), (800, 39_950)):
        fake_plex.clear_records()
        body = api.call("get", f"/api/plex/libraries/{archive}",
                        data={"page": page, "page_size": 50}).json()
        assert body["total"] == 50_000 and len(body["items"]) == 50
        (request,) = fake_plex.requests
        assert request.path == f"/library/sections/{section}/all"
        assert request.paging() == (start, 50)


def test_thumbnails_come_through_docent_cached_with_an_etag(api, fake_plex):
    harbour = fake_plex.find("Harbour at dawn").rating_key
    api.call("get", f"/api/plex/libraries/{library_id(api)}")
    url = f"/api/plex/thumbnails/{harbour}"

    first = api.call("get", url)
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert first["Cache-Control"] == "private, max-age=604800"
    fake_plex.clear_records()
    again = api.call("get", url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert api.call("get", url).status_code == 200
    assert fake_plex.requests_to("/photo/:/transcode") == []


@pytest.mark.django_db(transaction=True)
def test_import_queues_new_photos_and_skips_or_refuses_the_rest(api, fake_plex, chains):
    harbour, garden = fake_plex.find("Harbour at dawn"), fake_plex.find("Garden")
    waves = fake_plex.find("Waves")

    response = api.call("post", "/api/plex/import", data={
        "plex_metadata_ids": [harbour.rating_key, garden.rating_key, waves.rating_key, "999999"]})

    assert response.status_code == 202
    body = response.json()
    assert body["queued"] == [harbour.rating_key, garden.rating_key]
    assert body["skipped"] == []
    assert {e["plex_metadata_id"]: e["error"] for e in body["errors"]} == {
        waves.rating_key: f"Plex item {waves.rating_key} is a video clip, not a photo.",
        "999999": "Plex has no item 999999.",
    }
    assert len(chains) == 2
    again = api.call("post", "/api/plex/import",
                     data={"plex_metadata_ids": [harbour.rating_key]}).json()
    assert again["skipped"] == [{"plex_metadata_id": harbour.rating_key,
                                 "reason": "import in progress"}]
    assert ImportRecord.objects.count() == 2 and len(chains) == 2


def test_import_progress_is_listed_newest_first(api, fake_plex, chains):
    for title in ("Harbour at dawn", "Garden"):
        api.call("post", "/api/plex/import",
                 data={"plex_metadata_ids": [fake_plex.find(title).rating_key]})

    listing = api.call("get", "/api/plex/imports").json()
    assert [i["title"] for i in listing["items"]] == ["Garden", "Harbour at dawn"]
    assert listing["items"][0]["status"] == ImportStatus.QUEUED
    detail = api.call("get", f"/api/plex/imports/{listing['items'][0]['id']}").json()
    assert detail["step"] == "queued" and detail["content_id"] is None
    assert api.call("get", "/api/plex/imports", data={"status": "done"}).json()["count"] == 0
    garden = fake_plex.find("Garden").rating_key
    only = api.call("get", "/api/plex/imports", data={"plex_metadata_id": [garden]}).json()
    assert [i["title"] for i in only["items"]] == ["Garden"]


def test_the_api_needs_a_curator(client, plex_settings):
    assert client.get("/api/plex/status").status_code == 401
    assert client.post("/api/plex/import", {"plex_metadata_ids": ["1"]},
                       content_type="application/json").status_code == 401


def test_the_token_never_reaches_a_response_a_log_or_a_query_string(
    api, fake_plex, chains, caplog
):
    caplog.set_level(logging.DEBUG)
    lib = library_id(api)
    mexico = fake_plex.find("Mexico").rating_key
    run_the_checks()
    api.call("get", "/api/plex/status")
    api.call("get", f"/api/plex/libraries/{lib}", data={"album": mexico})
    api.call("get", f"/api/plex/thumbnails/{fake_plex.find('Cenote').rating_key}")
    api.call("post", "/api/plex/import", data={"plex_metadata_ids": [mexico, "424242"]})
    fake_plex.revoke_token()
    run_the_checks()
    api.call("get", "/api/plex/status")
    api.call("get", f"/api/plex/libraries/{lib}")
    fake_plex.stop()
    api.call("get", f"/api/plex/libraries/{lib}")

    token = fake_plex.token.encode()
    assert all(token not in body for body in api.bodies)
    assert fake_plex.token not in caplog.text
    assert all(r.token_in != "query" and fake_plex.token not in r.query_string
               for r in fake_plex.requests)
