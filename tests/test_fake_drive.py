"""The fake Google Drive, kept honest by a client that is not ours: google-api-python-client,
built from its own bundled (static) discovery document, pointed at the fake, with no
network and no credentials but the API key (which it sends as `key=` in the query)."""

import io
import json

import httplib2
import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseDownload
from PIL import Image

from tests.fakes.drive import FOLDER, FakeDrive, add_standard_content


def service(fake: FakeDrive, key: str | None = None):
    return build(
        "drive", "v3", developerKey=key or fake.api_key, static_discovery=True,
        client_options={"api_endpoint": f"{fake.url}/drive/v3/"}, http=httplib2.Http(timeout=5),
        cache_discovery=False,
    )


def list_all(drive, **params) -> list[dict]:
    files, request = [], drive.files().list(**params)
    while request is not None:
        answer = request.execute()
        files += answer.get("files", [])
        request = drive.files().list_next(request, answer)
    return files


def reason(error: HttpError) -> str:
    return error.error_details[0]["reason"]


@pytest.fixture
def paged_drive():
    with FakeDrive(max_page=2) as fake:
        yield add_standard_content(fake)
    assert not fake.errors


def test_listing_a_folder_pages_with_next_page_token_to_the_end(paged_drive):
    drive = service(paged_drive)
    art = paged_drive.find("Frame art")

    files = list_all(drive, q=f"'{art.id}' in parents and trashed = false",
                     fields="nextPageToken, files(id, name, mimeType)", pageSize=10,
                     orderBy="folder,name")

    assert [f["name"] for f in files] == [
        "Formats", "Travel", "Plan", "harbour.jpg", "notes.txt"]
    assert files[0]["mimeType"] == FOLDER
    pages = paged_drive.requests_to("/drive/v3/files")
    assert len(pages) == 3  # the fake cuts pages to two, as Drive may
    assert "pageToken" not in pages[0].query and pages[1].query["pageToken"]
    assert {request.key_in for request in pages} == {"query"}  # this client's way


def test_mime_type_conditions_filter_the_listing(fake_drive):
    drive = service(fake_drive)
    art = fake_drive.find("Frame art")

    images = list_all(drive, q=f"'{art.id}' in parents and mimeType contains 'image/' "
                               "and trashed = false")
    not_folders = list_all(drive, q=f"'{art.id}' in parents and mimeType != '{FOLDER}'")
    either = list_all(drive, q=f"'{art.id}' in parents and trashed = false and "
                               f"(mimeType = '{FOLDER}' or mimeType contains 'image/')")

    assert [f["name"] for f in images] == ["harbour.jpg"]
    assert {f["name"] for f in not_folders} == {"harbour.jpg", "notes.txt", "Plan", "old.jpg"}
    assert {f["name"] for f in either} == {"harbour.jpg", "Travel", "Formats"}


def test_default_fields_and_a_field_mask(fake_drive):
    drive = service(fake_drive)
    harbour = fake_drive.find("harbour.jpg")

    default = drive.files().get(fileId=harbour.id).execute()
    masked = drive.files().get(
        fileId=harbour.id, fields="id,size,thumbnailLink,imageMediaMetadata(width,height)",
    ).execute()

    assert default == {"kind": "drive#file", "id": harbour.id, "name": "harbour.jpg",
                       "mimeType": "image/jpeg"}
    assert masked["size"] == str(len(harbour.data))  # int64 is a string in Drive's JSON
    assert masked["imageMediaMetadata"] == {"width": 6000, "height": 4000}
    assert masked["thumbnailLink"].endswith("=s220")


def test_media_downloads_in_ranges(fake_drive):
    drive = service(fake_drive)
    harbour = fake_drive.find("harbour.jpg")
    out = io.BytesIO()

    download = MediaIoBaseDownload(out, drive.files().get_media(fileId=harbour.id),
                                   chunksize=1 << 20)
    done = False
    while not done:
        _status, done = download.next_chunk()

    assert out.getvalue() == harbour.data
    assert len(fake_drive.downloads) == len(harbour.data) // (1 << 20) + 1
    assert fake_drive.downloads[0].range == "bytes=0-1048575"


def test_the_thumbnail_link_serves_a_sized_preview_without_a_key(fake_drive):
    import requests

    harbour = fake_drive.find("harbour.jpg")
    link = service(fake_drive).files().get(fileId=harbour.id, fields="thumbnailLink").execute()[
        "thumbnailLink"]

    answer = requests.get(link.replace("=s220", "=s400"), timeout=5)

    assert answer.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(answer.content)).size == (400, 267)
    fake_drive.expire_thumbnail_links()
    assert requests.get(link, timeout=5).status_code == 404


def test_a_wrong_key_is_refused_with_googles_error(fake_drive):
    with pytest.raises(HttpError) as error:
        service(fake_drive, key="AIzaWrong").files().list(q="trashed = false").execute()

    assert error.value.resp.status == 400
    assert reason(error.value) == "API_KEY_INVALID"  # the client reads `details` first
    body = json.loads(error.value.content)["error"]
    assert body["errors"][0]["reason"] == "badRequest"
    assert body["status"] == "INVALID_ARGUMENT"
    assert "API key not valid" in str(error.value)


def test_a_private_folder_is_not_found_and_lists_nothing(fake_drive):
    drive = service(fake_drive)
    private = fake_drive.find("Private")

    with pytest.raises(HttpError) as error:
        drive.files().get(fileId=private.id).execute()
    listed = list_all(drive, q=f"'{private.id}' in parents")

    assert error.value.resp.status == 404
    assert reason(error.value) == "notFound"
    assert listed == []


@pytest.mark.parametrize(("status", "expected"), [
    (403, "userRateLimitExceeded"), (403, "rateLimitExceeded"), (429, "rateLimitExceeded")])
def test_the_rate_limit_answers_googles_reason(fake_drive, status, expected):
    fake_drive.quota, fake_drive.rate_limit_status = 1, status
    fake_drive.rate_limit_reason = expected
    drive = service(fake_drive)

    with pytest.raises(HttpError) as error:
        drive.files().list(q="trashed = false").execute()

    assert error.value.resp.status == status
    assert reason(error.value) == expected
    assert drive.files().list(q="trashed = false").execute()["files"]  # the next one passes


def test_a_google_doc_is_not_downloadable(fake_drive):
    plan = fake_drive.find("Plan")

    with pytest.raises(HttpError) as error:
        service(fake_drive).files().get_media(fileId=plan.id).execute()

    assert error.value.resp.status == 403
    assert reason(error.value) == "fileNotDownloadable"


def test_a_query_the_fake_does_not_know_is_refused_not_ignored(fake_drive):
    with pytest.raises(HttpError) as error:
        service(fake_drive).files().list(q="fullText contains 'wave'").execute()

    assert error.value.resp.status == 400
    assert error.value.error_details[0]["location"] == "q"


def test_a_key_whose_project_has_no_drive_api_is_refused_with_403(fake_drive):
    fake_drive.key_refused = "disabled"

    with pytest.raises(HttpError) as error:
        service(fake_drive).files().list(q="trashed = false").execute()

    assert error.value.resp.status == 403
    assert reason(error.value) == "SERVICE_DISABLED"
    assert json.loads(error.value.content)["error"]["errors"][0]["reason"] == (
        "accessNotConfigured")
