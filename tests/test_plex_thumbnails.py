"""Thumbnails through Docent: cached on disk, fetched with a short time-out and a
size cap, and whole when the grid's first load asks for one several times at once."""

import io
import threading

import pytest
from django.db import connection
from PIL import Image

from plexsource import thumbnails
from plexsource.client import MAX_THUMBNAIL_BYTES, PlexOffServer, PlexUnavailable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DOCENT_DATA_DIR = tmp_path


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
