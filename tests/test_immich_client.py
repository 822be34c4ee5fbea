"""ImmichClient against the fake Immich over real HTTP."""

from __future__ import annotations

import logging
import time

import pytest

from immichsource.client import (
    ImmichAuthError,
    ImmichClient,
    ImmichForbidden,
    ImmichNotFound,
    ImmichRejected,
    ImmichUnavailable,
    server_url,
)
from tests.fakes.immich import FakeImmich, add_standard_content


def _named(fake: FakeImmich, name: str):
    return next(a for a in fake.assets.values() if a.file_name == name)


def _album(fake: FakeImmich, name: str):
    return next(a for a in fake.albums.values() if a.name == name)


def test_server_version_needs_no_key(fake_immich):
    client = ImmichClient(url=fake_immich.url, api_key="wrong")
    assert client.server().version == "1.134.0"


def test_albums_are_listed_with_their_counts(immich_client):
    albums = {a.name: a for a in immich_client.albums()}
    assert set(albums) == {"Summer", "Empty"}
    assert albums["Summer"].asset_count == 6 and albums["Summer"].description == "Beach days"
    assert albums["Empty"].thumbnail_asset_id == "" and albums["Empty"].start is None


def test_album_photos_are_pictures_only_newest_first(immich_client, fake_immich):
    photos = immich_client.album_photos(_album(fake_immich, "Summer").id)
    assert [p.file_name for p in photos] == [
        "IMG_0000.jpg", "IMG_0001.jpg", "IMG_0002.jpg", "live.heic", "still.heic",
    ]  # no video; the live photo's motion part is not in the album
    live = photos[3]
    assert live.mime_type == "image/heic" and live.live_photo_video_id
    assert (live.width, live.height) == (320, 240)


def test_album_photos_on_immich_2_and_later_come_from_search(fake_immich):
    fake_immich.album_assets_inline = False
    client = ImmichClient(url=fake_immich.url, api_key=fake_immich.key, timeout=2)
    summer = _album(fake_immich, "Summer")
    photos = client.album_photos(summer.id)
    assert [p.file_name for p in photos][:2] == ["IMG_0000.jpg", "IMG_0001.jpg"]
    assert len(photos) == 5
    body = fake_immich.requests_to("/api/search/metadata")[-1].body
    assert body["albumIds"] == [summer.id] and body["type"] == "IMAGE"


def test_trashed_pictures_leave_the_album(immich_client, fake_immich):
    fake_immich.trash(_named(fake_immich, "IMG_0001.jpg").id)
    photos = immich_client.album_photos(_album(fake_immich, "Summer").id)
    assert "IMG_0001.jpg" not in [p.file_name for p in photos]


def test_all_photos_page_by_date_until_next_page_is_null(immich_client, fake_immich):
    names, page, pages = [], 1, 0
    while page:
        result = immich_client.photos_page(page=page, size=2)
        names += [p.file_name for p in result.items]
        page, pages = result.next_page, pages + 1
    assert pages == 3
    assert names == [
        "IMG_0000.jpg", "IMG_0001.jpg", "IMG_0002.jpg", "live.heic", "still.heic",
        "screenshot.png",
    ]
    oldest = immich_client.photos_page(page=1, size=1, order="asc").items[0]
    assert oldest.file_name == "screenshot.png"
    sent = fake_immich.requests_to("/api/search/metadata")[0].body
    assert sent == {"page": 1, "size": 2, "order": "desc", "type": "IMAGE",
                    "visibility": "timeline", "withExif": True}


@pytest.mark.parametrize("size", [0, 1001])
def test_a_page_size_outside_the_document_is_refused_here(immich_client, size):
    with pytest.raises(ValueError):
        immich_client.photos_page(page=1, size=size)


def test_asset_is_a_picture(immich_client, fake_immich):
    heic = immich_client.asset(_named(fake_immich, "still.heic").id)
    assert heic.mime_type == "image/heic" and heic.file_size == len(
        _named(fake_immich, "still.heic").data)


def test_videos_and_motion_parts_are_refused(immich_client, fake_immich):
    with pytest.raises(ImmichRejected, match="is a video"):
        immich_client.asset(_named(fake_immich, "clip.mp4").id)
    motion = _named(fake_immich, "live.MOV")
    with pytest.raises(ImmichRejected, match="motion part"):
        immich_client.asset(motion.id)


def test_trashed_and_purged_assets_are_not_found(immich_client, fake_immich, tmp_path):
    trashed, purged = _named(fake_immich, "IMG_0000.jpg"), _named(fake_immich, "IMG_0001.jpg")
    fake_immich.trash(trashed.id)
    fake_immich.purge(purged.id)
    with pytest.raises(ImmichNotFound, match="trash"):
        immich_client.asset(trashed.id)
    with pytest.raises(ImmichNotFound):
        immich_client.asset(purged.id)
    with pytest.raises(ImmichNotFound):
        immich_client.download(purged.id, tmp_path / "x.jpg")
    assert list(tmp_path.iterdir()) == []


def test_an_id_that_is_not_immichs_never_leaves(immich_client, fake_immich):
    with pytest.raises(ImmichNotFound):
        immich_client.asset("../albums")
    assert fake_immich.requests == []


def test_thumbnail_is_immichs_own(immich_client, fake_immich):
    data, kind = immich_client.thumbnail(_named(fake_immich, "IMG_0000.jpg").id)
    assert kind == "image/webp" and data[:4] == b"RIFF"
    data, kind = immich_client.thumbnail(_named(fake_immich, "still.heic").id, size="preview")
    assert kind == "image/jpeg" and data[:2] == b"\xff\xd8"
    assert fake_immich.requests[-1].query == {"size": "preview"}


def test_heic_original_downloads_whole(immich_client, fake_immich, tmp_path):
    heic = _named(fake_immich, "still.heic")
    original = immich_client.download(heic.id, tmp_path / "sub" / "still.heic")
    assert original.path.read_bytes() == heic.data
    assert original.mime_type == "image/heic" and original.size == len(heic.data)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["still.heic"]


def test_a_download_cut_short_leaves_nothing(immich_client, fake_immich, tmp_path):
    photo = _named(fake_immich, "IMG_0000.jpg")
    fake_immich.cut_downloads = True
    with pytest.raises(ImmichUnavailable, match="cut short"):
        immich_client.download(photo.id, tmp_path / "a.jpg")
    assert list(tmp_path.iterdir()) == []


def test_wrong_key_is_an_auth_error_that_never_shows_the_key(fake_immich, caplog):
    secret = "s3cr3t-immich-key-000"
    client = ImmichClient(url=fake_immich.url, api_key=secret, timeout=2)
    with caplog.at_level(logging.DEBUG), pytest.raises(ImmichAuthError) as caught:
        client.albums()
    assert "Invalid API key" in str(caught.value) and "IMMICH_API_KEY" in str(caught.value)
    assert secret not in str(caught.value) and secret not in caplog.text


def test_a_key_without_a_permission_is_told_which(immich_client, fake_immich, tmp_path):
    fake_immich.permissions = {"album.read", "asset.read", "asset.view"}
    with pytest.raises(ImmichForbidden, match="asset.download"):
        immich_client.download(_named(fake_immich, "IMG_0000.jpg").id, tmp_path / "a.jpg")


def test_the_key_travels_in_the_header_only(immich_client, fake_immich, tmp_path, caplog):
    with caplog.at_level(logging.DEBUG):
        immich_client.albums()
        immich_client.photos_page(page=1, size=10)
        photo = _named(fake_immich, "IMG_0000.jpg")
        immich_client.thumbnail(photo.id)
        immich_client.download(photo.id, tmp_path / "a.jpg")
    assert {r.key_in for r in fake_immich.requests} == {"header"}
    for request in fake_immich.requests:
        assert fake_immich.key not in request.path + str(request.query) + str(request.headers)
    assert fake_immich.key not in caplog.text


def test_immich_down_errors_and_slowness_are_transient(fake_immich):
    client = ImmichClient(url=fake_immich.url, api_key=fake_immich.key, timeout=0.5)
    fake_immich.fail_paths = ["/api/albums"]
    with pytest.raises(ImmichUnavailable, match="answered 500"):
        client.albums()
    fake_immich.fail_paths = []
    fake_immich.slow = 1.0
    started = time.monotonic()
    with pytest.raises(ImmichUnavailable, match="did not answer"):
        client.albums()
    assert time.monotonic() - started < 1.0
    fake_immich.slow = 0
    fake_immich.stop()
    with pytest.raises(ImmichUnavailable, match="cannot be reached"):
        client.albums()
    fake_immich.start()
    assert len(client.albums()) == 2


@pytest.mark.parametrize(("given", "root"), [
    ("http://nas:2283", "http://nas:2283"),
    ("http://nas:2283/", "http://nas:2283"),
    ("http://nas:2283/api", "http://nas:2283"),
    ("http://nas:2283/photos/1b5f?x=1#y", "http://nas:2283"),
    ("https://example.org/immich/api/", "https://example.org/immich"),
])
def test_immich_url_is_read_as_the_servers_root(given, root):
    assert server_url(given) == root


@pytest.mark.parametrize("bad", ["nas:2283", "ftp://nas", "http://nas:port", "http://u:p@nas"])
def test_a_bad_immich_url_is_refused(bad):
    with pytest.raises(ValueError):
        server_url(bad)


def test_an_old_and_a_new_server_alike_give_the_same_album(fake_immich):
    with FakeImmich(key=fake_immich.key, album_assets_inline=False) as newer:
        add_standard_content(newer)
        client = ImmichClient(url=newer.url, api_key=newer.key, timeout=2)
        summer = _album(newer, "Summer")
        assert len(client.album_photos(summer.id)) == 5
        assert "assets" not in newer.album_json(summer, with_assets=True)
