"""/api/plex/* answers odd input with a 4xx and a message, never a 500."""

import pytest

from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord
from tests.users import staff_with

pytestmark = pytest.mark.django_db

HUGE = 10**20


@pytest.fixture
def staff(client, plex_settings):
    client.force_login(staff_with(*PLEX_BROWSE))
    return client


@pytest.fixture
def library(staff) -> int:
    return staff.get("/api/plex/libraries").json()[0]["id"]


def assert_refused_in_words(response) -> None:
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response.json()["detail"]


@pytest.mark.parametrize("url", [
    f"/api/plex/libraries/{HUGE}",
    "/api/plex/libraries/{library}?page=" + str(HUGE),
    "/api/plex/libraries/{library}?page=0",
    "/api/plex/libraries/{library}?page_size=" + str(HUGE),
    "/api/plex/libraries/{library}?page_size=-1",
    "/api/plex/libraries/{library}?album=%00",
    "/api/plex/libraries/{library}?album=" + "7" * 65,
    f"/api/plex/imports?page={HUGE}",
    f"/api/plex/imports?page_size={HUGE}",
    "/api/plex/imports?plex_metadata_id=%1f",
    f"/api/plex/imports/{HUGE}",
    f"/api/plex/thumbnails/1?size={HUGE}",
    "/api/plex/thumbnails/%7f",
])
def test_odd_query_and_path_values_are_refused_in_words(staff, library, url):
    assert_refused_in_words(staff.get(url.format(library=library)))


@pytest.mark.parametrize("ids", [[""], ["  "], ["1" * 65], ["\x00"], [None], [1.5], []])
def test_an_import_batch_with_an_odd_id_is_refused_whole(staff, fake_plex, chains, ids):
    garden = fake_plex.find("Garden").rating_key

    response = staff.post("/api/plex/import", {"plex_metadata_ids": [garden, *ids]},
                          content_type="application/json")

    if ids:
        assert_refused_in_words(response)
        assert not ImportRecord.objects.exists() and chains == []  # no half of a batch
    else:
        assert response.status_code == 202


def test_an_id_plex_normalises_imports_and_browses(staff, library, fake_plex, chains):
    garden, travel = fake_plex.find("Garden").rating_key, fake_plex.find("Travel").rating_key

    imported = staff.post("/api/plex/import", {"plex_metadata_ids": ["0" + garden]},
                          content_type="application/json")
    page = staff.get(f"/api/plex/libraries/{library}?album=0{travel}")
    thumbnail = staff.get(f"/api/plex/thumbnails/0{garden}")

    assert imported.status_code == 202 and imported.json()["queued"] == [garden]
    assert page.status_code == 200 and page.json()["album"]["id"] == travel
    assert thumbnail.status_code == 200


@pytest.mark.parametrize("thumb", ["not a path", "http://192.0.2.1/x", "//192.0.2.1/x", ""])
def test_a_plex_thumb_that_is_not_a_path_on_plex_answers_4xx(staff, library, fake_plex, thumb):
    garden = fake_plex.find("Garden")
    garden.listed_thumb = thumb
    staff.get(f"/api/plex/libraries/{library}?album={garden.parent.rating_key}")

    assert_refused_in_words(staff.get(f"/api/plex/thumbnails/{garden.rating_key}"))
