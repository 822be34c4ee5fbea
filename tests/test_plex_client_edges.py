"""plexsource.client against a fake Plex that misbehaves as servers in the field do:
hostile paths, huge or endless answers, trickling downloads, lists that are not
paged, and URLs pasted from the browser. Real sockets throughout."""

import time

import pytest

from docentsite.artwork.errors import DocentError
from plexsource import client as plex
from plexsource.client import PlexClient, PlexOffServer, PlexUnavailable
from tests.fakes.plex import FakePlex, sample_files

# -- the token goes to PLEX_URL's server and nowhere else -----------------------------


@pytest.fixture
def other_server():
    """A second server on another port, where a hostile Plex would like the token sent."""
    with FakePlex() as other:
        yield other


def hostile_keys(other: FakePlex) -> list[str]:
    where = f"{other.host}:{other.port}"
    return [
        f"@{where}/library/parts/1/2/file.jpg",
        f"//{where}/library/parts/1/2/file.jpg",
        f"http://{where}/library/parts/1/2/file.jpg",
        f"https://{where}/library/parts/1/2/file.jpg",
        f"http://{other.host}:{other.port}@{where}/x",
    ]


def assert_no_token_reached(other: FakePlex, token: str) -> None:
    assert [request.token_in for request in other.requests if request.token_in] == []
    assert all(token not in request.query_string for request in other.requests)


def test_part_keys_leading_to_another_server_are_refused_and_get_no_token(
    fake_plex, plex_client, other_server, tmp_path
):
    garden = fake_plex.find("Garden")
    refused = []
    for key in hostile_keys(other_server):
        garden.listed_part_key = key
        item = plex_client.item(garden.rating_key)
        with pytest.raises(DocentError) as caught:
            plex_client.download(item, tmp_path / "garden.jpg")
        refused.append(caught.value)

    assert_no_token_reached(other_server, fake_plex.token)
    # Refused, or joined onto Plex itself as a path (`@host:port/x`), which 404s there.
    assert {type(error) for error in refused} <= {PlexOffServer, plex.PlexNotFound}
    assert sum("leads to another server" in str(error) for error in refused) == 4
    assert not (tmp_path / "garden.jpg").exists()


def test_a_key_relative_to_plex_is_joined_onto_plex(fake_plex, plex_client, tmp_path):
    garden = fake_plex.find("Garden")
    garden.listed_part_key = garden.part_key.lstrip("/")

    item = plex_client.item(garden.rating_key)

    assert plex_client.download(item, tmp_path / "g.jpg").read_bytes() == garden.data


def test_thumbs_leading_to_another_server_are_refused(fake_plex, plex_client, other_server):
    for key in hostile_keys(other_server)[1:]:
        with pytest.raises(PlexOffServer, match="another server"):
            plex_client.thumbnail(thumb_path=key, width=240, height=240)
    assert not other_server.requests
    transcodes = fake_plex.requests_to("/photo/:/transcode")
    assert transcodes == []


# -- every read is bounded ---------------------------------------------------------------


def test_a_huge_thumbnail_is_cut_off_at_the_cap(fake_plex, plex_client):
    fake_plex.thumbnail_padding = 16 * plex.MAX_THUMBNAIL_BYTES
    thumb = fake_plex.find("Garden").thumb

    with pytest.raises(PlexUnavailable, match="Docent stopped reading"):
        plex_client.thumbnail(thumb_path=thumb, width=240, height=240)

    time.sleep(0.5)  # the fake notices the closed connection
    assert fake_plex.streamed[-1] < 4 * plex.MAX_THUMBNAIL_BYTES


def test_a_huge_json_answer_is_cut_off_at_the_cap(fake_plex, plex_client):
    fake_plex.json_padding = 6 * plex.MAX_JSON_BYTES

    with pytest.raises(PlexUnavailable, match="Docent stopped reading"):
        plex_client.item(fake_plex.find("Garden").rating_key)

    time.sleep(0.5)
    assert fake_plex.streamed[-1] < 3 * plex.MAX_JSON_BYTES


def test_a_download_growing_past_part_size_is_cut_off_at_once(fake_plex, plex_client, tmp_path):
    item = plex_client.item(fake_plex.find("Garden").rating_key)
    fake_plex.growing_downloads = 256 << 20

    with pytest.raises(PlexUnavailable, match="Docent stopped reading"):
        plex_client.download(item, tmp_path / "garden.jpg")

    time.sleep(0.5)
    assert fake_plex.streamed[-1] < 64 << 20
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_download_gives_up_at_the_minimum_rate(fake_plex, tmp_path):
    client = PlexClient(url=fake_plex.url, token=fake_plex.token, timeout=2,
                        min_rate=200 << 10)
    client.rate_window = 1.0
    item = client.item(fake_plex.find("Harbour at dawn").rating_key)
    fake_plex.download_rate = 20 << 10  # 20 KB/s; every piece well within the read time-out

    started = time.monotonic()
    with pytest.raises(PlexUnavailable, match="KB/s"):
        client.download(item, tmp_path / "harbour.jpg")

    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_a_download_past_its_deadline_is_unavailable(fake_plex, tmp_path):
    client = PlexClient(url=fake_plex.url, token=fake_plex.token, timeout=2,
                        download_timeout=1.5, min_rate=1)
    item = client.item(fake_plex.find("Harbour at dawn").rating_key)
    fake_plex.download_rate = 100 << 10

    started = time.monotonic()
    with pytest.raises(PlexUnavailable, match="more than 1.5 s"):
        client.download(item, tmp_path / "harbour.jpg")

    assert time.monotonic() - started < 4


# -- lists that are not paged, totals only in a header ------------------------------------


def test_a_server_that_does_not_page_still_browses_page_by_page(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 120)
    fake_plex.unpaged = True

    first = plex_client.browse(library_key=camera.key, offset=0, limit=50)
    last = plex_client.browse(library_key=camera.key, offset=100, limit=50)

    assert (len(first.items), first.total) == (50, 120)
    assert (len(last.items), last.total) == (20, 120)
    assert last.items[0].title == "IMG_00101"


def test_a_server_that_does_not_page_lists_every_photo_once(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 450)
    fake_plex.unpaged = True
    fake_plex.clear_records()

    keys = [photo.rating_key for photo in plex_client.all_photos(library_key=camera.key,
                                                                 batch=100)]

    assert len(keys) == len(set(keys)) == 450
    assert len(fake_plex.requests_to(f"/library/sections/{camera.key}/all")) == 1
    assert plex_client.library(camera.key).photo_count == 450


def test_a_total_sent_only_in_the_header_counts(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 120)
    fake_plex.total_in_header_only = True
    fake_plex.max_page = 50

    page = plex_client.browse(library_key=camera.key, offset=100, limit=50)
    photos = list(plex_client.all_photos(library_key=camera.key, batch=50))

    assert page.total == 120 and len(page.items) == 20
    assert plex_client.library(camera.key).photo_count == 120
    assert len(photos) == 120


def test_the_folder_walk_ends_on_a_server_that_repeats_its_first_page(fake_plex, plex_client):
    camera = fake_plex.add_synthetic_section("Camera Uploads", 100)
    fake_plex.max_page = 30
    fake_plex.send_total_size = False
    fake_plex.ignore_start = True

    with pytest.raises(PlexUnavailable):
        list(plex_client.folder(library_key=camera.key, batch=30))


# -- a PLEX_URL pasted from the browser ------------------------------------------------------


@pytest.mark.parametrize("pasted", [
    "{url}/web/index.html", "{url}/web/index.html#!/media/abc/com.plexapp.plugins.library",
    "{url}/web/", "{url}///", "  {url}/  ",
])
def test_a_url_pasted_from_plex_web_reaches_the_server(fake_plex, pasted):
    client = PlexClient(url=pasted.format(url=fake_plex.url), token=fake_plex.token, timeout=2)

    assert client.identity().name == fake_plex.name
    assert client.base_url == fake_plex.url
    assert ("web" in pasted) == bool(client.url_note)


def test_the_plex_tv_web_app_is_not_a_server(settings):
    settings.PLEX_URL = "https://app.plex.tv/desktop/#!/"
    settings.PLEX_TOKEN = "t"

    with pytest.raises(plex.PlexNotConfigured, match="not your server"):
        plex.from_settings()


def test_https_to_a_plain_http_port_says_to_use_http(fake_plex):
    url = fake_plex.url.replace("http://", "https://")
    client = PlexClient(url=url, token=fake_plex.token, timeout=2)

    with pytest.raises(PlexUnavailable, match=f"use PLEX_URL={fake_plex.url}"):
        client.identity()


def test_a_server_requiring_https_is_explained(fake_plex, plex_client):
    fake_plex.secure_required = True

    with pytest.raises(plex.PlexAuthError, match="Secure connections is Required"):
        plex_client.identity()


def test_a_changed_file_with_a_truncated_body_is_still_an_error(fake_plex, plex_client, tmp_path):
    garden = fake_plex.find("Garden")
    fake_plex.change_file_behind_plex(garden.rating_key, sample_files()["big.jpg"])
    item = plex_client.item(garden.rating_key)
    fake_plex.reset_downloads = True

    with pytest.raises(PlexUnavailable, match="cut short"):
        plex_client.download(item, tmp_path / "garden.jpg")
    assert list(tmp_path.iterdir()) == []


# -- python-plexapi keeps the odd servers of the fake honest -----------------------------


def test_plexapi_reads_every_photo_of_a_fake_that_does_not_page(fake_plex):
    # (python-plexapi reads no X-Plex-Container-Total-Size header: it cannot check that mode.)
    import plexapi.server

    fake_plex.add_synthetic_section("Camera Uploads", 250)
    fake_plex.unpaged = True
    server = plexapi.server.PlexServer(fake_plex.url, fake_plex.token, timeout=5)

    photos = server.library.section("Camera Uploads").all(libtype="photo", container_size=100)

    assert len({photo.ratingKey for photo in photos}) == 250
