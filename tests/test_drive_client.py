"""drivesource.client against the fake Google Drive, over real sockets."""

import io
import logging

import pytest
from PIL import Image

from drivesource.client import (
    DriveClient,
    DriveForbidden,
    DriveKeyRejected,
    DriveNotConfigured,
    DriveNotFound,
    DriveUnavailable,
    folder_from_settings,
    from_settings,
    parse_folder_id,
)
from tests.fakes.drive import FakeDrive, add_standard_content

FOLDER_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"


# -- folder links --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    f"https://drive.google.com/drive/folders/{FOLDER_ID}?usp=sharing",
    f"https://drive.google.com/drive/u/0/folders/{FOLDER_ID}",
    f"https://drive.google.com/drive/u/1/folders/{FOLDER_ID}?resourcekey=0-abc",
    f"https://drive.google.com/drive/mobile/folders/{FOLDER_ID}",
    f"https://drive.google.com/open?id={FOLDER_ID}",
    f"https://drive.google.com/folderview?id={FOLDER_ID}&usp=sharing",
    f"  {FOLDER_ID}  ",
])
def test_folder_ids_are_read_from_what_people_paste(text):
    assert parse_folder_id(text) == FOLDER_ID


@pytest.mark.parametrize(("text", "says"), [
    (f"https://drive.google.com/file/d/{FOLDER_ID}/view?usp=sharing", "a file, not to a folder"),
    (f"https://example.com/drive/folders/{FOLDER_ID}", "example.com is not Google Drive"),
    ("https://drive.google.com/drive/my-drive", "names no folder"),
    ("https://drive.google.com/drive/folders/x'or'1", "names no folder"),
    ("my holiday pictures", "share link"),
    ("", "share link"),
])
def test_links_that_name_no_folder_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        parse_folder_id(text)


# -- listing -------------------------------------------------------------------------------


def test_a_shared_folder_is_found_and_a_private_one_says_how_to_share_it(
        fake_drive, drive_client):
    art = drive_client.folder(fake_drive.find("Frame art").id)

    assert (art.name, art.is_folder) == ("Frame art", True)
    with pytest.raises(DriveNotFound, match="Anyone with the link"):
        drive_client.folder(fake_drive.find("Private").id)
    with pytest.raises(DriveForbidden, match="a file, not a folder"):
        drive_client.folder(fake_drive.find("harbour.jpg").id)


def test_children_are_folders_then_pictures_and_nothing_else():
    with FakeDrive(max_page=2) as fake:
        add_standard_content(fake)
        client = DriveClient(api_key=fake.api_key, api_url=fake.url, timeout=2)

        children = list(client.children(fake.find("Frame art").id))

        # no notes.txt, no Google Doc, nothing from the trash
        assert [(c.name, c.is_folder) for c in children] == [
            ("Formats", True), ("Travel", True), ("harbour.jpg", False)]
        harbour = children[-1]
        assert (harbour.width, harbour.height, harbour.size) == (
            6000, 4000, len(fake.find("harbour.jpg").data))
        assert harbour.mime_type == "image/jpeg" and harbour.thumbnail_link
        listings = fake.requests_to("/drive/v3/files")
        assert len(listings) == 2  # the fake cut the page at two: the token led on
        assert listings[1].query["pageToken"]


def test_pictures_walk_every_folder_below_once(fake_drive, drive_client):
    found = {entry.name: path for path, entry in drive_client.pictures(
        fake_drive.find("Frame art").id)}

    assert found["harbour.jpg"] == ()
    assert found["IMG_0077.HEIC"] == ("Travel",)
    assert found["broken.jpg"] == ("Travel", "Mexico")
    assert found["marked.webp"] == ("Formats",)
    assert "notes.txt" not in found and "old.jpg" not in found and "secret.jpg" not in found
    assert len(found) == 15


def test_the_key_goes_in_the_header_only(fake_drive, drive_client, tmp_path):
    harbour = fake_drive.find("harbour.jpg")
    list(drive_client.pictures(fake_drive.find("Frame art").id))
    drive_client.download(harbour.id, tmp_path / "harbour.jpg")
    drive_client.thumbnail(harbour.id, size=240)

    api = fake_drive.requests_to("/drive/v3/")
    previews = fake_drive.requests_to("/lh3/")
    assert api and {request.key_in for request in api} == {"header"}
    assert previews and {request.key_in for request in previews} == {None}
    assert all("key" not in request.query for request in fake_drive.requests)


# -- content -------------------------------------------------------------------------------


def test_a_download_is_the_file_byte_for_byte(fake_drive, drive_client, tmp_path):
    heic = fake_drive.find("IMG_0077.HEIC")

    size = drive_client.download(heic.id, tmp_path / "deep" / "cenote.heic")

    assert (tmp_path / "deep" / "cenote.heic").read_bytes() == heic.data
    assert size == len(heic.data)
    assert list((tmp_path / "deep").iterdir()) == [tmp_path / "deep" / "cenote.heic"]


def test_a_download_cut_short_leaves_nothing_and_is_transient(fake_drive, drive_client,
                                                                tmp_path):
    fake_drive.reset_downloads = True
    target = tmp_path / "harbour.jpg"

    with pytest.raises(DriveUnavailable) as error:
        drive_client.download(fake_drive.find("harbour.jpg").id, target)

    assert error.value.transient
    assert list(tmp_path.iterdir()) == []


def test_a_download_larger_than_allowed_is_refused(fake_drive, drive_client, tmp_path):
    with pytest.raises(DriveUnavailable, match="more than 1 MB"):
        drive_client.download(fake_drive.find("harbour.jpg").id, tmp_path / "h.jpg",
                              max_bytes=1 << 20)
    assert list(tmp_path.iterdir()) == []


def test_a_deleted_file_and_a_google_doc_are_not_retried(fake_drive, drive_client, tmp_path):
    airport = fake_drive.find("airport.jpg")
    fake_drive.delete(airport.id)

    with pytest.raises(DriveNotFound, match="no longer shared") as gone:
        drive_client.download(airport.id, tmp_path / "a.jpg")
    with pytest.raises(DriveForbidden, match="Google Docs") as doc:
        drive_client.download(fake_drive.find("Plan").id, tmp_path / "p")
    assert not gone.value.transient and not doc.value.transient


def test_a_thumbnail_is_sized_by_the_link_suffix(fake_drive, drive_client):
    data, kind = drive_client.thumbnail(fake_drive.find("harbour.jpg").id, size=480)

    assert kind == "image/jpeg"
    assert Image.open(io.BytesIO(data)).size == (480, 320)
    assert fake_drive.requests_to("/lh3/")[0].path.endswith("=s480")


def test_an_expired_thumbnail_link_is_asked_for_again_once(fake_drive, drive_client):
    harbour = fake_drive.find("harbour.jpg")
    link = drive_client.file(harbour.id).thumbnail_link
    fake_drive.expire_thumbnail_links()
    fake_drive.clear_records()

    data, _kind = drive_client.thumbnail(harbour.id, size=240, link=link)

    assert Image.open(io.BytesIO(data)).size == (240, 160)
    assert [r.path.split("/")[-2] for r in fake_drive.requests] == [
        "drive-storage", "files", "drive-storage"]


def test_a_thumbnail_link_to_another_server_is_not_fetched(fake_drive, drive_client):
    with FakeDrive() as elsewhere:
        fake_drive.thumbnail_base = elsewhere.url.replace("127.0.0.1", "localhost")

        with pytest.raises(DriveForbidden, match="googleusercontent.com only"):
            drive_client.thumbnail(fake_drive.find("harbour.jpg").id)

        assert elsewhere.requests == []


def test_a_broken_picture_has_no_preview(fake_drive, drive_client):
    with pytest.raises(DriveNotFound, match="no preview"):
        drive_client.thumbnail(fake_drive.find("broken.jpg").id)


# -- errors --------------------------------------------------------------------------------


def test_a_wrong_key_needs_a_person_and_is_never_repeated(fake_drive, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "AIzaWrongKey0123456789"
    client = DriveClient(api_key=wrong, api_url=fake_drive.url, timeout=2)

    with pytest.raises(DriveKeyRejected, match="API key not valid") as error:
        client.folder(fake_drive.find("Frame art").id)

    assert not error.value.transient
    assert wrong not in str(error.value) and wrong not in caplog.text


@pytest.mark.parametrize(("why", "says"), [
    ("disabled", "Google Drive API has not been used in project"),
    ("blocked", "are blocked")])
def test_a_key_google_refuses_needs_a_person(fake_drive, drive_client, why, says):
    fake_drive.key_refused = why

    with pytest.raises(DriveKeyRejected, match=says) as error:
        list(drive_client.children(fake_drive.find("Frame art").id))

    assert "enabled in the key's project" in str(error.value) and not error.value.transient


@pytest.mark.parametrize(("status", "reason"), [
    (403, "userRateLimitExceeded"), (403, "rateLimitExceeded"), (429, "rateLimitExceeded")])
def test_the_rate_limit_is_transient(fake_drive, drive_client, status, reason):
    fake_drive.quota, fake_drive.rate_limit_status = 1, status
    fake_drive.rate_limit_reason = reason

    with pytest.raises(DriveUnavailable, match="rate limit") as error:
        drive_client.file(fake_drive.find("harbour.jpg").id)

    assert error.value.transient
    assert drive_client.file(fake_drive.find("harbour.jpg").id).name == "harbour.jpg"


def test_googles_own_faults_and_an_outage_are_transient(fake_drive, drive_client):
    art = fake_drive.find("Frame art").id
    fake_drive.fail_paths = ["/drive/v3/files"]
    with pytest.raises(DriveUnavailable, match="answered 500"):
        list(drive_client.children(art))

    fake_drive.fail_paths = []
    fake_drive.stop()
    with pytest.raises(DriveUnavailable, match="cannot be reached"):
        list(drive_client.children(art))
    fake_drive.start()
    assert list(drive_client.children(art))


def test_a_silent_drive_times_out(fake_drive):
    fake_drive.slow = 3
    client = DriveClient(api_key=fake_drive.api_key, api_url=fake_drive.url, timeout=0.5)

    with pytest.raises(DriveUnavailable, match="did not answer in time"):
        client.file(fake_drive.find("harbour.jpg").id)


def test_ids_that_are_not_drive_ids_never_reach_google(fake_drive, drive_client):
    with pytest.raises(DriveNotFound, match="not a Google Drive id"):
        list(drive_client.children("x' or trashed = true or 'y"))
    assert fake_drive.requests == []


def test_no_secret_in_any_message_or_log_line(fake_drive, drive_client, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    messages = []
    fake_drive.quota = 1
    for call in (
        lambda: drive_client.file(fake_drive.find("harbour.jpg").id),
        lambda: drive_client.folder(fake_drive.find("Private").id),
        lambda: drive_client.download(fake_drive.find("Plan").id, tmp_path / "x"),
    ):
        with pytest.raises(Exception) as error:  # noqa: B017, PT011
            call()
        messages.append(str(error.value))

    assert all(fake_drive.api_key not in message for message in messages)
    assert fake_drive.api_key not in caplog.text
    assert fake_drive.api_key not in repr(drive_client)


# -- settings ------------------------------------------------------------------------------


def test_settings_give_a_shared_client_and_the_folder(drive_settings, fake_drive):
    client = from_settings()

    assert client is from_settings()
    assert client.folder(folder_from_settings()).name == "Frame art"


def test_missing_settings_say_what_to_set(settings):
    settings.DRIVE_API_KEY, settings.DRIVE_FOLDER_URL = "", "https://example.com/x"

    with pytest.raises(DriveNotConfigured, match="DRIVE_API_KEY"):
        from_settings()
    with pytest.raises(DriveNotConfigured, match="DRIVE_FOLDER_URL in .env: example.com"):
        folder_from_settings()
