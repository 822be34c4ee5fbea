"""Docent's front door: / opens the gallery, a favicon, an admin home that leads with
what an owner comes for and folds Django's model list away."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

GALLERY = "/admin/artwork/artwork/"


def test_the_root_opens_the_gallery(admin_client):
    response = admin_client.get("/", follow=True)

    assert response.redirect_chain == [(GALLERY, 302)]
    assert response.status_code == 200


def test_the_root_sends_a_visitor_to_the_login_then_the_gallery(client):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1] == (f"/admin/login/?next={GALLERY}", 302)
    assert response.status_code == 200


def test_view_site_leads_to_the_gallery(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert '<a href="/">View site</a>' in page


def test_favicon_ico_is_answered(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/docent/favicon.ico"
    assert finders.find("docent/favicon.ico") and finders.find("docent/favicon.svg")


def test_every_admin_page_names_the_favicon(client, admin_client):
    for page in (client.get("/admin/login/"), admin_client.get("/admin/docent/")):
        assert '<link rel="icon" href="/static/docent/favicon.svg"' in page.content.decode()


def test_the_admin_home_leads_with_docent_and_folds_the_records_away(admin_client):
    page = admin_client.get("/admin/").content.decode()

    doors = page.index('class="docent-doors"')
    records = page.index('<details class="docent-records">')
    assert doors < records
    for door, href in [("Gallery", GALLERY), ("Upload", "/admin/artwork/artwork/upload/"),
                       ("Import from Plex", "/admin/plex/browse/"), ("Status", "/admin/docent/")]:
        assert page.index(f'href="{href}"') < records and f"<strong>{door}</strong>" in page
    for bookkeeping in ("/admin/auth/user/", "/admin/plexsource/importrecord/",
                        "/admin/plexsource/plexlibrary/", "/admin/axes/"):
        assert page.index(f'href="{bookkeeping}') > records
    assert "Recent actions" not in page


def test_the_admin_home_offers_only_what_the_user_may_do(client):
    user = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_artwork"))
    client.force_login(user)

    page = client.get("/admin/").content.decode()

    assert "<strong>Gallery</strong>" in page and "<strong>Status</strong>" in page
    assert "<strong>Upload</strong>" not in page and "Import from Plex" not in page


def test_a_user_without_docent_s_pages_sees_the_records_open(client):
    user = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(user)

    page = client.get("/admin/").content.decode()

    assert '<details class="docent-records" open>' in page
    assert 'class="docent-door"' not in page
