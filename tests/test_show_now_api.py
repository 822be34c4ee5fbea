"""Show on TV now, per TV: `POST /api/artwork/{id}/show?tv=` and the gallery's button,
with two fake Frames ("Frame", the .env TV, and "Den"). A TV not in Art Mode is
being watched: Docent sends it nothing."""

import pytest

from docentsite.artwork import lane, placements
from docentsite.artwork.models import Placement, PlacementStatus
from tests.two_tvs import frame

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def on_both(worker_env, den, make_artwork, jpeg):
    """"wave", on the Frame and on the Den, uploaded."""
    artwork = make_artwork(jpeg, filename="wave.jpg")
    placements.artwork_place(artworks=[artwork], tvs_wanted=[frame(), den])
    for tv in (frame(), den):
        lane.tv_lane_run(tv_id=tv.pk)
    assert set(Placement.objects.values_list("status", flat=True)) == {PlacementStatus.ON_TV}
    return artwork


def content_id(artwork, tv) -> str:
    return Placement.objects.get(artwork=artwork, tv=tv).content_id


def test_the_picture_is_shown_on_the_tv_named_only(admin_client, on_both, den, fake_den,
                                                     fake_tv):
    response = admin_client.post(f"/api/artwork/{on_both.pk}/show?tv=Den")

    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "Shown on Den."}
    assert [call["content_id"] for call in fake_den.select_calls] == [content_id(on_both, den)]
    assert fake_tv.select_calls == []


def test_a_tv_being_watched_is_sent_nothing(admin_client, on_both, den, fake_den, fake_tv):
    fake_den.art_mode = False

    response = admin_client.post(f"/api/artwork/{on_both.pk}/show?tv={den.pk}")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Den is being watched (it is not in Art Mode)")
    assert fake_den.select_calls == [] and fake_den.art_mode is False
    assert fake_tv.select_calls == []


def test_an_unknown_tv_is_404_and_a_picture_not_on_that_tv_is_422(
        admin_client, on_both, den, fake_den, make_artwork, jpeg):
    Placement.objects.filter(artwork=on_both, tv=den).update(status=PlacementStatus.REMOVED)
    only_here = make_artwork(jpeg, filename="later.jpg")

    unknown = admin_client.post(f"/api/artwork/{on_both.pk}/show?tv=Kitchen")
    removed = admin_client.post(f"/api/artwork/{on_both.pk}/show?tv=Den")
    never = admin_client.post(f"/api/artwork/{only_here.pk}/show?tv=Den")

    assert unknown.status_code == 404 and "no TV called 'Kitchen'" in unknown.json()["detail"]
    assert removed.status_code == never.status_code == 422
    assert removed.json()["detail"].startswith("“wave” is not on Den")
    assert fake_den.select_calls == []


def test_the_gallery_asks_which_tv_and_shows_it_where_art_is_shown(
        admin_client, on_both, den, fake_den, fake_tv):
    fake_tv.art_mode = False
    url = f"{CHANGELIST}{on_both.pk}/show/"

    asked = admin_client.post(url).content.decode()
    assert "Show “wave” on which TVs now?" in asked and fake_den.select_calls == []

    response = admin_client.post(url, {"apply": "1", "tvs": [frame().pk, den.pk]}, follow=True)

    said = " ".join(str(message) for message in response.context["messages"])
    assert "Den now shows “wave”." in said
    assert "“wave” not shown: Frame is being watched" in said
    assert [call["content_id"] for call in fake_den.select_calls] == [content_id(on_both, den)]
    assert fake_tv.select_calls == []
