"""/api/drive/ and the Import from Google Drive page, against the fake Drive."""

import io
import json

import pytest
from django.test import Client
from PIL import Image

from docentsite.sources.models import SourceImport
from drivesource.admin_urls import DRIVE_BROWSE
from tests.users import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(drive_settings, tv):
    client = Client()
    client.force_login(staff_with(*DRIVE_BROWSE))
    return client


def post(browser, body):
    return browser.post("/api/drive/import", body, content_type="application/json")


def test_status_says_what_to_set_when_drive_is_not_set_up(browser, settings):
    settings.DRIVE_API_KEY = settings.DRIVE_FOLDER_URL = ""

    status = browser.get("/api/drive/status").json()

    assert (status["configured"], status["connected"]) == (False, False)
    assert "DRIVE_API_KEY" in status["error"]


def test_the_picker_lists_the_shared_folder(browser, fake_drive):
    assert browser.get("/api/drive/folders").json() == [
        {"id": fake_drive.find("Frame art").id, "title": "Frame art", "photo_count": None}]


def test_a_folder_page_lists_folders_then_pictures_with_previews_through_docent(
        browser, fake_drive):
    page = browser.get("/api/drive/folders/root").json()

    assert page["library"]["title"] == "Frame art" and page["album"] is None
    assert page["total"] == 3
    assert [(i["type"], i["title"]) for i in page["items"]] == [
        ("album", "Formats"), ("album", "Travel"), ("photo", "harbour.jpg")]
    assert page["items"][0]["thumbnail_url"].endswith("drivesource/folder.svg")
    harbour = page["items"][2]
    assert harbour["taken_at"] == "2019-03-14" and (harbour["width"], harbour["height"]) == (
        6000, 4000)
    assert harbour["thumbnail_url"].startswith(
        f"/api/drive/thumbnails/{harbour['drive_file_id']}?v=")
    text = json.dumps(page)
    assert fake_drive.api_key not in text and "lh3" not in text and fake_drive.url not in text


def test_pages_of_a_large_folder(browser, fake_drive):
    formats = fake_drive.find("Formats").id

    first = browser.get("/api/drive/folders/root", {"album": formats, "page_size": 3}).json()
    last = browser.get("/api/drive/folders/root",
                       {"album": formats, "page_size": 3, "page": 3}).json()

    assert first["total"] == 8 and len(first["items"]) == 3 and len(last["items"]) == 2
    assert last["album"]["path"] == [{"id": None, "title": "Frame art"},
                                     {"id": formats, "title": "Formats"}]


def test_a_preview_is_fetched_once_then_served_from_the_cache(browser, fake_drive):
    page = browser.get("/api/drive/folders/root").json()
    url = page["items"][2]["thumbnail_url"]

    first = browser.get(f"{url}&size=480")
    sent = b"".join(first.streaming_content)  # the cache is written once it is sent
    fake_drive.clear_records()
    second = browser.get(f"{url}&size=480")
    not_modified = browser.get(f"{url}&size=480", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(sent)).size == (480, 320)
    assert "immutable" in first["Cache-Control"]
    assert b"".join(second.streaming_content) and fake_drive.requests == []
    assert not_modified.status_code == 304


@pytest.mark.parametrize("path", ["/api/drive/folders/x", "/api/drive/folders/a'b%20or",
                                  "/api/drive/folders/root?album=x",
                                  "/api/drive/thumbnails/x?size=240"])
def test_ids_that_are_not_drive_ids_are_refused(browser, fake_drive, path):
    assert browser.get(path).status_code in (404, 422)
    assert fake_drive.requests == []


def test_folders_outside_the_shared_one_are_not_found(browser, fake_drive):
    private = fake_drive.find("Private").id

    for answer in (browser.get(f"/api/drive/folders/{private}"),
                   browser.get("/api/drive/folders/root", {"album": private})):
        assert answer.status_code == 404
        assert "shared Google Drive folder" in answer.json()["detail"]


def test_drive_down_is_503_with_the_reason(browser, fake_drive):
    fake_drive.stop()

    answer = browser.get("/api/drive/folders/root")

    assert answer.status_code == 503 and "cannot be reached" in answer.json()["detail"]


def test_import_queues_pictures_and_refuses_what_is_not_one(browser, fake_drive):
    harbour, notes = fake_drive.find("harbour.jpg").id, fake_drive.find("notes.txt").id

    answer = post(browser, {"drive_file_ids": [harbour, notes], "analyze": False})

    assert answer.status_code == 202
    body = answer.json()
    assert body["queued"] == [harbour]
    assert body["errors"] == [{"drive_file_id": notes, "error":
                               "'notes.txt' on Google Drive is not a picture (text/plain)."}]
    record = SourceImport.objects.get(source="google_drive")
    assert (record.ref, record.title, record.artwork.original_filename) == (
        harbour, "harbour", "harbour.jpg")
    follow = browser.get("/api/drive/imports", {"drive_file_id": harbour}).json()
    assert [(r["drive_file_id"], r["status"]) for r in follow["items"]] == [(harbour, "queued")]


def test_importing_a_whole_folder_takes_every_picture_once(browser, fake_drive):
    travel = fake_drive.find("Travel").id

    first = post(browser, {"album": travel, "below": True, "analyze": False}).json()
    again = post(browser, {"album": travel, "below": True}).json()

    assert len(first["queued"]) == 6 and first["skipped"] == []
    assert again["queued"] == [] and len(again["skipped"]) == 6
    assert {s["reason"] for s in again["skipped"]} == {"import in progress"}
    assert SourceImport.objects.filter(source="google_drive").count() == 6


@pytest.mark.parametrize("body", [
    {}, {"drive_file_ids": ["1AbCdEfGhIjKlMnOpQr"], "album": "1AbCdEfGhIjKlMnOpQr"},
    {"album": "1AbCdEfGhIjKlMnOpQr", "force": True}, {"drive_file_ids": ["bad id!"]},
])
def test_an_import_body_that_does_not_say_one_thing_is_refused(browser, fake_drive, body):
    assert post(browser, body).status_code == 422
    assert not SourceImport.objects.exists()


def test_without_the_permissions_the_routes_are_forbidden(drive_settings, fake_drive):
    client = Client()
    client.force_login(staff_with(username="nobody"))

    assert client.get("/api/drive/folders/root").status_code == 403
    assert client.get(f"/api/drive/thumbnails/{fake_drive.find('harbour.jpg').id}"
                      ).status_code == 403
    assert fake_drive.requests == []


def test_the_browse_page_is_the_shared_grid_for_drive(browser, fake_drive):
    page = browser.get("/admin/drive/browse/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-ref="drive_file_id"' in html and "sources/browse.js" in html
    assert "Import from Google Drive" in html and "/api/drive/" in html
    assert "Import the whole folder" in html and "with its subfolders" in html
    assert fake_drive.api_key not in html


def test_no_preview_of_a_file_outside_the_shared_folder(browser, fake_drive):
    elsewhere = fake_drive.add_folder(None, "Someone else's", shared=True)
    theirs = fake_drive.add_file(elsewhere, "theirs.jpg", fake_drive.find("airport.jpg").data)

    answer = browser.get(f"/api/drive/thumbnails/{theirs.id}")

    assert answer.status_code == 404
    assert fake_drive.requests_to("/lh3/") == []


def test_an_import_can_say_how_its_pictures_are_framed(browser, fake_drive):
    travel = fake_drive.find("Travel").id

    refused = post(browser, {"album": travel, "framing": "stretch"})
    assert refused.status_code == 422 and not SourceImport.objects.exists()

    answer = post(browser, {"album": travel, "below": True, "framing": "fit"})

    assert answer.status_code == 202 and len(answer.json()["queued"]) == 6
    assert {record.artwork.framing for record in SourceImport.objects.all()} == {"fit"}


def test_an_import_can_ask_for_a_matte_the_tv_offers(browser, fake_drive, tv):
    from docentsite.artwork import tvs

    travel = fake_drive.find("Travel").id
    tvs.tv_refresh(tv=tv)  # its check: Docent learns the mattes it offers

    refused = post(browser, {"album": travel, "matte": "velvet_gold"})
    assert refused.status_code == 422 and not SourceImport.objects.exists()
    assert refused.json()["detail"] == "Frame offers no matte called 'velvet_gold'."

    answer = post(browser, {"album": travel, "below": True, "matte": "flexible_sage"})

    assert answer.status_code == 202 and len(answer.json()["queued"]) == 6
    assert {r.artwork.matte for r in SourceImport.objects.all()} == {"flexible_sage"}
