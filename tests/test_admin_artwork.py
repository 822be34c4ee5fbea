import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from docentsite.artwork import services
from docentsite.artwork.models import AnalysisStatus, Artwork, Status

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/artwork/artwork/"
UPLOAD = "/admin/artwork/artwork/upload/"


def png(width=320, height=200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def test_upload_page_keeps_each_file_and_queues_its_pipeline(
    admin_client, django_capture_on_commit_callbacks, queued
):
    pipelines = queued("pipeline")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(UPLOAD, {
            "files": [SimpleUploadedFile("a.png", png()), SimpleUploadedFile("b.png", png())],
        })

    assert response.status_code == 302
    artworks = list(Artwork.objects.order_by("original_filename"))
    assert [a.original_filename for a in artworks] == ["a.png", "b.png"]
    assert all(a.status == Status.PENDING and a.original for a in artworks)
    assert all(a.analysis_status == AnalysisStatus.NONE for a in artworks)  # AI_PROVIDER=none
    assert sorted(pipelines.ids) == sorted(a.pk for a in artworks)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["2 picture(s) queued for the TV. Their status updates here as they "
                        "are prepared and uploaded."]


def test_upload_page_without_files_shows_the_error(admin_client):
    response = admin_client.post(UPLOAD, {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Artwork.objects.exists()


def test_changelist_shows_thumbnails_and_links_to_upload(admin_client, make_artwork, jpeg):
    artwork = make_artwork(jpeg, filename="sunset.jpg")

    page = admin_client.get(CHANGELIST).content.decode()

    assert f"/admin/artwork/artwork/{artwork.pk}/thumbnail/" in page
    assert 'alt="sunset"' in page
    assert UPLOAD in page
    thumbnail = admin_client.get(f"/admin/artwork/artwork/{artwork.pk}/thumbnail/")
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert thumbnail["Cache-Control"] == "private, max-age=86400"
    assert Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))).width <= 480


def test_changelist_filters_by_status_and_source(admin_client, make_artwork, jpeg):
    make_artwork(jpeg, filename="alpha.jpg")
    make_artwork(jpeg, filename="omega.jpg", prepare=False)

    page = admin_client.get(CHANGELIST, {"status": "prepared", "source": "upload"})

    assert "alpha" in page.content.decode() and "omega" not in page.content.decode()


def test_non_staff_users_get_nothing(client, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    user = get_user_model().objects.create_user("guest", password="pw")
    client.force_login(user)
    for url in (CHANGELIST, UPLOAD, f"{CHANGELIST}{artwork.pk}/thumbnail/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_reanalyze_action_queues_prepared_artworks(
    admin_client, make_artwork, jpeg, django_capture_on_commit_callbacks, queued
):
    reanalyses = queued("reanalysis")
    ready = make_artwork(jpeg)
    waiting = make_artwork(jpeg, prepare=False)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CHANGELIST, {"action": "reanalyze",
                                       "_selected_action": [ready.pk, waiting.pk]})

    assert reanalyses.ids == [ready.pk]
    ready.refresh_from_db()
    assert ready.analysis_status == AnalysisStatus.PENDING


def test_remove_action_deletes_from_the_tv(
    admin_client, fake_tv, frame_tv, make_artwork, jpeg, settings, tmp_path
):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    artwork = services.artwork_upload_to_tv(artwork_id=make_artwork(jpeg).pk, tv=frame_tv)
    assert artwork.content_id in fake_tv.photos

    response = admin_client.post(CHANGELIST, {"action": "remove_from_tv",
                                              "_selected_action": [artwork.pk]}, follow=True)

    assert "1 artwork(s) removed from the TV." in response.content.decode()
    assert fake_tv.photos == {}
    artwork.refresh_from_db()
    assert artwork.status == Status.REMOVED


def test_remove_action_with_the_tv_off_says_why(
    admin_client, fake_tv, frame_tv, make_artwork, jpeg, settings
):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    artwork = services.artwork_upload_to_tv(artwork_id=make_artwork(jpeg).pk, tv=frame_tv)
    fake_tv.stop()

    response = admin_client.post(CHANGELIST, {"action": "remove_from_tv",
                                              "_selected_action": [artwork.pk]}, follow=True)

    assert "Nothing more was removed" in response.content.decode()
    artwork.refresh_from_db()
    assert artwork.status == Status.ON_TV
