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
    assert UPLOAD in page and "/admin/plex/browse/" in page  # the two ways in, side by side
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


@pytest.fixture
def tv_settings(fake_tv, frame_tv, settings, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return settings


def on_tv(make_artwork, jpeg, frame_tv, **fields):
    artwork = make_artwork(jpeg, **fields)
    return services.artwork_upload_to_tv(artwork_id=artwork.pk, tv=frame_tv)


def test_gallery_cards_show_source_status_and_description(admin_client, make_artwork, jpeg):
    described = make_artwork(jpeg, filename="wave.jpg")
    Artwork.objects.filter(pk=described.pk).update(
        status=Status.ON_TV, content_id="MY_F0042", ai_title="The Great Wave",
        ai_artist="Hokusai", ai_description="A towering wave curls over three boats.",
        analysis_status=AnalysisStatus.DONE)
    failed = make_artwork(jpeg, filename="broken.jpg", source="plex")
    Artwork.objects.filter(pk=failed.pk).update(status=Status.FAILED,
                                                last_error="The TV refused the picture.")

    page = admin_client.get(CHANGELIST).content.decode()

    cards = {card.split('value="', 1)[1].split('"', 1)[0]: card
             for card in page.split('<tr role="listitem"')[1:]}
    card = cards[str(described.pk)]
    assert "On the TV" in card and "Direct upload · MY_F0042" in card
    assert "The Great Wave — Hokusai" in card
    assert "A towering wave curls over three boats." in card
    assert 'aria-label="Select wave"' in card
    other = cards[str(failed.pk)]
    assert "Plex" in other and "Failed" in other and "The TV refused the picture." in other


def test_gallery_costs_the_same_queries_for_one_artwork_or_ten(admin_client, make_artwork,
                                                               jpeg):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(captured)

    make_artwork(jpeg)
    one = queries()
    for _ in range(9):
        make_artwork(jpeg)

    assert queries() == one


def test_change_matte_asks_which_matte_first(admin_client, tv_settings, make_artwork, jpeg,
                                             frame_tv):
    artwork = on_tv(make_artwork, jpeg, frame_tv, filename="wave.jpg")

    response = admin_client.post(CHANGELIST, {"action": "change_matte",
                                              "_selected_action": [artwork.pk]})

    page = response.content.decode()
    assert response.status_code == 200
    # Swatches named in words, per style, from the TV's own list.
    assert '<legend>Shadowbox</legend>' in page
    assert 'value="shadowbox_polar"' in page and ">Polar</span>" in page
    assert 'value="modern_burgandy"' in page and ">Burgundy</span>" in page
    assert ">Sea foam</span>" in page and "burgandy</span>" not in page
    assert 'value="none" checked' in page  # the picture's matte now
    assert f'name="_selected_action" value="{artwork.pk}"' in page
    assert "not every matte fits every picture" in page
    assert f"on the TV as {artwork.content_id}" in page


def test_change_matte_changes_the_pictures_on_the_tv_and_says_what_it_left(
        admin_client, tv_settings, make_artwork, jpeg, frame_tv, fake_tv):
    framed = on_tv(make_artwork, jpeg, frame_tv, filename="framed.jpg")
    gone = on_tv(make_artwork, jpeg, frame_tv, filename="gone.jpg")
    del fake_tv.photos[gone.content_id]  # deleted on the TV itself: the TV refuses
    waiting = make_artwork(jpeg, filename="waiting.jpg")

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "modern_sage",
        "_selected_action": [framed.pk, gone.pk, waiting.pk]}, follow=True)

    page = response.content.decode()
    assert "Matte Modern, Sage on 1 picture(s)." in page
    assert "1 not on the TV, left as they are." in page
    assert "Gone: The TV refused change_matte: error -7" in page  # the admin capitalises
    assert fake_tv.photos[framed.content_id].matte_id == "modern_sage"
    assert Artwork.objects.get(pk=framed.pk).matte_id == "modern_sage"
    assert Artwork.objects.get(pk=gone.pk).matte_id == "none"


def test_change_matte_with_the_tv_off_changes_nothing_and_says_why(
        admin_client, tv_settings, make_artwork, jpeg, frame_tv, fake_tv):
    artwork = on_tv(make_artwork, jpeg, frame_tv)
    fake_tv.stop()

    response = admin_client.post(CHANGELIST, {"action": "change_matte",
                                              "_selected_action": [artwork.pk]}, follow=True)

    assert "No matte was changed: The TV at" in response.content.decode()
    assert Artwork.objects.get(pk=artwork.pk).matte_id == "none"


def test_change_matte_refuses_a_matte_the_tv_does_not_offer(
        admin_client, tv_settings, make_artwork, jpeg, frame_tv, fake_tv):
    artwork = on_tv(make_artwork, jpeg, frame_tv)

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "velvet_gold",
        "_selected_action": [artwork.pk]})

    assert response.status_code == 200  # the question again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert fake_tv.photos[artwork.content_id].matte_id == "none"


def test_gallery_sorts_by_its_columns(admin_client, make_artwork, jpeg):
    make_artwork(jpeg, filename="alpha.jpg")
    make_artwork(jpeg, filename="omega.jpg")  # newest: first by default

    page = admin_client.get(CHANGELIST).content.decode()
    sort_by_title = page.split('aria-label="Sort by"')[1].split('">Title')[0].rsplit('"', 1)[1]
    body = admin_client.get(CHANGELIST + sort_by_title).content.decode()

    assert sort_by_title == "?o=1"
    assert body.index('aria-label="Select alpha"') < body.index('aria-label="Select omega"')
    assert "Title ↑" in body


def test_change_matte_the_tv_is_too_busy_for_stops_no_other_picture(
        admin_client, tv_settings, make_artwork, jpeg, frame_tv, fake_tv):
    first = on_tv(make_artwork, jpeg, frame_tv, filename="first.jpg")
    second = on_tv(make_artwork, jpeg, frame_tv, filename="second.jpg")
    fake_tv.error_codes["change_matte"] = "-10"

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "modern_sage",
        "_selected_action": [first.pk, second.pk]}, follow=True)

    page = response.content.decode()
    assert page.count("is busy and turned down change_matte for now") == 2
    assert "not reached" not in page
    assert fake_tv.requests.count("change_matte") == 2
