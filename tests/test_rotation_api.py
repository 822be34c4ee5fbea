"""PUT/PATCH /api/tvs/{id}/rotation, POST /api/tvs/{id}/rotate and the rotation in
GET /api/tvs/{id}, against the fake TV, as a staff user."""

import pytest

from docentsite.artwork import collections
from docentsite.artwork.models import Artwork, Placement, PlacementStatus, RotationRun
from tests.users import staff_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def api(client, tv):
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv"))

    def call(method, url, data=None):
        return getattr(client, method)(url, data, content_type="application/json")

    client.call = call
    return client


@pytest.fixture
def favourites(make_artwork, make_jpeg):
    made = [make_artwork(make_jpeg(200 + n, 120), title=f"Favourite {n}") for n in range(4)]
    Artwork.objects.update(favourite=True)
    return made


def test_a_rotation_set_by_put_is_in_the_tvs_detail(api, tv):
    response = api.call("put", f"/api/tvs/{tv.pk}/rotation",
                        {"keep": 3, "change": 1, "every": "day", "at": "08:00"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["keep"], body["change"], body["every"], body["at"]) == (3, 1, "day", "08:00")
    assert (body["pool"], body["no_repeat_days"], body["show_new"]) == ("favourites", 30, False)
    assert body["summary"].startswith("Rotates 1 picture every day at 08:00 · next ")
    detail = api.call("get", f"/api/tvs/{tv.pk}").json()
    assert detail["rotation"] == body and detail["rotation_runs"] == []


def test_put_with_little_given_rotates_two_favourites_every_day_at_eight(api, tv):
    body = api.call("put", f"/api/tvs/{tv.pk}/rotation", {"keep": 40}).json()

    assert (body["pool"], body["keep"], body["change"]) == ("favourites", 40, 2)
    assert (body["every"], body["at"], body["hours"], body["weekday"]) == (
        "day", "08:00", None, None)


def test_patch_changes_only_what_it_names(api, tv):
    api.call("put", f"/api/tvs/{tv.pk}/rotation", {"keep": 3, "every": "day", "at": "08:00"})

    response = api.call("patch", f"/api/tvs/{tv.pk}/rotation",
                        {"every": "hours", "hours": 6})

    body = response.json()
    assert response.status_code == 200, body
    assert (body["keep"], body["every"], body["hours"], body["at"]) == (3, "hours", 6, None)


def test_a_collection_pool_is_named_by_name_or_id(api, tv):
    summer = collections.collection_create(name="Summer")

    by_name = api.call("put", f"/api/tvs/{tv.pk}/rotation",
                       {"pool": "collection", "collection": "summer", "at": "08:00"})
    missing = api.call("put", f"/api/tvs/{tv.pk}/rotation",
                       {"pool": "collection", "collection": summer.pk + 99, "at": "08:00"})

    assert by_name.json()["collection_id"] == summer.pk
    assert by_name.json()["collection"] == "Summer"
    assert missing.status_code == 404


@pytest.mark.parametrize(("payload", "says"), [
    ({"pool": "collection", "at": "08:00"}, "Choose the collection the pictures come from."),
    ({"every": "week", "at": "08:00"}, "every week a day and a time"),
    ({"every": "day", "at": None}, "every day a time"),
    ({"keep": 0, "at": "08:00"}, "keep"),
    ({"every": "fortnight", "at": "08:00"}, "every"),
])
def test_settings_that_do_not_fit_are_refused_with_422(api, tv, payload, says):
    response = api.call("put", f"/api/tvs/{tv.pk}/rotation", payload)

    assert response.status_code == 422
    assert says in response.content.decode()


def test_a_dry_run_says_what_a_run_would_do_and_the_run_does_it(api, tv, fake_tv, favourites):
    api.call("put", f"/api/tvs/{tv.pk}/rotation", {"keep": 2, "at": "08:00"})

    dry = api.call("post", f"/api/tvs/{tv.pk}/rotate?dry_run=true")

    body = dry.json()
    assert dry.status_code == 200, body
    assert body["dry_run"] is True and body["outcome"] is None and len(body["add"]) == 2
    assert body["detail"] == "Would add 2 pictures and remove 0 pictures on Frame."
    assert not fake_tv.photos and not RotationRun.objects.exists()

    ran = api.call("post", f"/api/tvs/{tv.pk}/rotate?dry_run=false")

    body = ran.json()
    assert ran.status_code == 200, body
    assert body["outcome"] == "done" and [p["artwork_id"] for p in body["add"]] == [
        p["artwork_id"] for p in dry.json()["add"]]
    assert len(fake_tv.photos) == 2
    assert Placement.objects.filter(status=PlacementStatus.ON_TV).count() == 2
    runs = api.call("get", f"/api/tvs/{tv.pk}").json()["rotation_runs"]
    assert [(r["outcome"], r["trigger"], len(r["added"])) for r in runs] == [("done", "now", 2)]


def test_a_tv_that_is_off_answers_503_and_the_skip_is_in_the_history(api, tv, fake_tv):
    api.call("put", f"/api/tvs/{tv.pk}/rotation", {"keep": 2, "at": "08:00"})
    fake_tv.stop()

    response = api.call("post", f"/api/tvs/{tv.pk}/rotate")

    assert response.status_code == 503
    assert response.json()["detail"].startswith("Skipped: TV off")
    assert RotationRun.objects.get().outcome == "skipped"


def test_a_run_while_another_runs_answers_409(api, tv):
    api.call("put", f"/api/tvs/{tv.pk}/rotation", {"keep": 2, "at": "08:00"})
    RotationRun.objects.create(tv=tv)

    response = api.call("post", f"/api/tvs/{tv.pk}/rotate")

    assert response.status_code == 409 and "is running now" in response.json()["detail"]


def test_a_tv_without_rotation_answers_422_and_an_unknown_tv_404(api, tv):
    assert api.call("post", f"/api/tvs/{tv.pk}/rotate").status_code == 422
    assert api.call("post", f"/api/tvs/{tv.pk + 9}/rotate").status_code == 404


def test_setting_a_rotation_needs_change_tv(client, tv):
    client.force_login(staff_with("artwork.view_tv"))

    response = client.put(f"/api/tvs/{tv.pk}/rotation", {"at": "08:00"},
                          content_type="application/json")

    assert response.status_code == 403 and "artwork.change_tv" in response.content.decode()


def test_the_routes_are_in_the_openapi_docs(admin_client):
    paths = admin_client.get("/api/openapi.json").json()["paths"]

    assert set(paths["/api/tvs/{tv_id}/rotation"]) == {"put", "patch"}
    rotate = paths["/api/tvs/{tv_id}/rotate"]["post"]
    assert {"200", "404", "409", "422", "503"} <= set(rotate["responses"])
    assert "dry_run" in {p["name"] for p in rotate["parameters"]}
