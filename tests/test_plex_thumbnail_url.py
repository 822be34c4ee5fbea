"""thumbnail_url: Docent's route for a thumbnail, the Plex thumb path in `t`, every part
quoted, and the site's script prefix honoured; resolved once, not once an item."""

from urllib.parse import parse_qs, urlsplit

from django.urls import clear_script_prefix, resolve, set_script_prefix

from plexsource.services import thumbnail_url


def test_a_photo_with_a_thumb_carries_its_plex_path():
    url = thumbnail_url("123", "/library/metadata/123/thumb/1700000000")

    assert url == "/api/plex/thumbnails/123?t=%2Flibrary%2Fmetadata%2F123%2Fthumb%2F1700000000"
    assert resolve(urlsplit(url).path).kwargs == {"plex_metadata_id": "123"}


def test_a_photo_without_a_thumb_has_no_t():
    assert thumbnail_url("123") == thumbnail_url("123", "") == "/api/plex/thumbnails/123"


def test_odd_ids_and_paths_are_quoted_whole():
    url = thumbnail_url("a b/ü", "/x y/thumb?X-Plex-Token=no&t=1")

    path, query = urlsplit(url).path, urlsplit(url).query
    assert path == "/api/plex/thumbnails/a%20b%2F%C3%BC"
    assert parse_qs(query) == {"t": ["/x y/thumb?X-Plex-Token=no&t=1"]}


def test_the_script_prefix_of_a_site_under_a_path_is_honoured():
    set_script_prefix("/docent/")
    try:
        assert thumbnail_url("7") == "/docent/api/plex/thumbnails/7"
    finally:
        clear_script_prefix()
    assert thumbnail_url("7") == "/api/plex/thumbnails/7"
