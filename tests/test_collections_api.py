"""/api/collections and PUT /api/artwork/{id}/favourite, as a staff user and as the token."""

import pytest

from docentsite.artwork import collections
from docentsite.artwork.models import Artwork, Collection, Status
from tests.users import staff_with

pytestmark = pytest.mark.django_db

ALL = ("artwork.view_collection", "artwork.add_collection", "artwork.change_collection",
       "artwork.delete_collection", "artwork.view_artwork", "artwork.change_artwork")


@pytest.fixture
def api(client):
    client.force_login(staff_with(*ALL))

    def call(method, url, data=None):
        return getattr(client, method)(url, data, content_type="application/json")

    client.call = call
    return client


def pictures(*titles: str) -> list[Artwork]:
    return [Artwork.objects.create(title=title, status=Status.PREPARED) for title in titles]


def test_a_collection_is_made_listed_renamed_and_deleted(api):
    made = api.call("post", "/api/collections", {"name": " Summer "})
    assert made.status_code == 201, made.content
    summer = made.json()
    assert (summer["name"], summer["pictures"]) == ("Summer", 0)
    api.call("post", "/api/collections", {"name": "Family"})

    assert [c["name"] for c in api.call("get", "/api/collections").json()] == [
        "Family", "Summer"]
    renamed = api.call("patch", f"/api/collections/{summer['id']}", {"name": "Holidays"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Holidays"
    assert api.call("delete", f"/api/collections/{summer['id']}").status_code == 204
    assert api.call("get", f"/api/collections/{summer['id']}").status_code == 404
    assert list(Collection.objects.values_list("name", flat=True)) == ["Family"]


@pytest.mark.parametrize("payload", [{"name": "Summer"}, {"name": "summer "}, {"name": ""},
                                     {"name": "x" * 129}, {}])
def test_a_taken_empty_or_long_name_is_refused_with_422(api, payload):
    collections.collection_create(name="Summer")
    answer = api.call("post", "/api/collections", payload)
    assert answer.status_code == 422, answer.content
    assert Collection.objects.count() == 1


def test_artworks_are_added_and_removed_and_listed_by_collection(api):
    summer = collections.collection_create(name="Summer")
    beach, picnic, snow = pictures("Beach", "Picnic", "Snow")

    added = api.call("post", f"/api/collections/{summer.pk}/artworks",
                     {"artwork_ids": [beach.pk, picnic.pk]})
    again = api.call("post", f"/api/collections/{summer.pk}/artworks",
                     {"artwork_ids": [beach.pk]})

    assert added.status_code == 200, added.content
    assert added.json()["changed"] == 2 and added.json()["collection"]["pictures"] == 2
    assert again.json()["changed"] == 0
    listed = api.call("get", f"/api/artwork?collection={summer.pk}").json()["items"]
    assert {a["title"] for a in listed} == {"Beach", "Picnic"}
    assert api.call("get", f"/api/artwork/{beach.pk}").json()["collections"] == [summer.pk]

    removed = api.call("post", f"/api/collections/{summer.pk}/artworks/remove",
                       {"artwork_ids": [beach.pk, snow.pk]})
    assert removed.json()["changed"] == 1
    assert list(summer.artworks.all()) == [picnic]


def test_adding_an_unknown_artwork_adds_none_and_says_which(api):
    summer = collections.collection_create(name="Summer")
    [beach] = pictures("Beach")

    answer = api.call("post", f"/api/collections/{summer.pk}/artworks",
                      {"artwork_ids": [beach.pk, beach.pk + 5]})

    assert answer.status_code == 404
    assert answer.json()["detail"] == f"No artwork with id {beach.pk + 5}."
    assert not summer.artworks.exists()
    assert api.call("post", "/api/collections/999/artworks",
                    {"artwork_ids": [beach.pk]}).status_code == 404


def test_the_favourite_star_and_keep_by_api(api):
    [beach] = pictures("Beach")
    url = f"/api/artwork/{beach.pk}/favourite"

    kept = api.call("put", url, {"favourite": True, "keep": True})
    assert kept.status_code == 200
    assert (kept.json()["favourite"], kept.json()["keep"]) == (True, True)
    assert api.call("get", "/api/artwork?favourite=true").json()["count"] == 1

    refused = api.call("put", url, {"favourite": False, "keep": True})
    assert refused.status_code == 422
    beach.refresh_from_db()
    assert (beach.favourite, beach.keep) == (True, True)

    unstarred = api.call("put", url, {"favourite": False}).json()
    assert (unstarred["favourite"], unstarred["keep"]) == (False, False)
    assert api.call("put", "/api/artwork/999/favourite", {"favourite": True}).status_code == 404


@pytest.mark.parametrize(("method", "url", "payload", "needs"), [
    ("get", "/api/collections", None, "artwork.view_collection"),
    ("post", "/api/collections", {"name": "New"}, "artwork.add_collection"),
    ("patch", "/api/collections/{c}", {"name": "New"}, "artwork.change_collection"),
    ("delete", "/api/collections/{c}", None, "artwork.delete_collection"),
    ("post", "/api/collections/{c}/artworks", {"artwork_ids": ["{a}"]},
     "artwork.change_collection"),
    ("post", "/api/collections/{c}/artworks/remove", {"artwork_ids": ["{a}"]},
     "artwork.change_collection"),
    ("put", "/api/artwork/{a}/favourite", {"favourite": True}, "artwork.change_artwork"),
])
def test_each_route_needs_its_permission(client, method, url, payload, needs):
    summer = collections.collection_create(name="Summer")
    [beach] = pictures("Beach")
    client.force_login(staff_with(*(perm for perm in ALL if perm != needs)))
    url = url.format(c=summer.pk, a=beach.pk)
    if payload and "artwork_ids" in payload:
        payload = {"artwork_ids": [beach.pk]}

    answer = getattr(client, method)(url, payload, content_type="application/json")

    assert answer.status_code == 403, answer.content
    assert needs in answer.json()["detail"]
    assert Collection.objects.get().name == "Summer" and not summer.artworks.exists()
    assert not Artwork.objects.get(pk=beach.pk).favourite


def test_the_api_token_may_use_them(client, settings):
    settings.DOCENT_API_TOKEN = "s3cret-token-for-tests"
    answer = client.post("/api/collections", {"name": "Summer"},
                         content_type="application/json",
                         headers={"Authorization": "Bearer s3cret-token-for-tests"})
    assert answer.status_code == 201


def test_the_routes_are_in_the_openapi_docs(admin_client):
    paths = admin_client.get("/api/openapi.json").json()["paths"]
    assert {"/api/collections", "/api/collections/{collection_id}",
            "/api/collections/{collection_id}/artworks",
            "/api/collections/{collection_id}/artworks/remove",
            "/api/artwork/{artwork_id}/favourite"} <= set(paths)
    assert set(paths["/api/collections"]) == {"get", "post"}
