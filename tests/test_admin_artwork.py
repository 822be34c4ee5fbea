import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/artwork/artwork/"
UPLOAD = "/admin/artwork/artwork/upload/"


def png(width=320, height=200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def test_upload_page_keeps_each_file_and_queues_its_pipeline(
    admin_client, django_capture_on_commit_callbacks, queued, settings
):
    pipelines = queued("pipeline")
    settings.TV_HOST = "192.0.2.1"  # the default TV; nothing here talks to it
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
    # Each waits for the default TV, which it goes to once prepared.
    assert sorted(Placement.objects.filter(
        tv__host="192.0.2.1", status=PlacementStatus.QUEUED).values_list("artwork_id", flat=True)
    ) == sorted(a.pk for a in artworks)
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


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


@pytest.fixture
def on_tv(make_artwork, jpeg, upload_now):
    """on_tv(data=jpeg, **fields) -> a new picture's placement on the TV, uploaded."""
    def make(data=None, **fields):
        return upload_now(make_artwork(data or jpeg, **fields))

    return make


def test_remove_action_deletes_from_the_tv(admin_client, fake_tv, on_tv):
    placement = on_tv()
    assert placement.content_id in fake_tv.photos

    response = admin_client.post(CHANGELIST, {"action": "remove_from_tv",
                                              "_selected_action": [placement.artwork_id]},
                                 follow=True)

    assert "1 artwork(s) removed from the TV." in response.content.decode()
    assert fake_tv.photos == {}
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.REMOVED


def test_remove_action_with_the_tv_off_says_why(admin_client, fake_tv, on_tv):
    placement = on_tv()
    fake_tv.stop()

    response = admin_client.post(CHANGELIST, {"action": "remove_from_tv",
                                              "_selected_action": [placement.artwork_id]},
                                 follow=True)

    assert "Nothing more was removed" in response.content.decode()
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ON_TV


def test_gallery_cards_show_source_status_and_description(admin_client, make_artwork, jpeg):
    described = make_artwork(jpeg, filename="wave.jpg")
    Artwork.objects.filter(pk=described.pk).update(
        ai_title="The Great Wave", ai_artist="Hokusai",
        ai_description="A towering wave curls over three boats.",
        analysis_status=AnalysisStatus.DONE)
    Placement.objects.create(artwork=described, tv=TV.objects.create(name="Frame", host="x"),
                             content_id="MY_F0042", status=PlacementStatus.ON_TV)
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

    # Each on a TV of its own: the cards read the placements and their TVs.
    def placed():
        artwork = make_artwork(jpeg)
        tv = TV.objects.create(name=f"TV {artwork.pk}", host="192.0.2.1")
        Placement.objects.create(artwork=artwork, tv=tv, content_id="MY_F0001",
                                 status=PlacementStatus.ON_TV)

    placed()
    one = queries()
    for _ in range(9):
        placed()

    assert queries() == one


def test_change_matte_asks_which_matte_first(admin_client, on_tv, panel_jpeg):
    placement = on_tv(panel_jpeg, filename="wave.jpg")

    response = admin_client.post(CHANGELIST, {"action": "change_matte",
                                              "_selected_action": [placement.artwork_id]})

    page = response.content.decode()
    assert response.status_code == 200
    # Swatches named in words, per style, from the TV's own list.
    assert '<legend>Shadowbox</legend>' in page
    assert 'value="shadowbox_polar"' in page and ">Polar</span>" in page
    assert 'value="modern_burgandy"' in page and ">Burgundy</span>" in page
    assert ">Sea foam</span>" in page and "burgandy</span>" not in page
    assert 'value="none" checked' in page  # the picture's matte now
    assert f'name="_selected_action" value="{placement.artwork_id}"' in page
    assert "not every matte fits every picture" in page
    assert f"on the TV as {placement.content_id}" in page


def test_change_matte_changes_the_pictures_on_the_tv_and_says_what_it_left(
        admin_client, on_tv, make_artwork, jpeg, fake_tv, panel_jpeg):
    framed = on_tv(panel_jpeg, filename="framed.jpg")
    gone = on_tv(panel_jpeg, filename="gone.jpg")
    del fake_tv.photos[gone.content_id]  # deleted on the TV itself: the TV refuses
    waiting = make_artwork(jpeg, filename="waiting.jpg")

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "modern_sage",
        "_selected_action": [framed.artwork_id, gone.artwork_id, waiting.pk]}, follow=True)

    page = response.content.decode()
    assert "Matte Modern, Sage on 1 picture(s)." in page
    assert "1 not on the TV, left as they are." in page
    assert "Gone: The TV refused change_matte: error -7" in page  # the admin capitalises
    assert fake_tv.photos[framed.content_id].matte_id == "modern_sage"
    assert Placement.objects.get(pk=framed.pk).matte_id == "modern_sage"
    assert Placement.objects.get(pk=gone.pk).matte_id == "none"


def test_change_matte_with_the_tv_off_changes_nothing_and_says_why(admin_client, on_tv, fake_tv):
    placement = on_tv()
    fake_tv.stop()

    response = admin_client.post(CHANGELIST, {"action": "change_matte",
                                              "_selected_action": [placement.artwork_id]},
                                 follow=True)

    assert "No matte was changed: The TV at" in response.content.decode()
    assert Placement.objects.get(pk=placement.pk).matte_id == "none"


def test_change_matte_refuses_a_matte_the_tv_does_not_offer(admin_client, on_tv, fake_tv):
    placement = on_tv()

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "velvet_gold",
        "_selected_action": [placement.artwork_id]})

    assert response.status_code == 200  # the question again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert fake_tv.photos[placement.content_id].matte_id == "none"


def test_gallery_sorts_by_its_columns(admin_client, make_artwork, jpeg):
    make_artwork(jpeg, filename="alpha.jpg")
    make_artwork(jpeg, filename="omega.jpg")  # newest: first by default

    page = admin_client.get(CHANGELIST).content.decode()
    sort_by_title = page.split('aria-label="Sort by"')[1].split('">Title')[0].rsplit('"', 1)[1]
    body = admin_client.get(CHANGELIST + sort_by_title).content.decode()

    # The default order (newest first) is a column of its own, and says so; sorting by
    # title puts the title first and keeps newest first among equal titles.
    assert '<a href="?o=5" aria-current="true">Created at ↓</a>' in page
    assert sort_by_title == "?o=1.-5"
    assert body.index('aria-label="Select alpha"') < body.index('aria-label="Select omega"')
    assert "Title ↑" in body


def test_change_matte_the_tv_is_too_busy_for_stops_no_other_picture(
        admin_client, on_tv, fake_tv, panel_jpeg):
    first = on_tv(panel_jpeg, filename="first.jpg")
    second = on_tv(panel_jpeg, filename="second.jpg")
    fake_tv.error_codes["change_matte"] = "-10"

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "modern_sage",
        "_selected_action": [first.artwork_id, second.artwork_id]}, follow=True)

    page = response.content.decode()
    assert page.count("is busy and turned down change_matte for now") == 2
    assert "not reached" not in page
    assert fake_tv.requests.count("change_matte") == 2


def test_the_source_filter_offers_the_sources_the_library_holds(admin_client, make_artwork, jpeg):
    make_artwork(jpeg, filename="mine.jpg", source="plex")

    filters = admin_client.get(CHANGELIST).context["cl"].filter_specs
    (sources,) = [spec for spec in filters if spec.title == "source"]

    assert sources.lookup_choices == [("plex", "Plex")]
