"""Importing from Plex into a collection: POST /api/plex/import with `collection`, and
import_plex --collection, against the fake Plex."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from docentsite.artwork import collections
from docentsite.artwork.models import Collection, Placement, PlacementStatus
from plexsource import services
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import ImportRecord, ImportStatus
from tests.users import staff_with

pytestmark = pytest.mark.django_db

COLLECTING = ("artwork.change_collection", "artwork.add_collection")


@pytest.fixture
def api(client, plex_settings):
    def call(data, *perms):
        client.force_login(staff_with(*PLEX_BROWSE, *perms))
        return client.post("/api/plex/import", data, content_type="application/json")

    return call


def imported_before(rating_key: str) -> None:
    """As a finished import leaves it: done, its picture on the TV."""
    record = ImportRecord.objects.get(plex_metadata_id=rating_key)
    ImportRecord.objects.filter(pk=record.pk).update(status=ImportStatus.DONE,
                                                     finished_at=timezone.now())
    Placement.objects.filter(artwork=record.artwork).update(
        status=PlacementStatus.ON_TV, content_id=f"MY_F{rating_key}")


def titles(name: str) -> set[str]:
    return set(Collection.objects.get(name=name).artworks.values_list("title", flat=True))


def test_new_photos_and_those_imported_before_join_the_collection(api, fake_plex, chains):
    harbour, garden = fake_plex.find("Harbour at dawn"), fake_plex.find("Garden")
    api({"plex_metadata_ids": [harbour.rating_key]}, *COLLECTING)
    imported_before(harbour.rating_key)

    answer = api({"plex_metadata_ids": [harbour.rating_key, garden.rating_key, "999999"],
                  "collection": "Holidays"}, *COLLECTING)

    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["queued"] == [garden.rating_key]
    assert [s["plex_metadata_id"] for s in body["skipped"]] == [harbour.rating_key]
    assert (body["collection"], body["added_to_collection"]) == ("Holidays", 2)
    assert titles("Holidays") == {"Harbour at dawn", "Garden"}
    # The one imported before is not imported again.
    assert ImportRecord.objects.get(plex_metadata_id=harbour.rating_key).status == "done"


def test_an_existing_collection_is_found_by_name_whatever_the_case(api, fake_plex, chains):
    summer = collections.collection_create(name="Summer")
    garden = fake_plex.find("Garden").rating_key

    body = api({"plex_metadata_ids": [garden], "collection": "summer"},
               "artwork.change_collection").json()

    assert body["collection"] == "Summer" and Collection.objects.get() == summer
    assert titles("Summer") == {"Garden"}


def test_without_the_collection_permissions_nothing_is_imported(api, fake_plex, chains):
    collections.collection_create(name="Summer")
    garden = fake_plex.find("Garden").rating_key

    no_change = api({"plex_metadata_ids": [garden], "collection": "Summer"})
    no_add = api({"plex_metadata_ids": [garden], "collection": "Winter"},
                 "artwork.change_collection")

    assert no_change.status_code == 403 and "artwork.change_collection" in no_change.json()[
        "detail"]
    assert no_add.status_code == 403 and "artwork.add_collection" in no_add.json()["detail"]
    assert not ImportRecord.objects.exists()
    assert list(Collection.objects.values_list("name", flat=True)) == ["Summer"]


def test_no_collection_is_made_without_a_name(api, fake_plex, chains):
    garden = fake_plex.find("Garden").rating_key
    body = api({"plex_metadata_ids": [garden]}).json()
    assert (body["collection"], body["added_to_collection"]) == (None, 0)
    assert not Collection.objects.exists()


def test_the_command_imports_into_a_collection(plex_settings, fake_plex, chains, capsys,
                                               monkeypatch):
    from plexsource import services

    monkeypatch.setattr(services, "plex_workers_running", lambda: True)
    garden = fake_plex.find("Garden").rating_key

    call_command("import_plex", "--ids", garden, "--collection", "Garden things")

    assert titles("Garden things") == {"Garden"}
    assert "Put 1 in the collection “Garden things”" in capsys.readouterr().out


def test_a_whole_album_nested_albums_included_goes_into_a_collection(api, fake_plex, chains):
    """The browse page's "Import the whole album": every photo not imported yet, no clip."""
    library = services.plex_libraries_refresh()[0]
    airport = fake_plex.find("Airport").rating_key
    api({"plex_metadata_ids": [airport]}, *COLLECTING)
    imported_before(airport)

    answer = api({"album": fake_plex.find("Travel").rating_key, "container": library.pk,
                  "top": False, "collection": "Travel"}, *COLLECTING)

    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert sorted(body["queued"]) == sorted(fake_plex.find(title).rating_key for title in (
        "Passport", "Oaxaca portrait", "Tulum panorama", "Cenote"))
    assert [s["plex_metadata_id"] for s in body["skipped"]] == [airport]
    assert titles("Travel") == {"Passport", "Airport", "Oaxaca portrait", "Tulum panorama",
                                "Cenote"}


def test_a_whole_library_is_not_imported_at_a_click(api, fake_plex, chains):
    library = services.plex_libraries_refresh()[0]

    at_top = api({"album": str(library.pk), "container": library.pk, "top": True})
    neither = api({"collection": "Travel"})

    assert at_top.status_code == 422 and "Open an album first" in at_top.json()["detail"]
    assert neither.status_code == 422
    assert not ImportRecord.objects.exists()


def test_an_import_can_say_how_its_photos_are_framed_and_one_imported_before_keeps_its_own(
        api, fake_plex, chains):
    harbour, garden = fake_plex.find("Harbour at dawn"), fake_plex.find("Garden")
    api({"plex_metadata_ids": [harbour.rating_key]})
    imported_before(harbour.rating_key)

    answer = api({"plex_metadata_ids": [harbour.rating_key, garden.rating_key],
                  "framing": "as_is"})

    assert answer.status_code == 202
    framings = dict(ImportRecord.objects.values_list("plex_metadata_id", "artwork__framing"))
    assert framings == {harbour.rating_key: None, garden.rating_key: "as_is"}
