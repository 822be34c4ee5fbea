"""Every Docent page and API route checks the model permission that matches what it does."""

import pytest

from docentsite.artwork.models import Artwork, Status
from plexsource.admin_urls import PLEX_BROWSE
from tests.users import staff_with

pytestmark = pytest.mark.django_db

VIEW, CHANGE, ADD = "artwork.view_artwork", "artwork.change_artwork", "artwork.add_artwork"

# (method, url, the permissions it needs)
API = [
    ("get", "/api/artwork", [VIEW]),
    ("get", "/api/artwork/1", [VIEW]),
    ("post", "/api/artwork/1/reanalyze", [CHANGE]),
    ("post", "/api/artwork/1/remove", [CHANGE]),
    ("post", "/api/artwork/1/show", [CHANGE]),
    ("post", "/api/artwork/1/put-back", [CHANGE]),
    ("get", "/api/plex/status", ["plexsource.view_plexlibrary"]),
    ("get", "/api/plex/libraries", ["plexsource.view_plexlibrary"]),
    ("get", "/api/plex/libraries/1", ["plexsource.view_plexphoto"]),
    ("get", "/api/plex/thumbnails/7", ["plexsource.view_plexphoto"]),
    ("post", "/api/plex/import", ["plexsource.add_importrecord"]),
    ("get", "/api/plex/imports", ["plexsource.view_importrecord"]),
    ("get", "/api/plex/imports/1", ["plexsource.view_importrecord"]),
]
PAGES = [
    ("get", "/admin/docent/", [VIEW]),
    ("post", "/admin/docent/check-now/", [VIEW]),
    ("post", "/admin/docent/pair-tv/", [CHANGE]),
    ("get", "/admin/plex/browse/", list(PLEX_BROWSE)),
    ("get", "/admin/artwork/artwork/upload/", [ADD]),
]


def call(client, method, url):
    if method == "post":
        return client.post(url, {"plex_metadata_ids": ["7"]}, content_type="application/json")
    return client.get(url)


@pytest.fixture(autouse=True)
def nothing_configured(settings):
    settings.PLEX_URL = settings.PLEX_TOKEN = settings.TV_HOST = ""


@pytest.mark.parametrize("method, url, perms", API + PAGES)
def test_staff_without_the_permission_gets_403(client, method, url, perms):
    everything_else = [perm for _, _, needs in API + PAGES for perm in needs
                       if perm not in perms]
    client.force_login(staff_with(*everything_else))

    response = call(client, method, url)

    assert response.status_code == 403
    assert perms[-1] in response.content.decode()  # says which permission is missing


@pytest.mark.parametrize("method, url, perms", API + PAGES)
def test_staff_with_the_permission_gets_in(client, method, url, perms):
    client.force_login(staff_with(*perms))

    response = call(client, method, url)

    assert response.status_code not in (401, 403)
    assert "/login/" not in response.get("Location", "")


@pytest.mark.parametrize("method, url, perms", API)
def test_the_api_token_may_do_everything(client, settings, method, url, perms):
    settings.DOCENT_API_TOKEN = "s3cret-token"

    response = getattr(client, method)(url, HTTP_AUTHORIZATION="Bearer s3cret-token")

    assert response.status_code not in (401, 403)


def test_artwork_pictures_need_view_permission(client, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    url = f"/admin/artwork/artwork/{artwork.pk}/thumbnail/"
    client.force_login(staff_with("plexsource.view_plexphoto", username="other"))
    assert client.get(url).status_code == 403
    client.force_login(staff_with(VIEW, username="viewer"))
    assert client.get(url).status_code == 200


def test_actions_need_change_permission(client, make_artwork, jpeg, queued):
    reanalyses = queued("reanalysis")
    artwork = make_artwork(jpeg)
    client.force_login(staff_with(VIEW))

    page = client.get("/admin/artwork/artwork/").content.decode()
    client.post("/admin/artwork/artwork/", {"action": "reanalyze",
                                            "_selected_action": [artwork.pk]})

    assert "Re-analyze with the vision model" not in page
    assert "Remove from TV" not in page and "Retry failed or stalled uploads" not in page
    assert reanalyses.ids == []
    assert Artwork.objects.get(pk=artwork.pk).status == Status.PREPARED


def test_plex_actions_need_import_and_change_permissions(client):
    from django.utils import timezone

    from plexsource.models import ImportRecord, PlexLibrary, PlexPhoto

    now = timezone.now()
    library = PlexLibrary.objects.create(section_key="1", title="Photos", last_seen_at=now)
    photo = PlexPhoto.objects.create(rating_key="7", library=library, last_seen_at=now)
    ImportRecord.objects.create(plex_metadata_id="7", photo=photo, requested_at=now)
    client.force_login(staff_with("plexsource.view_plexphoto", "plexsource.delete_plexphoto",
                                  "plexsource.view_importrecord",
                                  "plexsource.delete_importrecord"))

    photos = client.get("/admin/plexsource/plexphoto/").content.decode()
    imports = client.get("/admin/plexsource/importrecord/").content.decode()

    assert 'name="action"' in photos and 'name="action"' in imports  # delete is offered
    assert "Import selected photos to the TV" not in photos
    assert "Retry failed imports" not in imports


def test_links_to_pages_a_user_may_not_open_are_hidden(client):
    client.force_login(staff_with(VIEW))

    index = client.get("/admin/").content.decode()
    gallery = client.get("/admin/artwork/artwork/").content.decode()

    assert "/admin/docent/" in index and "/admin/plex/browse/" not in index
    assert "/admin/artwork/artwork/upload/" not in gallery
