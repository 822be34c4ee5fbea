"""The admin's Docent pages: the status home and "Import from Plex"."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

HOME, BROWSE = "/admin/docent/", "/admin/plex/browse/"
#: Runs the checks the page shows (a worker runs them on a timer) and comes back to it.
CHECK_NOW = "/admin/docent/check-now/"


def test_home_shows_a_card_per_check_and_the_numbers(admin_client, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    response = admin_client.get(HOME)

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Database", "Task queue", "Frame TV", "Vision model", "Plex"):
        assert f'data-check="{name}"' in page
    assert "artwork(s) on the TV" in page and "failed import(s)" in page
    assert "?status__exact=failed" in page


def test_home_shows_the_env_lines_when_plex_is_not_configured(admin_client, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    page = admin_client.get(HOME).content.decode()

    assert "not set up" in page
    assert "PLEX_URL=http://&lt;server&gt;:32400" in page and "PLEX_TOKEN=" in page


def card(page: str, name: str) -> str:
    return page.split(f'data-check="{name}"')[1].split("</li>")[0]


def test_home_shows_what_is_not_set_up_as_neutral_not_ok(admin_client, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    settings.AI_PROVIDER = "none"
    page = admin_client.get(HOME).content.decode()

    for name in ("Plex", "Vision model"):
        assert f'class="docent-card off" data-check="{name}"' in page
        assert "Not set up" in card(page, name) and "✓ OK" not in card(page, name)
        assert "What to check" not in card(page, name)
    assert "To have pictures described, set AI_PROVIDER" in card(page, "Vision model")


def test_home_names_the_plex_server_when_connected(admin_client, plex_settings, fake_plex):
    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    assert fake_plex.name in page
    assert "PLEX_TOKEN=" not in page


def test_home_counts_link_to_filtered_changelists(admin_client, settings, make_artwork, jpeg):
    from docentsite.artwork.models import TV, Placement, PlacementStatus

    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    tv = TV.objects.create(name="Frame", host="192.0.2.1")
    shown, removed = make_artwork(jpeg, title="Shown"), make_artwork(jpeg, title="Removed")
    make_artwork(jpeg, title="In the library")
    Placement.objects.create(artwork=shown, tv=tv, content_id="MY_F0001",
                             status=PlacementStatus.ON_TV)
    Placement.objects.create(artwork=removed, tv=tv, content_id="MY_F0002",
                             status=PlacementStatus.REMOVED)
    page = admin_client.get(HOME).content.decode()

    on_tv = "/admin/artwork/artwork/?placements__status__exact=on_tv"
    assert f'href="{on_tv}"' in page
    assert '<strong id="count-on-tv">1</strong> artwork(s) on the TV' in page
    gallery = admin_client.get(on_tv).content.decode()
    assert 'aria-label="Select Shown"' in gallery
    assert 'aria-label="Select Removed"' not in gallery
    assert 'aria-label="Select In the library"' not in gallery
    assert "/admin/plexsource/importrecord/?status__in=queued,running" in page
    assert admin_client.get("/admin/plexsource/importrecord/?status__in=queued,running"
                            ).status_code == 200


def test_browse_page_loads_its_script_and_the_analyze_default(admin_client, settings):
    settings.AUTO_ANALYZE, settings.AI_PROVIDER = True, "anthropic"
    response = admin_client.get(BROWSE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "sources/browse.js" in page and "sources/browse.css" in page
    assert 'data-auto-analyze="true"' in page
    assert 'id="browse-analyze" checked' in page
    assert 'data-api="/api/plex/"' in page and "csrfmiddlewaretoken" in page


def test_browse_page_leaves_describe_unchecked_without_auto_analyze(admin_client, settings):
    settings.AUTO_ANALYZE = False
    page = admin_client.get(BROWSE).content.decode()

    assert 'data-auto-analyze="false"' in page
    assert 'id="browse-analyze">' in page


def test_admin_index_links_to_both_pages(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert f'href="{HOME}"' in page and f'href="{BROWSE}"' in page


@pytest.mark.parametrize("url", [HOME, BROWSE])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", [HOME, BROWSE])
def test_users_who_are_not_staff_are_sent_to_the_login(client, url):
    user = get_user_model().objects.create_user("visitor", password="pw")
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


PAIR = "/admin/docent/pair-tv/"


@pytest.fixture
def unpaired_tv(fake_tv, settings, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"
    fake_tv.prompt_timeout = 0.5
    return fake_tv


def test_home_offers_pairing_when_the_tv_has_not_allowed_docent(admin_client, unpaired_tv,
                                                                settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    assert "Docent is not paired with the TV yet" in page
    tv = card(page, "Frame TV")
    assert 'class="docent-card step" data-check="Frame TV"' in page
    assert "Next step: pair with the TV" in tv and "Problem" not in tv
    assert f'action="{PAIR}"' in page and "Pair with TV" in page
    assert "press Allow on the TV now" in page
    assert unpaired_tv.connections == []  # asking for the status showed no prompt on the TV


def test_home_offers_no_pairing_once_paired(admin_client, fake_tv, frame_tv, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    frame_tv.pair()

    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    assert "Pair with TV" not in page and "Art API" in page


def test_pairing_keeps_the_token_and_never_shows_it(admin_client, unpaired_tv, settings):
    response = admin_client.post(PAIR, follow=True)

    token = settings.TV_TOKEN_FILE.read_text()
    assert unpaired_tv.tokens == [token]
    page = response.content.decode()
    assert "Paired: the TV allowed Docent" in page
    assert token not in page
    assert response.redirect_chain == [(HOME, 302)]


@pytest.mark.parametrize("answer, says", [
    ("deny", "someone pressed Deny"),
    ("pending", "nobody answered in time: pair again and press Allow on the TV"),
])
def test_pairing_that_is_not_allowed_says_what_to_do(admin_client, unpaired_tv, settings,
                                                     answer, says):
    unpaired_tv.pairing = answer

    page = admin_client.post(PAIR, follow=True).content.decode()

    assert "Not paired:" in page and says in page
    assert not settings.TV_TOKEN_FILE.exists()


def test_pairing_with_the_tv_off_says_so(admin_client, unpaired_tv):
    unpaired_tv.stop()

    page = admin_client.post(PAIR, follow=True).content.decode()

    assert "Not paired: The TV at" in page and "off" in page


def test_pairing_needs_a_post(admin_client, unpaired_tv):
    assert admin_client.get(PAIR).status_code == 405
    assert unpaired_tv.tokens == []


def test_pairing_is_for_staff_only(client, unpaired_tv):
    client.force_login(get_user_model().objects.create_user("guest", password="pw"))

    response = client.post(PAIR)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert unpaired_tv.tokens == [] and unpaired_tv.connections == []


def test_a_tv_on_the_plain_port_is_ok_without_pairing(admin_client, settings, tmp_path):
    from tests.fakes.frametv import FakeFrameTV

    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    with FakeFrameTV(plain=True) as fake:
        settings.TV_HOST, settings.TV_PORT = fake.host, 8001
        settings.TV_TOKEN_FILE = tmp_path / "tv-token"
        page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    tv = card(page, "Frame TV")
    assert "✓ OK" in tv and "Art API" in tv and "Pair with TV" not in tv
