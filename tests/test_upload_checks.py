"""The upload page refuses a non-picture on arrival and asks before a second copy
of a picture already in the library: the plain form and the per-file JSON route."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from docentsite.artwork import services
from docentsite.artwork.models import Artwork
from tests.users import staff_with

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/artwork/artwork/upload/"
ROUTE = "/api/artwork/upload"


def png(colour=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data)


def uploaded_before(data: bytes, name="first.png") -> Artwork:
    [artwork] = services.artwork_upload_files(files=[upload(name, data)], analyze=False,
                                              user=None)
    return artwork


def test_an_upload_records_the_hash_of_its_bytes(queued):
    queued("pipeline")
    data = png()
    artwork = uploaded_before(data)
    assert artwork.original_sha256 == hashlib.sha256(data).hexdigest()
    assert "upload_sha256" not in artwork.extra
    assert list(services.artwork_duplicates(digest=hashlib.sha256(data).hexdigest())) == [
        artwork]
    assert not services.artwork_duplicates(digest=hashlib.sha256(png((1, 2, 3))).hexdigest())


def test_the_prepared_jpeg_uploaded_again_is_a_duplicate_too(make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    prepared = artwork.image.read()
    found = services.artwork_duplicates(digest=services.upload_digest(upload("x.jpg", prepared)))
    assert list(found) == [artwork]


@pytest.mark.parametrize("data", [b"hello, I am a note\n", b"%PDF-1.7\n" + b"0" * 200,
                                  b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_the_plain_form_refuses_a_file_that_is_not_a_picture_on_arrival(admin_client, data):
    response = admin_client.post(UPLOAD, {"files": [upload("notes.png", data),
                                                    upload("fine.png", png())]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "notes.png: This file is not a picture Docent can read" in page
    assert "Nothing was uploaded." in page
    assert not Artwork.objects.exists()


def test_the_plain_form_asks_before_a_second_copy(admin_client, queued):
    queued("pipeline")
    data = png()
    first = uploaded_before(data)
    response = admin_client.post(UPLOAD, {"files": [upload("again.png", data)]})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"again.png is already in the library as “{first}”." in page
    assert "Upload pictures already in the library anyway" in page
    assert Artwork.objects.count() == 1

    response = admin_client.post(UPLOAD, {"files": [upload("again.png", data)],
                                          "allow_duplicates": "on"})
    assert response.status_code == 302
    assert Artwork.objects.count() == 2


def test_the_route_keeps_a_picture_and_queues_it(admin_client, queued,
                                                  django_capture_on_commit_callbacks):
    pipelines = queued("pipeline")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ROUTE, {"file": upload("sea.png", png()),
                                             "analyze": "false"})
    assert response.status_code == 201, response.content
    artwork = Artwork.objects.get()
    assert response.json() == {"id": artwork.pk, "title": "sea", "detail": "Queued for the TV."}
    assert pipelines.ids == [artwork.pk]
    assert artwork.original_filename == "sea.png"


def test_the_route_refuses_a_non_picture_with_the_reason(admin_client):
    response = admin_client.post(ROUTE, {"file": upload("notes.txt", b"not a picture")})
    assert response.status_code == 422
    assert response.json() == {"detail": "notes.txt: This file is not a picture Docent can "
                               "read (Docent reads JPEG, PNG, WebP, TIFF, GIF and HEIC)."}
    assert not Artwork.objects.exists()


def test_the_route_asks_before_a_duplicate_and_uploads_it_when_told(admin_client, queued):
    queued("pipeline")
    data = png()
    first = uploaded_before(data)
    response = admin_client.post(ROUTE, {"file": upload("again.png", data)})
    assert response.status_code == 409
    assert response.json() == {"detail": f"Already in the library as “{first}”.",
                               "id": first.pk, "title": str(first)}
    assert Artwork.objects.count() == 1

    response = admin_client.post(ROUTE, {"file": upload("again.png", data),
                                         "allow_duplicate": "true"})
    assert response.status_code == 201
    assert Artwork.objects.count() == 2


def test_the_route_refuses_a_file_over_the_limit(admin_client, settings):
    settings.UPLOAD_MAX_MB = 0.001
    response = admin_client.post(ROUTE, {"file": upload("big.png", png() + b"\0" * 2000)})
    assert response.status_code == 413
    assert "UPLOAD_MAX_MB" in response.json()["detail"]
    assert not Artwork.objects.exists()


def test_the_route_needs_the_add_permission_and_csrf():
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_with("artwork.view_artwork"))
    response = client.post(ROUTE, {"file": upload("sea.png", png())})
    assert response.status_code in (401, 403)

    client.force_login(staff_with("artwork.add_artwork", username="adder"))
    client.get(UPLOAD)
    response = client.post(ROUTE, {"file": upload("sea.png", png())})
    assert response.status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    response = client.post(ROUTE, {"file": upload("sea.png", png())}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
