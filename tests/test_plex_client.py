"""plexsource.client against the fake Plex Media Server, over real sockets.

The last tests drive python-plexapi against the same fake, so the fake stays
close to what a real server answers.
"""


import dataclasses
import io
import time
import traceback
from pathlib import Path

import plexapi.server
import pytest
from PIL import Image

from plexsource.client import (
    PlexAuthError,
    PlexClient,
    PlexForbidden,
    PlexNotConfigured,
    PlexNotFound,
    PlexUnavailable,
    from_settings,
)
from tests.fakes.plex import FakePlex, sample_files

PHOTOS = {
    "Harbour at dawn", "Passport", "Airport", "Oaxaca portrait", "Tulum panorama", "Cenote",
    "Garden", "Broken",
}
CLIPS = {"Waves", "Snorkelling", "Birthday"}


def library_requests(fake: FakePlex, key: str) -> list:
    return fake.requests_to(f"/library/sections/{key}/all")


# -- server and libraries --------------------------------------------------------------


def test_identity_names_the_server_and_asks_identity_without_token(fake_plex, plex_client):
    info = plex_client.identity()

    assert info.name == "Fake Plex"
    assert info.version == fake_plex.version
    assert info.machine_identifier == fake_plex.machine_identifier
    assert fake_plex.requests_to("/identity")[0].token_in is None


def test_requests_ask_for_json_exactly_and_name_the_client(fake_plex, plex_client):
    plex_client.photo_libraries()

    request = fake_plex.requests_to("/library/sections")[0]
    assert request.header("Accept") == "application/json"
    assert request.header("X-Plex-Product") == "Docent"
    assert request.header("X-Plex-Version")
    assert request.header("X-Plex-Client-Identifier").startswith("docent-")
    assert request.token_in == "header"


def test_client_identifier_is_stable_for_one_server(fake_plex):
    first = PlexClient(url=fake_plex.url, token="a").client_identifier
    assert PlexClient(url=fake_plex.url + "/", token="b").client_identifier == first


def test_photo_libraries_leave_out_movies_and_music_and_count_from_total_size(
    fake_plex, plex_client
):
    libraries = plex_client.photo_libraries()

    assert [(library.key, library.title) for library in libraries] == [("1", "Photos")]
    assert libraries[0].photo_count == len(PHOTOS) + len(CLIPS)  # every depth, clips too
    assert libraries[0].uuid == fake_plex.sections[0].uuid
    count = library_requests(fake_plex, "1")[0]
    assert count.query == {"clusterZoomLevel": "1"}
    assert count.paging() == (0, 0)


def test_library_by_key_and_a_movie_library_is_not_found(plex_client):
    assert plex_client.library("1").title == "Photos"
    with pytest.raises(PlexNotFound):
        plex_client.library("2")
    with pytest.raises(PlexNotFound):
        plex_client.library("99")


# -- browsing ---------------------------------------------------------------------------


def test_browse_top_folder_lists_albums_and_photos_and_flags_clips(fake_plex, plex_client):
    page = plex_client.browse(library_key="1")

    assert [(item.kind, item.title) for item in page.items] == [
        ("photo", "Harbour at dawn"), ("clip", "Waves"), ("album", "Travel"), ("album", "Family"),
    ]
    assert page.offset == 0
    assert page.total == 4
    harbour = page.items[0]
    assert (harbour.width, harbour.height, harbour.part_file) == (6000, 4000, "harbour.jpg")
    assert harbour.part_key.startswith("/library/parts/")
    assert harbour.library_key == "1"
    assert page.items[2].part_key == ""
    assert len(fake_plex.requests) == 1


def test_browse_walks_nested_albums(fake_plex, plex_client):
    top = plex_client.browse(library_key="1")
    travel = next(item for item in top.items if item.title == "Travel")
    inside_travel = plex_client.browse(library_key="1", album_key=travel.rating_key)
    year = next(item for item in inside_travel.items if item.kind == "album")
    inside_year = plex_client.browse(library_key="1", album_key=year.rating_key)
    mexico = next(item for item in inside_year.items if item.kind == "album")
    inside_mexico = plex_client.browse(library_key="1", album_key=mexico.rating_key)

    assert [item.title for item in inside_travel.items] == ["Passport", "2019"]
    assert [item.title for item in inside_year.items] == ["Airport", "Mexico"]
    assert {(item.kind, item.title) for item in inside_mexico.items} == {
        ("photo", "Oaxaca portrait"), ("photo", "Tulum panorama"), ("photo", "Cenote"),
        ("clip", "Snorkelling"),
    }
    assert inside_mexico.items[0].album_path == ("2019", "Mexico")
    assert fake_plex.requests[-1].path == f"/library/metadata/{mexico.rating_key}/children"


def test_browse_of_page_800_of_50000_photos_is_one_request(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 50_000)
    fake_plex.clear_records()

    page = plex_client.browse(library_key=camera.key, offset=799 * 50, limit=50)

    assert len(fake_plex.requests) == 1
    request = fake_plex.requests[0]
    assert request.path == f"/library/sections/{camera.key}/all"
    assert request.paging() == (39_950, 50)
    assert (page.offset, page.total, len(page.items)) == (39_950, 50_000, 50)
    assert page.items[0].title == "IMG_39951"


def test_browse_rejects_huge_pages(plex_client):
    with pytest.raises(ValueError):
        plex_client.browse(library_key="1", limit=100_000)


# -- every photo ----------------------------------------------------------------------------


def test_all_photos_includes_nested_albums_and_skips_clips(plex_client):
    photos = list(plex_client.all_photos(library_key="1"))

    assert sorted(photo.title for photo in photos) == sorted(PHOTOS)
    assert all(photo.kind == "photo" for photo in photos)


def test_all_photos_advances_by_what_a_page_capping_server_sent(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 1000, clip_every=10)
    fake_plex.max_page = 70
    fake_plex.clear_records()

    photos = list(plex_client.all_photos(library_key=camera.key, batch=200))

    keys = [photo.rating_key for photo in photos]
    assert len(keys) == len(set(keys)) == 900  # every photo once, the 100 clips skipped
    requests = library_requests(fake_plex, camera.key)
    assert [request.paging() for request in requests] == [(s, 200) for s in range(0, 1000, 70)]
    assert all(request.query == {"clusterZoomLevel": "1"} for request in requests)


def test_all_photos_without_total_size_stops_at_an_empty_page(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 100)
    fake_plex.max_page = 30
    fake_plex.send_total_size = False
    fake_plex.clear_records()

    photos = list(plex_client.all_photos(library_key=camera.key, batch=50))

    assert len({photo.rating_key for photo in photos}) == 100
    starts = [request.paging()[0] for request in library_requests(fake_plex, camera.key)]
    assert starts == [0, 30, 60, 90, 100]


def test_all_photos_from_a_server_that_ignores_paging_stops_with_an_error(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 100)
    fake_plex.max_page = 30
    fake_plex.send_total_size = False
    fake_plex.ignore_start = True

    with pytest.raises(PlexUnavailable, match="from item 0 when asked for item 30"):
        list(plex_client.all_photos(library_key=camera.key, batch=30))


def test_album_photos_recurse_into_nested_albums_with_their_path(fake_plex, plex_client):
    travel = fake_plex.find("Travel")

    photos = {photo.title: photo.album_path for photo in plex_client.album_photos(
        album_key=travel.rating_key
    )}

    assert photos == {
        "Passport": ("Travel",), "Airport": ("Travel", "2019"),
        "Oaxaca portrait": ("Travel", "2019", "Mexico"),
        "Tulum panorama": ("Travel", "2019", "Mexico"), "Cenote": ("Travel", "2019", "Mexico"),
    }


def test_album_photos_of_a_photo_is_not_found(fake_plex, plex_client):
    with pytest.raises(PlexNotFound):
        list(plex_client.album_photos(album_key=fake_plex.find("Garden").rating_key))


# -- items --------------------------------------------------------------------------------


def test_item_reads_the_photo_metadata(fake_plex, plex_client):
    fake = fake_plex.find("Oaxaca portrait")

    item = plex_client.item(fake.rating_key)

    assert (item.kind, item.title, item.rating_key) == ("photo", "Oaxaca portrait", fake.rating_key)
    assert (item.width, item.height, item.orientation) == (2000, 1500, 6)
    assert (item.part_file, item.container) == ("IMG_0042.JPG", "jpeg")
    assert item.part_size == len(fake.data)
    assert item.part_key == fake.part_key
    assert item.taken_at.isoformat() == "2019-03-14"
    assert item.added_at.timestamp() == fake.added_at
    assert item.album_path == ("2019", "Mexico")
    assert item.library_key == "1"
    assert item.thumb == fake.thumb


def test_item_of_a_corrupt_photo_has_no_sizes(fake_plex, plex_client):
    item = plex_client.item(fake_plex.find("Broken").rating_key)

    assert (item.kind, item.width, item.height, item.thumb) == ("photo", None, None, "")
    assert item.part_key


def test_item_reads_numbers_sent_as_text(fake_plex, plex_client):
    fake_plex.json_strings = True

    item = plex_client.item(fake_plex.find("Cenote").rating_key)
    library = plex_client.library("1")

    assert (item.width, item.height) == (800, 600)
    assert item.part_size == len(sample_files()["photo.heic"])
    assert library.photo_count == 11


# -- downloads ------------------------------------------------------------------------------


def test_download_streams_the_original_to_dest(fake_plex, plex_client, tmp_path):
    fake = fake_plex.find("Harbour at dawn")
    item = plex_client.item(fake.rating_key)
    dest = tmp_path / "originals" / "harbour.jpg"

    assert plex_client.download(item, dest) == dest

    assert dest.read_bytes() == fake.data
    assert [path.name for path in dest.parent.iterdir()] == ["harbour.jpg"]
    download = fake_plex.downloads[-1]
    assert (download.rating_key, download.download, download.complete) == (
        fake.rating_key, True, True,
    )
    assert fake_plex.requests[-1].token_in == "header"


def test_download_reset_mid_body_is_unavailable_and_leaves_no_file(
    fake_plex, plex_client, tmp_path
):
    item = plex_client.item(fake_plex.find("Harbour at dawn").rating_key)
    fake_plex.reset_downloads = True
    dest = tmp_path / "originals" / "harbour.jpg"

    with pytest.raises(PlexUnavailable, match="cut short"):
        plex_client.download(item, dest)

    assert fake_plex.downloads[-1].complete is False
    assert list(dest.parent.iterdir()) == []


def test_a_file_changed_since_plexs_scan_downloads_whole_with_a_warning(
    fake_plex, plex_client, tmp_path, caplog
):
    garden = fake_plex.find("Garden")
    new_file = sample_files()["big.jpg"]
    fake_plex.change_file_behind_plex(garden.rating_key, new_file)
    item = plex_client.item(garden.rating_key)
    assert item.part_size != len(new_file)

    assert plex_client.download(item, tmp_path / "garden.jpg").read_bytes() == new_file

    assert "changed since Plex's last scan" in caplog.text


def test_photo_deleted_after_listing_is_not_found(fake_plex, plex_client, tmp_path):
    listed = next(plex_client.all_photos(library_key="1"))
    fake_plex.delete(listed.rating_key)

    with pytest.raises(PlexNotFound):
        plex_client.download(listed, tmp_path / "gone.jpg")
    with pytest.raises(PlexNotFound):
        plex_client.item(listed.rating_key)
    assert list(tmp_path.iterdir()) == []


def test_download_forbidden_by_the_owner_is_rejected(fake_plex, plex_client, tmp_path):
    item = plex_client.item(fake_plex.find("Garden").rating_key)
    fake_plex.forbid_downloads = True

    with pytest.raises(PlexForbidden):
        plex_client.download(item, tmp_path / "garden.jpg")


# -- thumbnails ----------------------------------------------------------------------------


def jpeg_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        return image.size


def test_thumbnail_is_a_jpeg_covering_the_asked_box(fake_plex, plex_client):
    harbour = plex_client.item(fake_plex.find("Harbour at dawn").rating_key)
    portrait = plex_client.item(fake_plex.find("Oaxaca portrait").rating_key)

    assert jpeg_size(plex_client.thumbnail(thumb_path=harbour.thumb, width=300, height=300)) == (
        450, 300,
    )
    # Stored 2000x1500 with EXIF orientation 6: upright it is a portrait.
    assert jpeg_size(plex_client.thumbnail(thumb_path=portrait.thumb, width=300, height=300)) == (
        300, 400,
    )
    request = fake_plex.requests[-1]
    assert request.path == "/photo/:/transcode"
    assert request.query == {
        "url": portrait.thumb, "width": "300", "height": "300", "minSize": "1", "upscale": "0",
        "format": "jpg",
    }
    assert request.token_in == "header"


def test_thumbnail_is_never_enlarged(fake_plex, plex_client):
    garden = plex_client.item(fake_plex.find("Garden").rating_key)

    assert jpeg_size(plex_client.thumbnail(thumb_path=garden.thumb, width=2000, height=2000)) == (
        640, 480,
    )


def test_thumbnail_of_an_item_without_one_is_not_found(plex_client):
    with pytest.raises(PlexNotFound):
        plex_client.thumbnail(thumb_path="", width=100, height=100)


# -- faults ------------------------------------------------------------------------------------


def test_revoked_token_is_an_auth_error(fake_plex, plex_client):
    plex_client.browse(library_key="1")
    fake_plex.revoke_token()

    with pytest.raises(PlexAuthError, match="check PLEX_TOKEN"):
        plex_client.browse(library_key="1")


def test_wrong_token_is_told_apart_from_a_server_that_is_down(fake_plex):
    client = PlexClient(url=fake_plex.url, token="not-the-token", timeout=2)

    with pytest.raises(PlexAuthError):
        client.identity()
    fake_plex.stop()
    with pytest.raises(PlexUnavailable):
        client.identity()


def test_server_down_is_unavailable_quickly_and_back_on_the_same_port(fake_plex, plex_client):
    plex_client.browse(library_key="1")  # a kept-alive connection that must drop too
    fake_plex.stop()

    started = time.monotonic()
    with pytest.raises(PlexUnavailable, match="cannot be reached"):
        plex_client.browse(library_key="1")
    assert time.monotonic() - started < 1

    fake_plex.start()
    assert len(plex_client.browse(library_key="1").items) == 4


def test_server_error_is_unavailable(fake_plex, plex_client):
    fake_plex.fail_paths = ["/library/sections"]

    with pytest.raises(PlexUnavailable, match="500"):
        plex_client.photo_libraries()


def test_slow_server_beyond_the_timeout_is_unavailable(fake_plex):
    client = PlexClient(url=fake_plex.url, token=fake_plex.token, timeout=0.3)
    fake_plex.slow = 2

    started = time.monotonic()
    with pytest.raises(PlexUnavailable, match="did not answer"):
        client.browse(library_key="1")
    assert time.monotonic() - started < 1.5


def test_token_never_in_a_query_string_nor_in_an_error_message(fake_plex, plex_client, tmp_path):
    token = fake_plex.token
    errors: list[Exception] = []

    def attempt(call, *args, **kwargs):
        try:
            result = call(*args, **kwargs)
            return list(result) if hasattr(result, "__next__") else result
        except Exception as error:
            errors.append(error)

    garden = plex_client.item(fake_plex.find("Garden").rating_key)
    attempt(plex_client.identity)
    attempt(plex_client.photo_libraries)
    attempt(plex_client.all_photos, library_key="1")
    attempt(plex_client.album_photos, album_key=fake_plex.find("Travel").rating_key)
    attempt(plex_client.thumbnail, thumb_path=garden.thumb, width=100, height=100)
    attempt(plex_client.download, garden, tmp_path / "garden.jpg")
    attempt(plex_client.item, "999999")  # 404
    attempt(plex_client.download, dataclasses.replace(garden, part_key="//10.0.0.9/x"),
            tmp_path / "x.jpg")  # off the server
    fake_plex.fail_paths = ["/library/metadata"]
    attempt(plex_client.item, garden.rating_key)  # 500
    fake_plex.fail_paths = []
    fake_plex.forbid_downloads = True
    attempt(plex_client.download, garden, tmp_path / "y.jpg")  # 403
    fake_plex.forbid_downloads = False
    fake_plex.reset_downloads = True
    attempt(plex_client.download, garden, tmp_path / "z.jpg")  # reset
    fake_plex.revoke_token()
    attempt(plex_client.browse, library_key="1")  # 401
    fake_plex.slow = 1
    attempt(PlexClient(url=fake_plex.url, token=token, timeout=0.2).identity)  # time-out
    fake_plex.slow = 0
    fake_plex.stop()
    attempt(plex_client.browse, library_key="1")  # refused

    assert len(errors) == 8
    for error in errors:
        assert token not in "".join(traceback.format_exception(error))
    assert fake_plex.requests
    for request in fake_plex.requests:
        assert request.token_in in (None, "header")
        assert token not in request.query_string
        assert "x-plex-token" not in request.query_string.lower()


# -- settings ---------------------------------------------------------------------------------


def test_from_settings_talks_to_the_configured_server(plex_settings, fake_plex):
    assert from_settings().identity().machine_identifier == fake_plex.machine_identifier


def test_from_settings_without_url_or_token_names_the_env_lines(settings):
    settings.PLEX_URL, settings.PLEX_TOKEN = "", ""

    with pytest.raises(PlexNotConfigured, match="PLEX_URL.*PLEX_TOKEN.*\\.env"):
        from_settings()


def test_from_settings_with_a_url_that_is_not_http_names_the_env_line(settings):
    settings.PLEX_URL, settings.PLEX_TOKEN = "ftp://nas?X-Plex-Token=secret", "secret"

    with pytest.raises(PlexNotConfigured, match="PLEX_URL") as raised:
        from_settings()
    assert "secret" not in str(raised.value)


# -- python-plexapi keeps the fake honest -------------------------------------------------------


def test_plexapi_lists_the_photo_libraries_of_the_fake(fake_plex):
    server = plexapi.server.PlexServer(fake_plex.url, fake_plex.token, timeout=5)

    photo_sections = [s for s in server.library.sections() if s.type == "photo"]

    assert server.friendlyName == "Fake Plex"
    assert [section.title for section in server.library.sections()] == ["Photos", "Movies", "Music"]
    assert [section.title for section in photo_sections] == ["Photos"]
    section = photo_sections[0]
    assert section.totalViewSize(libtype="photo") == len(PHOTOS) + len(CLIPS)
    assert [album.title for album in section.all()] == ["Travel", "Family"]
    travel = section.all()[0]
    assert [album.title for album in travel.albums()] == ["2019"]
    assert [photo.title for photo in travel.photos()] == ["Passport"]
    assert [photo.title for photo in section.searchPhotos(title="Cenote")] == ["Cenote"]


def test_plexapi_downloads_a_photo_from_the_fake(fake_plex, tmp_path):
    server = plexapi.server.PlexServer(fake_plex.url, fake_plex.token, timeout=5)
    fake = fake_plex.find("Oaxaca portrait")

    photo = server.fetchItem(int(fake.rating_key))
    saved = photo.download(savepath=str(tmp_path))

    assert (photo.title, photo.parentTitle) == ("Oaxaca portrait", "Mexico")
    assert [part.file for part in photo.iterParts()] == [fake.file]
    assert [Path(path).name for path in saved] == ["Mexico - Oaxaca portrait.jpeg"]
    assert Path(saved[0]).read_bytes() == fake.data
    assert fake_plex.downloads[-1].download is True
    assert all(request.token_in == "header" for request in fake_plex.requests)
    assert all(request.header("Accept") != "application/json" for request in fake_plex.requests)
