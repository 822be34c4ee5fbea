"""/api/tvs and /api/artwork/{id}/place, against two fake TVs, as a staff user."""

import pytest

from docentsite.artwork import tvs
from docentsite.artwork.models import TV, Placement, PlacementStatus
from tests.two_tvs import frame
from tests.users import staff_with

pytestmark = pytest.mark.django_db

TV_PERMS = ("artwork.view_tv", "artwork.add_tv", "artwork.pair_tv",
            "artwork.view_artwork", "artwork.change_artwork")


@pytest.fixture
def api(client, worker_env):
    """GET/POST as staff with the TV permissions; every body is kept for the token check."""
    client.force_login(staff_with(*TV_PERMS))
    client.bodies = []

    def call(method, url, data=None):
        response = getattr(client, method)(url, data, content_type="application/json")
        client.bodies.append(response.content)
        return response

    client.call = call
    return client


def tokens(*rows: TV) -> list[bytes]:
    return [row.token_path.read_bytes().strip() for row in rows if row.token_path.exists()]


def test_a_tv_added_by_api_is_listed_beside_the_env_one(api, fake_den, fake_tv):
    response = api.call("post", "/api/tvs",
                        {"name": "Bedroom", "host": fake_den.host, "port": fake_den.port})

    assert response.status_code == 201, response.content
    added = response.json()
    assert added["name"] == "Bedroom" and added["port"] == fake_den.port
    assert (added["enabled"], added["from_env"], added["paired"]) == (True, False, False)
    assert added["matte"] == "none" and added["portrait_matte"] == ""
    assert added["placements"] == {s: 0 for s in PlacementStatus.values}
    listed = api.call("get", "/api/tvs").json()
    assert [(t["name"], t["host"], t["port"], t["from_env"]) for t in listed] == [
        ("Frame", fake_tv.host, fake_tv.port, True),
        ("Bedroom", fake_den.host, fake_den.port, False),
    ]
    detail = api.call("get", f"/api/tvs/{added['id']}").json()
    assert (detail.pop("rotation"), detail.pop("rotation_runs")) == (None, [])
    assert detail == added


@pytest.mark.parametrize(("payload", "says"), [
    ({"name": "frame", "host": "10.0.0.9"}, "There is already a TV called 'frame'."),
    ({"name": "Bedroom"}, "host"),
    ({"name": "Bedroom", "host": "  "}, "host"),
    ({"name": "Bedroom", "host": "10.0.0.9", "port": 0}, "port"),
    ({"name": "Bedroom", "host": "10.0.0.9", "matte": "<b>"}, "matte"),
])
def test_a_duplicate_name_or_a_bad_field_is_refused_with_422(api, payload, says):
    tvs.tv_default()  # "Frame", from .env

    response = api.call("post", "/api/tvs", payload)

    assert response.status_code == 422, response.content
    assert says in response.content.decode()
    assert TV.objects.count() == 1


def test_a_tv_on_the_plain_port_needs_no_pairing(api):
    added = api.call("post", "/api/tvs", {"name": "Old Frame", "host": "10.0.0.9", "port": 8001})

    assert added.status_code == 201 and added.json()["paired"] is True


def test_an_unknown_tv_is_404(api):
    assert api.call("get", "/api/tvs/999").status_code == 404
    assert api.call("post", "/api/tvs/999/pair").status_code == 404


def test_pairing_a_tv_by_api_stores_its_token_and_learns_the_model(api, fake_den):
    added = api.call("post", "/api/tvs",
                     {"name": "Bedroom", "host": fake_den.host, "port": fake_den.port}).json()
    row = TV.objects.get(pk=added["id"])
    row.token_path.unlink(missing_ok=True)  # a token of an earlier test's TV with this id

    response = api.call("post", f"/api/tvs/{row.pk}/pair?wait=3")

    try:
        assert response.status_code == 200, response.content
        assert response.json() == {"detail": "Paired: Bedroom allowed Docent, and remembers it."}
        assert fake_den.prompts  # the owner was asked, on the TV
        shown = api.call("get", f"/api/tvs/{row.pk}").json()
        assert shown["paired"] is True and shown["model"] == "QE55LS03BAUXXU"  # modelName
        assert shown["last_seen_at"] is not None and shown["art_api_version"]
        (token,) = tokens(row)
        assert all(token not in body for body in api.bodies)
    finally:
        row.token_path.unlink(missing_ok=True)


def test_pairing_nobody_allows_is_202_and_a_tv_that_is_off_is_503(api, fake_den):
    added = api.call("post", "/api/tvs",
                     {"name": "Bedroom", "host": fake_den.host, "port": fake_den.port}).json()
    row = TV.objects.get(pk=added["id"])
    row.token_path.unlink(missing_ok=True)
    fake_den.pairing = "pending"

    try:
        waiting = api.call("post", f"/api/tvs/{row.pk}/pair?wait=2")
        fake_den.stop()
        off = api.call("post", f"/api/tvs/{row.pk}/pair?wait=2")
    finally:
        row.token_path.unlink(missing_ok=True)
        row.token_path.with_name(f"{row.token_path.name}.asked").unlink(missing_ok=True)

    assert waiting.status_code == 202, waiting.content
    assert waiting.json()["detail"].startswith(
        "Bedroom is asking whether to allow Docent: press Allow on the TV")
    assert off.status_code == 503, off.content
    assert off.json()["detail"].startswith("Bedroom was not reached: ")
    assert api.call("get", f"/api/tvs/{row.pk}").json()["paired"] is False


def test_pairing_refused_on_the_tv_is_409(api, fake_den):
    added = api.call("post", "/api/tvs",
                     {"name": "Bedroom", "host": fake_den.host, "port": fake_den.port}).json()
    row = TV.objects.get(pk=added["id"])
    row.token_path.unlink(missing_ok=True)
    fake_den.pairing = "deny"

    try:
        denied = api.call("post", f"/api/tvs/{row.pk}/pair?wait=2")
    finally:
        row.token_path.unlink(missing_ok=True)

    assert denied.status_code == 409, denied.content
    assert "refused Docent (someone pressed Deny)" in denied.json()["detail"]


def test_place_queues_the_picture_for_the_tvs_named_and_the_list_counts_it(
    api, den, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)

    response = api.call("post", f"/api/artwork/{artwork.pk}/place", {"tvs": ["den", frame().pk]})

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["detail"] == "Queued for Den, Frame." and body["queued"] == 2
    assert [(p["tv"], p["status"]) for p in body["placements"]] == [
        ("Frame", "queued"), ("Den", "queued")]
    counts = {t["name"]: t["placements"] for t in api.call("get", "/api/tvs").json()}
    assert counts["Den"]["queued"] == 1 and counts["Frame"]["queued"] == 1
    assert sum(counts["Den"].values()) == 1

    again = api.call("post", f"/api/artwork/{artwork.pk}/place", {"tvs": ["Den"]}).json()
    assert again["queued"] == 0
    assert again["detail"] == "Nothing queued: Den already have it or are getting it."
    assert Placement.objects.filter(artwork=artwork).count() == 2


def test_place_with_no_tvs_named_goes_to_the_default_tv(api, den, make_artwork, jpeg):
    artwork = make_artwork(jpeg)

    body = api.call("post", f"/api/artwork/{artwork.pk}/place", {}).json()

    assert body["queued"] == 1 and [p["tv"] for p in body["placements"]] == ["Frame"]


def test_place_on_an_unknown_or_disabled_tv_queues_nothing(api, den, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    TV.objects.filter(pk=den.pk).update(enabled=False)

    unknown = api.call("post", f"/api/artwork/{artwork.pk}/place", {"tvs": ["Attic"]})
    disabled = api.call("post", f"/api/artwork/{artwork.pk}/place", {"tvs": ["Frame", "Den"]})
    missing = api.call("post", "/api/artwork/99999/place", {"tvs": ["Frame"]})

    assert unknown.status_code == 404 and "There is no TV called 'Attic'" in unknown.json()[
        "detail"]
    assert disabled.status_code == 422 and "Den is disabled" in disabled.json()["detail"]
    assert missing.status_code == 404
    assert not Placement.objects.exists()


def test_without_the_tv_permissions_the_routes_are_403(client, worker_env, fake_den):
    client.force_login(staff_with("artwork.view_artwork", username="viewer"))

    listed = client.get("/api/tvs")
    added = client.post("/api/tvs", {"name": "Bedroom", "host": fake_den.host},
                        content_type="application/json")

    assert listed.status_code == 403 and "artwork.view_tv" in listed.json()["detail"]
    assert added.status_code == 403 and not TV.objects.filter(name="Bedroom").exists()


def test_a_script_with_the_api_token_adds_a_tv(client, worker_env, fake_den, settings):
    settings.DOCENT_API_TOKEN = "s3cret-token"

    response = client.post("/api/tvs", {"name": "Den", "host": fake_den.host,
                                        "port": fake_den.port},
                           content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer s3cret-token")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == TV.objects.get(name="Den").pk and body["name"] == "Den"


def test_a_tv_says_its_capacity_and_how_many_pictures_it_holds(api, fake_den):
    added = api.call("post", "/api/tvs", {"name": "Bedroom", "host": fake_den.host,
                                          "port": fake_den.port, "capacity": 60,
                                          "make_room": True}).json()
    TV.objects.filter(pk=added["id"]).update(photo_count=57, full_at=61)

    shown = api.call("get", f"/api/tvs/{added['id']}").json()

    assert (shown["capacity"], shown["make_room"]) == (60, True)
    assert (shown["used"], shown["full_at"]) == (57, 61)
    assert api.call("post", "/api/tvs", {"name": "Hall", "host": "10.0.0.9",
                                         "capacity": 0}).status_code == 422
