"""The TVs page of the admin: list, add, the .env TV read-only, Pair with TV and
Check now, against two fake Frames."""

import pytest

from docentsite.artwork import tvs
from docentsite.artwork.models import TV
from tests import tvs_fixtures
from tests.users import staff_with

den_tv, two_tvs = tvs_fixtures.den_tv, tvs_fixtures.two_tvs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

TVS = "/admin/artwork/tv/"


def said(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_list_says_which_tvs_docent_is_paired_with_and_never_shows_a_token(
        admin_client, two_tvs, frame_tv):
    living, den = two_tvs

    page = admin_client.get(TVS).content.decode()

    rows = {row.split("</tr>")[0].split('field-name">', 1)[1].split("<")[1].split(">")[1]: row
            for row in page.split('<tr>')[1:] if 'field-name' in row}
    assert set(rows) == {"Living room", "Den"}
    assert 'alt="True"' in rows["Living room"].split("field-is_paired")[1][:200]
    assert 'alt="False"' in rows["Den"].split("field-is_paired")[1][:200]
    assert den.host in rows["Den"] and str(den.port) in rows["Den"]
    token = frame_tv.token_file.read_text()
    assert not any(token in row for row in rows.values())
    assert str(frame_tv.token_file.parent) not in page and "tv-token" not in page


def test_adding_a_tv_and_a_name_taken_in_another_case_is_refused(admin_client, two_tvs,
                                                                 den_tv):
    form = {"host": "192.168.1.40", "port": "8002", "matte": "none", "portrait_matte": "",
            "enabled": "on"}

    response = admin_client.post(TVS + "add/", {**form, "name": "Bedroom"})
    refused = admin_client.post(TVS + "add/", {**form, "name": "  den "})

    assert response.status_code == 302
    bedroom = TV.objects.get(name="Bedroom")
    assert (bedroom.host, bedroom.port, bedroom.from_env) == ("192.168.1.40", 8002, False)
    assert refused.status_code == 200
    assert "There is already a TV called &#x27;Den&#x27;." in refused.content.decode()
    assert TV.objects.count() == 3


def test_what_env_sets_is_read_only_on_the_env_tv(admin_client, two_tvs, fake_tv):
    living, den = two_tvs
    url = f"{TVS}{living.pk}/change/"

    page = admin_client.get(url).content.decode()
    admin_client.post(url, {"name": "Hall", "host": "10.0.0.9", "port": "8001",
                            "matte": "modern_black", "portrait_matte": "shadowbox_polar",
                            "enabled": "on"})

    assert "This TV is set in .env" in page
    for field in ("name", "host", "port", "matte"):
        assert f'name="{field}"' not in page
    assert 'name="portrait_matte"' in page
    living.refresh_from_db()
    assert (living.name, living.host, living.port, living.matte) == (
        "Living room", fake_tv.host, fake_tv.port, "none")
    assert living.portrait_matte == "shadowbox_polar"  # not .env's: the owner's to set
    assert "deletelink" not in page  # .env would bring it back


def test_pair_with_tv_from_its_page_keeps_its_own_token(admin_client, two_tvs, den_tv,
                                                        frame_tv):
    living, den = two_tvs
    living_token = frame_tv.token_file.read_text()

    page = admin_client.get(f"{TVS}{den.pk}/change/").content.decode()
    response = admin_client.post(f"{TVS}{den.pk}/pair/", follow=True)

    assert "Pair with TV" in page and "press Allow on the TV now" in page
    assert "Paired: Den allowed Docent" in said(response)
    token = den.token_path.read_text()
    assert den_tv.tokens == [token] and token != living_token
    assert frame_tv.token_file.read_text() == living_token
    answer = response.content.decode()
    assert token not in answer and str(den.token_path) not in answer
    den.refresh_from_db()
    assert den.last_seen_at is not None  # pairing asked the TV how it is, too


def test_pairing_needs_the_pair_tv_permission(client, two_tvs, den_tv):
    living, den = two_tvs
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv",
                                  "artwork.view_artwork", "artwork.change_artwork"))

    page = client.get(f"{TVS}{den.pk}/change/").content.decode()
    refused = client.post(f"{TVS}{den.pk}/pair/")
    on_status_page = client.post("/admin/docent/pair-tv/", {"tv": den.pk}, follow=True)

    assert "Pair with TV" not in page
    assert refused.status_code == 403 and "artwork.pair_tv" in refused.content.decode()
    assert "Not paired:" in said(on_status_page) and "artwork.pair_tv" in said(on_status_page)
    assert den_tv.tokens == [] and den_tv.prompts == []

    client.force_login(staff_with("artwork.pair_tv", username="owner"))
    assert client.post(f"{TVS}{den.pk}/pair/").status_code == 302
    assert den_tv.tokens == [den.token_path.read_text()]


def test_check_now_asks_the_tv_and_remembers_what_it_said(admin_client, two_tvs, den_tv):
    living, den = two_tvs
    tvs.tv_pair(tv=den, wait=2)
    TV.objects.filter(pk=den.pk).update(photo_count=None, last_seen_at=None)
    den_tv.add_photo(b"a picture someone put on it")

    response = admin_client.post(f"{TVS}{den.pk}/check/", follow=True)

    den.refresh_from_db()
    assert den.last_seen_at is not None and den.photo_count == 1
    assert "Den: Samsung The Frame 65" in said(response) and "Art API" in said(response)


def test_check_now_on_several_says_which_tv_is_off(admin_client, two_tvs, den_tv):
    living, den = two_tvs
    den_tv.stop()

    response = admin_client.post(TVS, {"action": "check_now",
                                       "_selected_action": [living.pk, den.pk]}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any(m.startswith("Living room: Samsung The Frame 55") for m in messages)
    assert any(m.startswith(f"Den: {den_tv.host}") for m in messages)


def test_capacity_and_rotation_are_set_on_the_tvs_page_with_what_the_tv_said(
        admin_client, two_tvs):
    living, den = two_tvs
    TV.objects.filter(pk=living.pk).update(photo_count=57, full_at=60)
    url = f"{TVS}{living.pk}/change/"

    page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"portrait_matte": "", "enabled": "on",
                                       "capacity": "60", "make_room": "on"})

    assert "It answered that its storage was full at 60 pictures" in page
    assert "It held 57 when Docent last looked." in page
    assert 'name="capacity"' in page and 'name="make_room"' in page
    assert response.status_code == 302
    living.refresh_from_db()
    assert (living.capacity, living.make_room) == (60, True)
    listed = admin_client.get(TVS).content.decode()
    assert "57 of 60" in listed.rsplit(">Living room</a>", 1)[1].split("</tr>")[0]
