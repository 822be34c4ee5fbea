"""The status page's TV card says what the TV shows now (its thumbnail when it is one
of Docent's pictures) and how the TV's own slideshow is set, as the background check
found them through the real samsungtvws against the fake Frame."""

import pytest

from docentsite.artwork import frametv, placements
from docentsite.status import services as status
from docentsite.status.models import CheckResult
from tests.users import staff_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

HOME = "/admin/docent/"


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


def card(admin_client, tv) -> str:
    page = admin_client.get(HOME).content.decode()
    return page.split(f'data-tv="{tv.pk}"', 1)[1].split("</li>", 1)[0]


def facts() -> dict:
    return CheckResult.objects.get(tv__isnull=False).facts


def test_a_picture_of_docents_shown_on_the_tv_is_named_with_its_thumbnail(
        admin_client, make_artwork, jpeg, tv, fake_tv, upload_now):
    placement = upload_now(make_artwork(jpeg, filename="wave.jpg"))
    placements.artwork_show_now(artwork_id=placement.artwork_id)

    status.status_refresh(in_worker=True)

    assert fake_tv.showing == placement.content_id
    assert facts()["showing"] == {"content_id": placement.content_id,
                                  "artwork_id": placement.artwork_id, "title": "wave"}
    shown = card(admin_client, tv)
    version = placement.artwork.sha256[:12]
    assert (f'Shows now: <img src="/admin/artwork/artwork/{placement.artwork_id}/thumbnail/'
            f'?v={version}"') in shown
    assert f"“wave” ({placement.content_id})" in shown


def test_the_tvs_own_art_is_named_by_its_id(admin_client, tv, fake_tv):
    status.status_refresh(in_worker=True)

    assert facts()["showing"] == {"content_id": fake_tv.showing, "artwork_id": None,
                                  "title": None}
    assert f"Shows now: {fake_tv.showing}, not one of Docent's pictures." in card(
        admin_client, tv)


@pytest.mark.parametrize(("slideshow", "says"), [
    ({"value": "off", "category_id": "MY-C0002", "type": "slideshow"},
     "The TV's slideshow: off."),
    ({"value": "15", "category_id": "MY-C0002", "type": "shuffleslideshow"},
     "The TV's slideshow: shuffle, every 15 minutes, from My Photos."),
    ({"value": "1440", "category_id": "MY-C0004", "type": "slideshow"},
     "The TV's slideshow: in order, every 1 day, from Favourites."),
])
def test_the_tvs_slideshow_setting_is_shown(admin_client, tv, fake_tv, slideshow, says):
    fake_tv.slideshow = slideshow

    status.status_refresh(in_worker=True)

    assert says in card(admin_client, tv)


def test_a_tv_that_will_not_tell_its_slideshow_is_still_ok(admin_client, tv, fake_tv):
    fake_tv.error_codes["get_slideshow_status"] = "-9"

    status.status_refresh(in_worker=True)

    row = CheckResult.objects.get(tv__isnull=False)
    assert row.level == "ok" and row.facts["slideshow"] is None
    assert "slideshow" not in card(admin_client, tv)


def test_the_fake_tv_takes_only_the_intervals_a_frame_offers(tv, fake_tv, frame_tv):
    with frame_tv._art() as art:
        art.set_slideshow_status(duration=60, type=False, category_id="MY-C0004")
    assert fake_tv.slideshow == {"value": "60", "category_id": "MY-C0004", "type": "slideshow"}

    with pytest.raises(frametv.TVRejected), frame_tv._art() as art:
        art.set_slideshow_status(duration=20, type=True)
    assert fake_tv.slideshow["value"] == "60"


SLIDESHOW = "/admin/docent/tv-slideshow/"


def said(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_owner_sets_the_slideshow_from_the_tv_card(admin_client, tv, fake_tv):
    status.status_refresh(in_worker=True)
    offered = card(admin_client, tv)
    assert f'action="{SLIDESHOW}"' in offered and "<option selected>off</option>" in offered

    response = admin_client.post(SLIDESHOW, {"tv": tv.pk, "mode": "shuffle", "minutes": "15",
                                             "category_id": "MY-C0004"}, follow=True)

    assert "The TV's slideshow is set." in said(response)
    assert fake_tv.slideshow == {"value": "15", "category_id": "MY-C0004",
                                 "type": "shuffleslideshow"}
    assert "The TV's slideshow: shuffle, every 15 minutes, from Favourites." in card(
        admin_client, tv)


@pytest.mark.parametrize(("mode", "minutes", "category_id", "says"), [
    ("shuffle", "20", "MY-C0002", "A Frame changes pictures every 3 minutes, 15 minutes, "
                                  "1 hour, 12 hours, 1 day, 1 week: no other interval."),
    ("random", "15", "MY-C0002", "A slideshow is off, shuffle, in order, not 'random'."),
    ("in order", "15", "MY-C0001", "A Frame's slideshow plays My Photos or Favourites."),
])
def test_values_a_frame_refuses_are_not_sent(admin_client, tv, fake_tv, mode, minutes,
                                             category_id, says):
    response = admin_client.post(SLIDESHOW, {"tv": tv.pk, "mode": mode, "minutes": minutes,
                                             "category_id": category_id}, follow=True)

    assert f"The slideshow was not changed: {says}" in said(response)
    assert "set_slideshow_status" not in fake_tv.requests and fake_tv.slideshow["value"] == "off"


def test_setting_the_slideshow_needs_the_change_tv_permission(client, tv, fake_tv):
    client.force_login(staff_with("artwork.view_artwork", "artwork.change_artwork"))

    response = client.post(SLIDESHOW, {"tv": tv.pk, "mode": "shuffle", "minutes": "15",
                                       "category_id": "MY-C0002"})

    assert response.status_code == 403
    assert "set_slideshow_status" not in fake_tv.requests


def test_the_api_says_what_the_last_check_found(client, tv, fake_tv, make_artwork, jpeg,
                                                upload_now):
    client.force_login(staff_with("artwork.view_tv", "artwork.view_artwork"))
    before = client.get(f"/api/tvs/{tv.pk}").json()
    placement = upload_now(make_artwork(jpeg, filename="wave.jpg"))
    placements.artwork_show_now(artwork_id=placement.artwork_id)
    fake_tv.add_photo(jpeg)
    fake_tv.slideshow = {"value": "60", "category_id": "MY-C0002", "type": "shuffleslideshow"}
    status.status_refresh(in_worker=True)
    asked = len(fake_tv.requests)

    found = client.get(f"/api/tvs/{tv.pk}").json()
    (listed,) = client.get("/api/tvs").json()

    assert (before["showing"], before["slideshow"], before["foreign_count"]) == (None,) * 3
    assert found["showing"] == {"content_id": placement.content_id,
                                "artwork_id": placement.artwork_id, "title": "wave"}
    assert found["slideshow"] == {"mode": "shuffle", "minutes": 60, "category_id": "MY-C0002"}
    assert found["foreign_count"] == 1
    # The detail adds the TV's rotation and its last runs to what the list says.
    assert listed == {k: v for k, v in found.items() if k not in ("rotation", "rotation_runs")}
    assert len(fake_tv.requests) == asked  # read from the check, never asked of the TV
