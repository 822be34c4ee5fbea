"""The gallery with two Frames: each TV's part on the card, "Send to TV…" and
"Remove from TV" asking which, against two fake TVs."""

import pytest

from docentsite.artwork import lane, placements, tvs
from docentsite.artwork.models import Placement, PlacementStatus
from tests import tvs_fixtures
from tests.test_gallery_cards import cards, messages

den_tv, two_tvs = tvs_fixtures.den_tv, tvs_fixtures.two_tvs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def paired(two_tvs):
    living, den = two_tvs
    tvs.tv_pair(tv=den, wait=2)
    return living, den


def send(artwork, *to):
    placements.artwork_place(artworks=[artwork], tvs_wanted=list(to))
    for tv in to:
        lane.tv_lane_run(tv_id=tv.pk)


def status_on(artwork, tv) -> str:
    return Placement.objects.get(artwork=artwork, tv=tv).status


def test_each_tvs_part_is_on_the_card_once_there_are_several(admin_client, two_tvs,
                                                             make_artwork, jpeg):
    living, den = two_tvs
    artwork = make_artwork(jpeg, filename="wave.jpg")
    placements.artwork_place(artworks=[artwork], tvs_wanted=[living, den])
    lane.tv_lane_run(tv_id=living.pk)  # the Den lane has not run yet

    card = cards(admin_client.get(CHANGELIST).content.decode())[str(artwork.pk)]

    living_part = card.split(f'<li class="artwork-tv on_tv" data-tv="{living.pk}"', 1)[1]
    assert living_part.startswith(' title="MY_F') and ">Living room: on the TV</li>" in living_part
    assert f'<li class="artwork-tv queued" data-tv="{den.pk}">Den: waiting…</li>' in card
    assert f'data-placements="{living.pk}:on_tv {den.pk}:queued "' in card


def test_one_tv_shows_no_list_of_tvs(admin_client, fake_tv, frame_tv, settings, tmp_path,
                                     make_artwork, jpeg):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    artwork = make_artwork(jpeg)
    send(artwork, tvs.tv_default())

    card = cards(admin_client.get(CHANGELIST).content.decode())[str(artwork.pk)]

    assert "artwork-tvs" not in card and "On the TV" in card


def test_send_to_tv_asks_which_then_sends_there(admin_client, paired, den_tv, make_artwork,
                                                jpeg):
    living, den = paired
    artwork = make_artwork(jpeg, filename="wave.jpg")
    send(artwork, living)
    selected = {"action": "send_to_tv", "_selected_action": [artwork.pk]}

    question = admin_client.post(CHANGELIST, selected).content.decode()
    none_ticked = admin_client.post(CHANGELIST, {**selected, "apply": "1"}).content.decode()
    response = admin_client.post(CHANGELIST, {**selected, "apply": "1",
                                              "tvs": [living.pk, den.pk]}, follow=True)

    assert "Send the selected pictures to which TVs?" in question
    assert f'value="{living.pk}"' in question and f'value="{den.pk}"' in question
    assert "Choose at least one TV." in none_ticked
    assert Placement.objects.filter(artwork=artwork).count() == 2
    assert status_on(artwork, den) == PlacementStatus.QUEUED
    assert ("1 picture(s) queued for Living room, Den; 1 already there or on the way"
            in messages(response))
    lane.tv_lane_run(tv_id=den.pk)
    assert status_on(artwork, den) == PlacementStatus.ON_TV and len(den_tv.photos) == 1


def test_remove_from_tv_asks_which_tv_when_on_several(admin_client, paired, fake_tv, den_tv,
                                                      make_artwork, jpeg):
    living, den = paired
    artwork = make_artwork(jpeg, filename="wave.jpg")
    send(artwork, living, den)
    selected = {"action": "remove_from_tv", "_selected_action": [artwork.pk]}

    question = admin_client.post(CHANGELIST, selected).content.decode()
    response = admin_client.post(CHANGELIST, {**selected, "apply": "1", "tvs": [den.pk]},
                                 follow=True)

    assert "Take the selected pictures off which TVs?" in question
    assert question.count('name="tvs"') == 2 and question.count("checked") >= 2
    assert status_on(artwork, den) == PlacementStatus.REMOVED and den_tv.photos == {}
    assert status_on(artwork, living) == PlacementStatus.ON_TV and len(fake_tv.photos) == 1
    assert "1 artwork(s) removed from the TV" in messages(response)


def test_the_cards_remove_asks_which_tv_when_on_several(admin_client, paired, fake_tv, den_tv,
                                                        make_artwork, jpeg):
    living, den = paired
    artwork = make_artwork(jpeg, filename="wave.jpg")
    send(artwork, living, den)
    url = f"{CHANGELIST}{artwork.pk}/remove/"

    question = admin_client.get(url).content.decode()
    admin_client.post(url, {"tvs": [living.pk]})

    assert "off which TVs?" in question and f'action="{url}"' in question
    assert status_on(artwork, living) == PlacementStatus.REMOVED and fake_tv.photos == {}
    assert status_on(artwork, den) == PlacementStatus.ON_TV and len(den_tv.photos) == 1


def test_remove_from_tv_with_one_tv_asks_nothing(admin_client, paired, fake_tv, make_artwork,
                                                 jpeg):
    living, den = paired
    artwork = make_artwork(jpeg, filename="wave.jpg")
    send(artwork, living)

    response = admin_client.post(CHANGELIST, {"action": "remove_from_tv",
                                              "_selected_action": [artwork.pk]}, follow=True)

    assert "which TVs" not in response.content.decode()
    assert status_on(artwork, living) == PlacementStatus.REMOVED and fake_tv.photos == {}
