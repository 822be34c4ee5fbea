"""GET /api/plex/libraries/{id} and /api/plex/libraries read the database and write
nothing: a fixed, small number of queries, whatever the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus
from plexsource import services
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary, PlexPhoto
from tests.users import staff_with

pytestmark = pytest.mark.django_db

TOKEN = "browse-test-token-" + "x" * 24


@pytest.fixture
def bearer(settings, plex_settings):
    settings.DOCENT_API_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def photos():
    return next(row for row in services.plex_libraries_refresh() if row.title == "Photos")


def get(client, url, **headers):
    """The answer and the SQL it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"] for query in queries]


def reads_only(queries):
    return all(sql.lstrip().upper().startswith("SELECT") for sql in queries)


def test_a_page_with_the_api_token_costs_one_query_once_the_library_is_known(
        client, bearer, photos):
    url = f"/api/plex/libraries/{photos.pk}"
    _page, first = get(client, url, **bearer)
    page, again = get(client, url, **bearer)

    assert len(first) == 2  # the library, then the page's import states
    assert len(again) == 1 and reads_only(first + again)
    assert [item["title"] for item in page["items"]] == ["Harbour at dawn", "Travel", "Family"]


def test_a_page_with_a_session_costs_three_queries(client, bearer, photos, admin_user):
    client.force_login(admin_user)
    url = f"/api/plex/libraries/{photos.pk}"
    get(client, url)

    _page, queries = get(client, url)

    # The session, its user, the page's import states.
    assert len(queries) == 3 and reads_only(queries)


def test_a_curators_session_adds_only_the_permission_lookups(client, bearer, photos):
    client.force_login(staff_with(*PLEX_BROWSE))
    url = f"/api/plex/libraries/{photos.pk}"
    get(client, url)

    _page, queries = get(client, url)

    assert len(queries) == 5 and reads_only(queries)  # + the user's and groups' permissions


def test_an_album_page_costs_the_same_one_query(client, bearer, photos, fake_plex):
    mexico = fake_plex.find("Mexico").rating_key
    get(client, f"/api/plex/libraries/{photos.pk}?album={mexico}", **bearer)

    page, queries = get(client, f"/api/plex/libraries/{photos.pk}?album={mexico}", **bearer)

    assert len(queries) == 1 and reads_only(queries)
    assert [crumb["title"] for crumb in page["album"]["path"]] == [
        "Photos", "Travel", "2019", "Mexico"]


def test_a_page_of_imported_and_removed_photos_costs_no_more(
        client, bearer, photos, fake_plex):
    """Import states of every kind on one page: still one query, and each shown right."""
    section = fake_plex.add_synthetic_section("Archive", 300)
    archive = next(row for row in services.plex_libraries_refresh() if row.title == "Archive")
    keys = [str(section.base + index) for index in range(200)]
    tv, now = TV.objects.create(name="Frame", host="192.0.2.1"), timezone.now()
    for number, key in enumerate(keys[:60]):
        artwork = Artwork.objects.create(title=key, source_ref=key)
        ImportRecord.objects.create(
            plex_metadata_id=key, artwork=artwork, requested_at=now, finished_at=now,
            status=ImportStatus.DONE if number % 2 else ImportStatus.FAILED)
        if number % 4 == 1:  # imported, then taken off the TV
            Placement.objects.create(artwork=artwork, tv=tv, status=PlacementStatus.REMOVED)
    small_url = f"/api/plex/libraries/{archive.pk}?page_size=5"
    big_url = f"/api/plex/libraries/{archive.pk}?page_size=200"
    get(client, small_url, **bearer)

    _small, few = get(client, small_url, **bearer)
    big, many = get(client, big_url, **bearer)

    assert len(few) == len(many) == 1
    states = [item["import_status"] for item in big["items"]]
    assert states[:4] == ["failed", "removed", "failed", "done"]
    assert states[60:] == [None] * 140
    assert [item["imported"] for item in big["items"][:4]] == [False, False, False, True]


def test_browsing_remembers_no_photo(client, bearer, photos, fake_plex):
    get(client, f"/api/plex/libraries/{photos.pk}", **bearer)
    for album in ("Mexico", "Family"):
        album_key = fake_plex.find(album).rating_key
        get(client, f"/api/plex/libraries/{photos.pk}?album={album_key}", **bearer)

    assert not PlexPhoto.objects.exists()


def test_the_library_list_reads_the_rows_and_asks_plex_nothing(
        client, bearer, photos, fake_plex):
    PlexLibrary.objects.filter(pk=photos.pk).update(photo_count=1234)
    fake_plex.clear_records()

    libraries, queries = get(client, "/api/plex/libraries", **bearer)

    assert libraries == [{"id": photos.pk, "title": "Photos", "photo_count": 1234}]
    assert len(queries) == 1 and reads_only(queries)
    assert fake_plex.requests == []


def test_the_library_list_asks_plex_when_docent_has_never_seen_a_library(
        client, bearer, fake_plex):
    libraries, _queries = get(client, "/api/plex/libraries", **bearer)

    assert [library["title"] for library in libraries] == ["Photos"]
    assert PlexLibrary.objects.count() == 1
