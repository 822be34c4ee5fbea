"""Choosing TVs where pictures come in: the upload page and its route, the Import
from Plex page's picker. With one TV nothing is asked."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from docentsite.artwork.models import Artwork, Placement
from tests import tvs_fixtures

den_tv, two_tvs = tvs_fixtures.den_tv, tvs_fixtures.two_tvs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

UPLOAD = "/admin/artwork/artwork/upload/"
ROUTE = "/api/artwork/upload"
PLEX = "/admin/plex/browse/"


def png(colour=(10, 120, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), colour).save(buffer, "PNG")
    return SimpleUploadedFile("sea.png", buffer.getvalue())


def placed_on(artwork) -> set[str]:
    return set(Placement.objects.filter(artwork=artwork).values_list("tv__name", flat=True))


@pytest.fixture
def one_tv(fake_tv, frame_tv, settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.PLEX_URL = settings.PLEX_TOKEN = ""


def test_the_upload_route_places_on_the_tvs_named_by_id_or_name(admin_client, two_tvs, queued):
    queued("pipeline")
    living, den = two_tvs

    both = admin_client.post(ROUTE, {"file": png(), "tvs": [str(den.pk), "living room"]})
    default = admin_client.post(ROUTE, {"file": png((1, 2, 3))})

    assert both.status_code == 201 and default.status_code == 201
    assert placed_on(Artwork.objects.get(pk=both.json()["id"])) == {"Living room", "Den"}
    assert placed_on(Artwork.objects.get(pk=default.json()["id"])) == {"Living room"}


def test_the_upload_route_refuses_a_tv_it_does_not_know_and_keeps_nothing(admin_client,
                                                                          two_tvs):
    response = admin_client.post(ROUTE, {"file": png(), "tvs": ["Attic"]})

    assert response.status_code == 404
    assert "There is no TV called 'Attic' (TVs: Living room, Den)." in response.json()["detail"]
    assert not Artwork.objects.exists()


def test_the_upload_page_offers_the_tvs_with_the_default_ticked(admin_client, two_tvs):
    living, den = two_tvs

    page = admin_client.get(UPLOAD).content.decode()

    assert f'name="tvs" value="{living.pk}"' in page and f'name="tvs" value="{den.pk}"' in page
    living_box = page.split(f'value="{living.pk}"', 1)[1].split(">", 1)[0]
    den_box = page.split(f'value="{den.pk}"', 1)[1].split(">", 1)[0]
    assert "checked" in living_box and "checked" not in den_box


def test_the_plain_upload_form_sends_to_the_tvs_ticked(admin_client, two_tvs, queued):
    queued("pipeline")
    living, den = two_tvs

    refused = admin_client.post(UPLOAD, {"files": [png()]})
    response = admin_client.post(UPLOAD, {"files": [png()], "tvs": [den.pk]})

    assert "Choose at least one TV." in refused.content.decode()
    assert response.status_code == 302
    assert placed_on(Artwork.objects.get()) == {"Den"}


def test_with_one_tv_neither_page_asks_which(admin_client, one_tv):
    upload_page = admin_client.get(UPLOAD).content.decode()
    plex_page = admin_client.get(PLEX).content.decode()

    assert 'name="tvs"' not in upload_page
    assert 'id="browse-tvs"' not in plex_page and 'name="browse-tv"' not in plex_page


def test_the_plex_page_offers_the_enabled_tvs_with_the_default_ticked(admin_client, two_tvs,
                                                                      den_tv):
    living, den = two_tvs
    from docentsite.artwork import tvs

    hall = tvs.tv_create(name="Hall", host="127.0.0.1", port=9)
    hall.enabled = False
    hall.save()

    page = admin_client.get(PLEX).content.decode()

    picker = page.split('id="browse-tvs"', 1)[1].split("</fieldset>", 1)[0]
    assert (f'value="{living.pk}" data-name="Living room" checked' in picker
            and f'value="{den.pk}" data-name="Den">' in picker)
    assert "Hall" not in picker  # disabled: gets no new pictures
