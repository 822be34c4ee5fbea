"""Thumbnails through Docent: cached on disk, fetched with a short time-out and a
size cap, whole when the grid's first load asks for one several times at once, and
once cached answered without the database or Plex; signed as the browse page signs
them, without the session either."""

import io
import threading
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from docentsite import signedurls
from plexsource import services, thumbnails
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.client import MAX_THUMBNAIL_BYTES, PlexOffServer, PlexUnavailable
from tests.users import staff_with

pytestmark = pytest.mark.django_db(transaction=True)

TRANSCODER = "/photo/:/transcode"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DOCENT_DATA_DIR = tmp_path


@pytest.fixture
def token_client(client, settings, plex_settings):
    settings.DOCENT_API_TOKEN = "api-token"
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer api-token"
    return client


def url(item, *, thumb: str | None = None, size: int | None = None) -> str:
    """The URL a browse page gives a thumbnail: the photo's id and the thumb path Plex
    listed for it."""
    query = {"t": quote(item.thumb if thumb is None else thumb, safe="")}
    if size:
        query["size"] = size
    return f"/api/plex/thumbnails/{item.rating_key}?" + "&".join(
        f"{name}={value}" for name, value in query.items())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_thumbnail_named_by_its_thumb_path_needs_no_listing(token_client, fake_plex):
    garden = fake_plex.find("Garden")

    response = token_client.get(url(garden, size=480))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["ETag"] == f'"{garden.rating_key}-{garden.updated_at}-480"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    data = body(response)
    assert int(response["Content-Length"]) == len(data)
    with Image.open(io.BytesIO(data)) as image:
        assert min(image.size) <= 480  # covers the box, as the grid crops it
    (transcode,) = fake_plex.requests  # asked nothing else: not the item, not a listing
    assert transcode.path == TRANSCODER
    assert transcode.query["url"] == garden.thumb
    assert fake_plex.token.encode() not in data + str(response.headers).encode()


def test_a_warm_thumbnail_asks_neither_plex_nor_the_database(token_client, fake_plex):
    garden = fake_plex.find("Garden")
    first = body(token_client.get(url(garden)))
    fake_plex.clear_records()

    with CaptureQueriesContext(connection) as queries:
        again = token_client.get(url(garden))

    assert again.status_code == 200 and body(again) == first
    assert queries.captured_queries == []
    assert fake_plex.requests == []


def test_a_warm_thumbnail_for_a_signed_in_curator_only_reads(client, fake_plex, plex_settings):
    client.force_login(staff_with(*PLEX_BROWSE))
    garden = fake_plex.find("Garden")
    body(client.get(url(garden)))

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url(garden))

    assert again.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    # The session, the user and the user's permissions: no write, no photo row.
    assert all(statement.startswith("SELECT") for statement in sql), sql
    assert not any("plexsource_plexphoto" in statement for statement in sql), sql


def signed(item) -> str:
    """The URL the browse page gives a thumbnail: signed (`s`)."""
    return services.thumbnail_url(item.rating_key, item.thumb)


def test_a_signed_thumbnail_needs_neither_the_session_nor_the_database(
    client, fake_plex, plex_settings
):
    garden = fake_plex.find("Garden")
    client.force_login(staff_with(*PLEX_BROWSE))  # the browser sends its session cookie
    first = body(client.get(signed(garden)))

    with CaptureQueriesContext(connection) as queries:
        again = client.get(signed(garden))

    assert again.status_code == 200 and body(again) == first
    assert again["Cache-Control"] == "private, max-age=31536000, immutable"
    assert queries.captured_queries == []  # not the session, not the user
    client.logout()  # a link copied out of the page opens that picture, for a while
    assert client.get(signed(garden)).status_code == 200


def test_a_signature_opens_only_the_thumbnail_it_was_made_for(client, fake_plex, plex_settings):
    garden, harbour = fake_plex.find("Garden"), fake_plex.find("Harbour at dawn")
    signature = parse_qs(urlsplit(signed(garden)).query)["s"][0]

    for other in (harbour, garden):
        thumb = harbour.thumb if other is harbour else garden.thumb.replace(
            garden.thumb.rpartition("/")[2], "1")  # another version of the same photo
        response = client.get(f"/api/plex/thumbnails/{other.rating_key}?"
                              f"t={quote(thumb, safe='')}&s={signature}")
        assert response.status_code == 401
    assert fake_plex.requests == []


def test_a_lapsed_signature_opens_nothing_but_a_signed_in_curator_still_sees_it(
    client, fake_plex, plex_settings
):
    garden = fake_plex.find("Garden")
    lapsed = signedurls.signature(*thumbnails.signed_as(garden.rating_key, garden.thumb),
                                  now=time.time() - 2 * signedurls.BUCKET_SECONDS)
    old_link = f"/api/plex/thumbnails/{garden.rating_key}?t={quote(garden.thumb, safe='')}" \
               f"&s={lapsed}"

    assert client.get(old_link).status_code == 401
    client.force_login(staff_with(*PLEX_BROWSE))  # a page left open for a day, scrolled
    assert client.get(old_link).status_code == 200
    assert fake_plex.requests[0].path == TRANSCODER


def test_a_browser_holding_the_etag_gets_304_without_the_file(token_client, fake_plex):
    garden = fake_plex.find("Garden")
    first = token_client.get(url(garden))
    body(first)  # read whole, as a browser does: then it is cached
    etag = first["ETag"]
    for cached in thumbnails.thumbnail_dir().iterdir():
        cached.unlink()  # 304 is answered from the URL alone
    fake_plex.clear_records()

    response = token_client.get(url(garden), HTTP_IF_NONE_MATCH=f'"other", {etag}')

    assert response.status_code == 304 and body(response) == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert fake_plex.requests == []


def test_without_a_thumb_path_the_photo_is_looked_up_and_cached_alike(token_client, fake_plex):
    garden = fake_plex.find("Garden")
    named = token_client.get(url(garden))
    cached = body(named)

    response = token_client.get(f"/api/plex/thumbnails/{garden.rating_key}")

    assert response.status_code == 200 and body(response) == cached
    assert response["ETag"] == named["ETag"]  # one cached file for both URLs
    # Not named by its version: the browser asks again after a week.
    assert response["Cache-Control"] == "private, max-age=604800"
    assert [request.path for request in fake_plex.requests] == [
        TRANSCODER, f"/library/metadata/{garden.rating_key}"]


@pytest.mark.parametrize("thumb", [
    "/library/metadata/{other}/thumb/1700000000",  # another photo's
    "//192.0.2.1:32400/library/metadata/{id}/thumb/1700000000",  # another server
    "http://192.0.2.1:32400/library/metadata/{id}/thumb/1700000000",
    "/library/metadata/{id}/thumb/1700000000?X-Plex-Token=x",
    "/library/metadata/{id}/thumb/../../../{other}/thumb/1",
    "/library/metadata/{id}/../{other}/thumb/1700000000",
    "/library/parts/{id}/1700000000/file.jpg",  # the original, not a thumbnail
    "/photo/:/transcode?url=/library/metadata/{id}/thumb/1",
    "/library/metadata/{id}/thumb/",
    "/library/metadata/0{id}/thumb/1700000000",  # the same number, not the same id
    "/library/metadata/{id}/thumb/1700000000\n",
])
def test_a_thumb_path_not_of_that_photo_is_refused_and_never_fetched(
    token_client, fake_plex, thumb
):
    garden, harbour = fake_plex.find("Garden"), fake_plex.find("Harbour at dawn")
    thumb = thumb.format(id=garden.rating_key, other=harbour.rating_key)

    response = token_client.get(url(garden, thumb=thumb))

    assert response.status_code == 422
    assert f"not a thumbnail of Plex photo {garden.rating_key}" in response.json()["detail"]
    assert fake_plex.requests == []
    assert list(thumbnails.thumbnail_dir().glob("*")) == []


def test_thumbnails_answer_api_clients_and_curators_only(client, fake_plex, plex_settings,
                                                         settings):
    settings.DOCENT_API_TOKEN = "api-token"
    garden = url(fake_plex.find("Garden"))

    assert client.get(garden).status_code == 401
    assert client.get(garden, HTTP_AUTHORIZATION="Bearer wrong").json() == {
        "detail": "Unauthorized"}
    client.force_login(staff_with())
    refused = client.get(garden)
    assert refused.status_code == 403
    assert "plexsource.view_plexphoto" in refused.json()["detail"]
    assert fake_plex.requests == []


def test_concurrent_first_requests_for_one_thumbnail_all_get_it_whole(fake_plex, plex_settings):
    fake_plex.slow_thumbnails = 0.3  # every request misses the cache, then all write at once
    for title in ("Garden", "Airport", "Passport"):  # small: the fake decodes them fast
        for size in (240, 480):
            results = load_at_once(fake_plex.find(title).rating_key, size, threads=12)
            assert len(set(results)) == 1, f"{title} at {size}: torn or missing"
            with Image.open(io.BytesIO(results[0])) as image:
                image.load()  # whole
    folder = thumbnails.thumbnail_dir()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def load_at_once(rating_key: str, size: int, *, threads: int) -> list[bytes]:
    start, results = threading.Barrier(threads), []

    def load():
        try:
            start.wait()
            thumbnail = thumbnails.plex_thumbnail(plex_metadata_id=rating_key, size=size)
            with thumbnails.plex_thumbnail_open(thumbnail=thumbnail) as answer:
                results.append(answer.read())
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            results.append(repr(exc))
        finally:
            connection.close()

    running = [threading.Thread(target=load) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(10)
    return results


def test_a_thumbnail_plex_places_on_another_server_is_refused(fake_plex, plex_settings):
    garden = fake_plex.find("Garden")
    garden.listed_thumb = "//192.0.2.1:32400/library/metadata/1/thumb/2"

    with pytest.raises(PlexOffServer):
        fetch(garden.rating_key)


def test_a_thumbnail_larger_than_the_cap_is_not_cached(fake_plex, plex_settings):
    fake_plex.thumbnail_padding = 2 * MAX_THUMBNAIL_BYTES

    with pytest.raises(PlexUnavailable, match="stopped reading"):
        fetch(fake_plex.find("Garden").rating_key)

    assert list(thumbnails.thumbnail_dir().glob("*")) == []  # none, not even a part


def fetch(rating_key: str, **kwargs) -> bytes:
    thumbnail = thumbnails.plex_thumbnail(plex_metadata_id=rating_key, **kwargs)
    with thumbnails.plex_thumbnail_open(thumbnail=thumbnail) as answer:
        return answer.read()
