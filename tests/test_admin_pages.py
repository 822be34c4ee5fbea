"""The admin's Docent pages: the status home and "Import from Plex"."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

HOME, BROWSE = "/admin/docent/", "/admin/plex/browse/"


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

    assert "not configured" in page
    assert "PLEX_URL=http://&lt;server&gt;:32400" in page and "PLEX_TOKEN=" in page


def test_home_names_the_plex_server_when_connected(admin_client, plex_settings, fake_plex):
    page = admin_client.get(HOME).content.decode()

    assert fake_plex.name in page
    assert "PLEX_TOKEN=" not in page


def test_home_counts_link_to_filtered_changelists(admin_client, settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    page = admin_client.get(HOME).content.decode()

    assert "/admin/artwork/artwork/?status__exact=on_tv" in page
    assert "/admin/plexsource/importrecord/?status__in=queued,running" in page
    assert admin_client.get("/admin/plexsource/importrecord/?status__in=queued,running"
                            ).status_code == 200


def test_browse_page_loads_its_script_and_the_analyze_default(admin_client, settings):
    settings.AUTO_ANALYZE, settings.AI_PROVIDER = True, "anthropic"
    response = admin_client.get(BROWSE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "plexsource/browse.js" in page and "plexsource/browse.css" in page
    assert 'data-auto-analyze="true"' in page
    assert 'id="plex-analyze" checked' in page
    assert 'data-api="/api/plex/"' in page and "csrfmiddlewaretoken" in page


def test_browse_page_leaves_describe_unchecked_without_auto_analyze(admin_client, settings):
    settings.AUTO_ANALYZE = False
    page = admin_client.get(BROWSE).content.decode()

    assert 'data-auto-analyze="false"' in page
    assert 'id="plex-analyze">' in page


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
