"""PATCH /api/tvs/{id}: a TV's capacity, rotation when full, name and mattes changed by
API; only the fields given; bad values 422 with nothing changed; .env's own stays."""

import pytest

from docentsite.artwork import tvs
from docentsite.artwork.models import TV
from tests.users import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, worker_env):
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv"))

    def patch(tv, data):
        return client.patch(f"/api/tvs/{tv.pk}", data, content_type="application/json")

    client.patch_tv = patch
    return client


@pytest.fixture
def den(db):
    return tvs.tv_create(name="Den", host="10.0.0.9", capacity=60)


def test_capacity_and_rotation_change_and_nothing_else(api, den):
    response = api.patch_tv(den, {"capacity": 40, "make_room": True})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["capacity"], body["make_room"], body["name"]) == (40, True, "Den")
    den.refresh_from_db()
    assert (den.capacity, den.make_room, den.host, den.matte) == (40, True, "10.0.0.9", "none")


def test_null_capacity_means_no_limit_and_null_portrait_matte_the_same_matte(api, den):
    TV.objects.filter(pk=den.pk).update(portrait_matte="flexible_polar")

    body = api.patch_tv(den, {"capacity": None, "portrait_matte": None,
                              "name": " Study ", "matte": "shadowbox_polar"}).json()

    assert (body["capacity"], body["portrait_matte"]) == (None, "")
    assert (body["name"], body["matte"]) == ("Study", "shadowbox_polar")


@pytest.mark.parametrize(("payload", "says"), [
    ({"capacity": 0}, "capacity"),
    ({"capacity": "lots"}, "capacity"),
    ({"make_room": None}, '"make_room"]'),
    ({"name": None}, '"name"]'),
    ({"name": ""}, "name"),
    ({"matte": "<b>"}, "matte"),
    ({"port": 70000}, "port"),
    ({"name": "frame"}, "There is already a TV called 'frame'."),
])
def test_a_bad_value_is_422_and_changes_nothing(api, den, payload, says):
    tvs.tv_default()  # "Frame", from .env

    response = api.patch_tv(den, {"make_room": True, **payload})

    assert response.status_code == 422, response.content
    assert says in response.content.decode()
    den.refresh_from_db()
    assert (den.name, den.capacity, den.make_room) == ("Den", 60, False)


def test_what_env_sets_stays_but_its_capacity_may_change(api, settings):
    frame = tvs.tv_default()

    refused = api.patch_tv(frame, {"name": "Hall", "capacity": 30})
    allowed = api.patch_tv(frame, {"capacity": 30, "make_room": True})

    assert refused.status_code == 422
    assert "set in .env: change its name there" in refused.json()["detail"]
    assert allowed.status_code == 200 and allowed.json()["capacity"] == 30


def test_patching_needs_the_change_permission_and_an_existing_tv(client, worker_env, den):
    client.force_login(staff_with("artwork.view_tv", username="viewer"))
    denied = client.patch(f"/api/tvs/{den.pk}", {"capacity": 5},
                          content_type="application/json")
    assert denied.status_code == 403
    assert TV.objects.get(pk=den.pk).capacity == 60
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv", username="owner"))
    assert client.patch("/api/tvs/999", {"capacity": 5},
                        content_type="application/json").status_code == 404
