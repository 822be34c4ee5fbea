"""The status page with two Frames: a card per TV, each with its own Pair with TV.

The page shows what the checks last found: "Check now" runs them and comes back to it."""

import pytest

from docentsite.artwork import lane, placements, tvs
from docentsite.artwork.models import TV
from tests import tvs_fixtures

den_tv, two_tvs = tvs_fixtures.den_tv, tvs_fixtures.two_tvs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

HOME, CHECK_NOW = "/admin/docent/", "/admin/docent/check-now/"


def tv_card(page: str, tv) -> str:
    return page.split(f'data-tv="{tv.pk}"', 1)[1].split("</li>", 1)[0]


def test_a_card_per_tv_saying_how_each_is(admin_client, two_tvs, make_artwork, jpeg):
    living, den = two_tvs
    artwork = make_artwork(jpeg, filename="wave.jpg")
    placements.artwork_place(artworks=[artwork], tvs_wanted=[living])
    lane.tv_lane_run(tv_id=living.pk)

    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    living_card, den_card = tv_card(page, living), tv_card(page, den)
    assert 'data-check="Living room (Frame TV)"' in page and 'data-check="Den (Frame TV)"' in page
    assert "✓ OK" in living_card and "Art API" in living_card
    assert "1 of Docent's picture(s)</a> on it" in living_card
    assert "Pair with TV" not in living_card
    assert "Next step: pair with the TV" in den_card and "not paired" in den_card
    assert f'<input type="hidden" name="tv" value="{den.pk}">' in den_card
    assert "0 of Docent's picture(s)</a> on it" in den_card


def test_one_tv_keeps_its_frame_tv_card(admin_client, fake_tv, frame_tv, settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.PLEX_URL = settings.PLEX_TOKEN = ""

    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    assert 'data-check="Frame TV"' in page and "<h2>Frame TV</h2>" in page
    assert "(Frame TV)" not in page


def test_pairing_the_second_tv_from_its_card(admin_client, two_tvs, den_tv, frame_tv):
    living, den = two_tvs
    living_token = frame_tv.token_file.read_text()

    response = admin_client.post("/admin/docent/pair-tv/", {"tv": den.pk}, follow=True)

    page = response.content.decode()
    assert "Paired: Den allowed Docent" in page
    assert den_tv.tokens == [den.token_path.read_text()]
    assert frame_tv.token_file.read_text() == living_token
    assert "✓ OK" in tv_card(page, den) and "Pair with TV" not in page


def test_a_disabled_tv_is_not_asked(admin_client, two_tvs, den_tv):
    living, den = two_tvs
    den.enabled = False
    den.save()

    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    assert "Disabled" in tv_card(page, den) and "gets no new pictures" in tv_card(page, den)
    assert den_tv.connections == [] and tvs.tv_get(tv="Den").last_seen_at is None


def test_each_tv_card_says_how_full_the_tv_is(admin_client, two_tvs):
    living, den = two_tvs
    TV.objects.filter(pk=living.pk).update(photo_count=60, capacity=60, make_room=False)
    admin_client.post(CHECK_NOW)
    # As the lane last counted them.
    TV.objects.filter(pk=living.pk).update(photo_count=60)
    TV.objects.filter(pk=den.pk).update(photo_count=12)

    page = admin_client.get(HOME).content.decode()

    assert ("Holds 60 of 60 pictures: full, new pictures wait (allow rotation or remove "
            "pictures).") in tv_card(page, living)
    assert "Holds 12 pictures; no capacity set" in tv_card(page, den)
