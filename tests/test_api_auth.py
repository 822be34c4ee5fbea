import pytest
from django.contrib.auth import get_user_model

from tests.users import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = staff_with("artwork.view_artwork", "artwork.change_artwork")
    client.force_login(user)
    return user


def test_anonymous_gets_401(client):
    assert client.get("/api/artwork").status_code == 401


def test_logged_in_non_staff_gets_401(client):
    user = get_user_model().objects.create_user("guest", password="pw")
    client.force_login(user)
    assert client.get("/api/artwork").status_code == 401


def test_staff_session_can_read(client, staff):
    response = client.get("/api/artwork")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_bearer_token_is_accepted_only_when_it_matches(client, settings):
    settings.DOCENT_API_TOKEN = "s3cret-token"
    assert client.get("/api/artwork", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert client.get("/api/artwork", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_bearer_is_refused_when_no_token_is_configured(client, settings):
    settings.DOCENT_API_TOKEN = ""
    assert client.get("/api/artwork", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_staff_session_writes_need_the_csrf_token(staff):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post("/api/artwork/1/reanalyze").status_code == 403
    assert client_with_csrf(staff).status_code == 404


def client_with_csrf(user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/admin/")
    token = browser.cookies["csrftoken"].value
    return browser.post("/api/artwork/1/reanalyze", HTTP_X_CSRFTOKEN=token)


def test_openapi_docs_are_served(client, staff):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/artwork" in schema["paths"]


def test_a_tv_that_is_off_is_a_503_with_a_readable_detail(
    client, staff, fake_tv, make_artwork, jpeg, upload_now
):
    artwork = make_artwork(jpeg)
    upload_now(artwork)
    fake_tv.stop()

    response = client.post(f"/api/artwork/{artwork.pk}/remove")

    assert response.status_code == 503
    assert "off" in response.json()["detail"]


def test_an_unknown_artwork_is_a_404(client, staff):
    assert client.get("/api/artwork/999").status_code == 404
