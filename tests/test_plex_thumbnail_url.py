"""thumbnail_url: Docent's route for a thumbnail, the Plex thumb path in `t`, signed in
`s`, every part quoted, and the site's script prefix honoured; resolved once, not once
an item."""

from urllib.parse import parse_qs, urlsplit

from django.urls import clear_script_prefix, resolve, set_script_prefix

from docentsite import signedurls
from plexsource.services import thumbnail_url
from plexsource.thumbnails import signed_as


def test_a_photo_with_a_thumb_carries_its_plex_path_signed():
    thumb = "/library/metadata/123/thumb/1700000000"
    url = thumbnail_url("123", thumb)

    path, _, query = url.partition("?")
    t, _, s = query.partition("&")
    assert path == "/api/plex/thumbnails/123"
    assert t == "t=%2Flibrary%2Fmetadata%2F123%2Fthumb%2F1700000000"
    assert s.startswith("s=") and signedurls.is_valid(s[2:], *signed_as("123", thumb))
    assert resolve(path).kwargs == {"plex_metadata_id": "123"}


def test_a_photo_without_a_thumb_has_no_t_and_no_signature():
    # The admin's lists, which another permission opens: the session answers for them.
    assert thumbnail_url("123") == thumbnail_url("123", "") == "/api/plex/thumbnails/123"


def test_odd_ids_and_paths_are_quoted_whole():
    url = thumbnail_url("a b/ü", "/x y/thumb?X-Plex-Token=no&t=1")

    path, query = urlsplit(url).path, urlsplit(url).query
    assert path == "/api/plex/thumbnails/a%20b%2F%C3%BC"
    (t,), (s,) = parse_qs(query)["t"], parse_qs(query)["s"]
    assert t == "/x y/thumb?X-Plex-Token=no&t=1"
    assert signedurls.is_valid(s, *signed_as("a b/ü", t))


def test_the_script_prefix_of_a_site_under_a_path_is_honoured():
    set_script_prefix("/docent/")
    try:
        assert thumbnail_url("7") == "/docent/api/plex/thumbnails/7"
    finally:
        clear_script_prefix()
    assert thumbnail_url("7") == "/api/plex/thumbnails/7"
