"""The TV's state in the header of every Docent page: the word for each state, asked of
the fake TV at most every 30 seconds, and pages that never wait for the TV."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache

from docentsite import tvstate

pytestmark = pytest.mark.django_db

STATE = "/admin/docent/tv-state/"


@pytest.fixture(autouse=True)
def nothing_known():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def paired(fake_tv, frame_tv, settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    return fake_tv


def ask(client) -> dict:
    response = client.get(STATE)
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_tv_showing_art_is_listening(admin_client, paired):
    assert ask(admin_client) == {
        "key": "listening", "word": "listening",
        "detail": "The TV shows art: new pictures go on it now.",
    }


def test_a_tv_someone_watches_is_being_watched(admin_client, paired):
    paired.art_mode = False

    assert ask(admin_client)["word"] == "being watched"


def test_a_tv_that_is_off_is_asleep(admin_client, paired):
    paired.stop()

    assert ask(admin_client)["word"] == "asleep"


def test_a_tv_without_docent_s_token_is_not_paired_and_shows_no_prompt(admin_client, fake_tv,
                                                                      settings, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"

    assert ask(admin_client)["word"] == "not paired"
    assert fake_tv.connections == [] and fake_tv.prompts == []


def test_no_tv_host_is_not_set_up(admin_client, settings):
    settings.TV_HOST = ""

    assert ask(admin_client)["word"] == "not set up"


def test_the_tv_is_asked_at_most_every_30_seconds(admin_client, paired, monkeypatch):
    assert tvstate.FRESH_FOR == 30
    ask(admin_client)
    paired.art_mode = False

    assert ask(admin_client)["word"] == "listening"
    assert paired.requests.count("get_artmode_status") == 1

    monkeypatch.setattr(tvstate, "FRESH_FOR", 0)  # 30 seconds later
    assert ask(admin_client)["word"] == "being watched"
    assert paired.requests.count("get_artmode_status") == 2


def test_the_tv_is_asked_with_a_short_timeout(paired, settings, monkeypatch):
    settings.TV_TIMEOUT = 60
    asked = []
    monkeypatch.setattr(tvstate.frametv.FrameTV, "device_info",
                        lambda tv: asked.append(tv.timeout) or {})

    tvstate.tv_state_check()

    assert asked == [tvstate.TIMEOUT]


def test_pages_show_the_last_state_known_without_asking_the_tv(admin_client, paired):
    pairing = list(paired.connections)
    page = admin_client.get("/admin/").content.decode()
    assert 'data-state="checking"' in page and "TV: <span" in page
    assert paired.connections == pairing  # the page itself never waits for the TV

    ask(admin_client)
    paired.stop()
    page = admin_client.get("/admin/").content.decode()

    assert 'id="docent-tv"' in page and 'data-state="listening"' in page
    assert 'data-url="/admin/docent/tv-state/"' in page and "docent/tvstate.js" in page


def test_the_state_is_for_those_who_may_see_the_status_page(client, paired):
    user = get_user_model().objects.create_user("helper", password="pw", is_staff=True)
    client.force_login(user)

    assert client.get(STATE).status_code == 403
    assert 'id="docent-tv"' not in client.get("/admin/").content.decode()

    user.user_permissions.add(Permission.objects.get(codename="view_artwork"))
    assert ask(client)["word"] == "listening"


def test_anonymous_visitors_get_the_login_and_no_state(client, paired):
    response = client.get(STATE)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert 'id="docent-tv"' not in client.get("/admin/login/").content.decode()
    assert paired.requests.count("get_artmode_status") == 0
