"""A matte chosen at import: the upload page and API, the sources' import API and
commands. Each TV puts it on each picture it suits (prepared size, shape, what that TV
refused, mattes that fail to show) and otherwise its own default matte or none, with
the placement's note saying why; the fake TV, driven through the real samsungtvws."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from docentsite.artwork import placements, services, tvs
from docentsite.artwork.errors import Rejected
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, RefusedMatte
from tests.commands import run_command
from tests.users import staff_with

pytestmark = pytest.mark.django_db

UPLOAD_API = "/api/artwork/upload"


@pytest.fixture
def framed_tv(tv, settings):
    """The default TV, its mattes learned from its check, shadowbox_polar its default."""
    settings.TV_MATTE = "shadowbox_polar"  # .env's matte wins on its TV
    TV.objects.filter(pk=tv.pk).update(matte="shadowbox_polar")
    tvs.tv_refresh(tv=tv)
    tv.refresh_from_db()
    return tv


def imported(make_jpeg, *sizes, **options) -> list[Artwork]:
    """Pictures of these sizes through the upload page's use case, prepared."""
    files = [SimpleUploadedFile(f"picture-{w}x{h}.jpg", make_jpeg(w, h, noise=True),
                                content_type="image/jpeg") for w, h in sizes]
    made = services.artwork_upload_files(files=files, analyze=False, user=None, **options)
    return [services.artwork_prepare(artwork_id=artwork.pk) for artwork in made]


def on_tv(upload_now, artwork: Artwork) -> Placement:
    return upload_now(Artwork.objects.get(pk=artwork.pk))


def test_the_tvs_check_remembers_the_mattes_it_offers(tv, fake_tv):
    assert tv.mattes == []

    tvs.tv_refresh(tv=tv)

    tv.refresh_from_db()
    assert tv.mattes[0] == "none"
    assert {"shadowbox_polar", "flexible_sage", "modernthin_black"} <= set(tv.mattes)


def test_each_picture_gets_the_matte_where_it_suits_and_says_why_not_elsewhere(
        framed_tv, fake_tv, make_jpeg, upload_now):
    # As is: a 16:9 picture shrinks to exactly the panel; a smaller one is not enlarged.
    landscape, portrait = imported(make_jpeg, (4000, 2250), (1200, 1600),
                                   framing="as_is", matte="flexible_sage")
    assert (landscape.width, landscape.height) == (3840, 2160)

    framed, plain = on_tv(upload_now, landscape), on_tv(upload_now, portrait)

    assert fake_tv.photos[framed.content_id].matte_id == "flexible_sage"
    assert (framed.matte_id, framed.matte_note) == ("flexible_sage", "")
    assert fake_tv.photos[plain.content_id].matte_id == "none"
    assert plain.matte_id == "none"
    assert plain.matte_note == (
        "Frame puts a matte only around a picture of exactly 3840×2160 (or 2160×3840); this "
        "one is 1200×1600; shown without a matte.")
    assert fake_tv.uploads_started == 2  # neither was sent with a matte it would refuse


def test_a_matte_the_tv_refused_for_the_shape_gives_way_to_its_default(
        framed_tv, fake_tv, make_jpeg, upload_now):
    RefusedMatte.objects.create(tv=framed_tv, matte_id="flexible_sage", shape="landscape")
    # Fitted, both are panel-sized landscape pictures (a portrait one on a 16:9 ground).
    artworks = imported(make_jpeg, (4000, 2250), (1200, 1600), framing="fit",
                        matte="flexible_sage")

    for artwork in artworks:
        placement = on_tv(upload_now, artwork)

        assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
        assert placement.matte_note == (
            "Frame refused the matte flexible_sage for landscape pictures; shown with the "
            "TV's default matte (Shadowbox, Polar).")
    assert "flexible_sage" not in {photo.matte_id for photo in fake_tv.photos.values()}


def test_a_matte_the_tv_refuses_at_upload_gives_way_to_its_default_then_to_none(
        framed_tv, fake_tv, make_jpeg, upload_now):
    fake_tv.refused_mattes = {("flexible_sage", "landscape")}
    first, second = imported(make_jpeg, (3840, 2160), (3840, 2160), matte="flexible_sage")

    placement = on_tv(upload_now, first)

    assert list(fake_tv.photos) == [placement.content_id]  # one copy, never two
    assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
    assert placement.matte_note == (
        "Frame refused the matte flexible_sage for this picture's shape; shown with the TV's "
        "default matte (Shadowbox, Polar).")
    assert fake_tv.uploads_started == 2
    assert RefusedMatte.objects.filter(tv=framed_tv, matte_id="flexible_sage").exists()

    # The TV refuses its own default too: the picture goes without a matte.
    fake_tv.refused_mattes.add(("shadowbox_polar", "landscape"))
    RefusedMatte.objects.all().delete()
    placement = on_tv(upload_now, second)

    assert fake_tv.photos[placement.content_id].matte_id == "none"
    assert placement.matte_note == ("Frame refused the matte shadowbox_polar for this "
                                    "picture's shape; shown without a matte.")
    assert len(fake_tv.photos) == 2 and fake_tv.uploads_started == 5
    assert set(RefusedMatte.objects.values_list("matte_id", flat=True)) == {
        "flexible_sage", "shadowbox_polar"}


def test_a_matte_the_tv_does_not_offer_gives_way_to_its_default(
        framed_tv, fake_tv, make_jpeg, upload_now):
    [artwork] = imported(make_jpeg, (3840, 2160), matte="flexible_sage")
    TV.objects.filter(pk=framed_tv.pk).update(mattes=["none", "shadowbox_polar"])

    placement = on_tv(upload_now, artwork)

    assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
    assert placement.matte_note.startswith("Frame has no matte flexible_sage; shown with")


def test_no_matte_asked_for_is_no_matte_whatever_the_default(
        framed_tv, fake_tv, make_jpeg, upload_now):
    [artwork] = imported(make_jpeg, (3840, 2160), matte="none")

    placement = on_tv(upload_now, artwork)

    assert fake_tv.photos[placement.content_id].matte_id == "none"
    assert (placement.matte_id, placement.matte_note) == ("none", "")


def test_a_matte_that_fails_to_show_is_never_asked_for_nor_sent(
        framed_tv, fake_tv, make_jpeg, upload_now):
    with pytest.raises(Rejected, match="fail to show"):
        imported(make_jpeg, (3840, 2160), matte="modernthin_black")
    assert not Artwork.objects.exists()

    # Asked for all the same (an artwork of before): the lane does not send it.
    [artwork] = imported(make_jpeg, (3840, 2160))
    Artwork.objects.filter(pk=artwork.pk).update(matte="modernthin_black")
    placement = on_tv(upload_now, artwork)

    photo = fake_tv.photos[placement.content_id]
    assert (photo.matte_id, photo.fails_to_show) == ("shadowbox_polar", False)
    assert "error 40000" in placement.matte_note
    assert fake_tv.uploads_started == 1  # straight with the default


def test_a_2025_tv_gets_the_matte_asked_for_with_the_upload(
        framed_tv, fake_tv, make_jpeg, upload_now):
    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=framed_tv)
    [artwork] = imported(make_jpeg, (3840, 2160), matte="flexible_sage")

    placement = on_tv(upload_now, artwork)

    assert fake_tv.photos[placement.content_id].matte_id == "flexible_sage"
    assert "change_matte" not in fake_tv.requests


def test_a_placement_queued_again_later_still_asks_for_the_imports_matte(
        framed_tv, fake_tv, make_jpeg, upload_now):
    [artwork] = imported(make_jpeg, (3840, 2160), matte="flexible_sage")
    first = on_tv(upload_now, artwork)
    placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=artwork.pk))
    assert Placement.objects.get(pk=first.pk).status == PlacementStatus.REMOVED

    placements.artwork_place(artworks=[artwork], tvs_wanted=[framed_tv])
    again = on_tv(upload_now, artwork)

    assert again.content_id != first.content_id
    assert fake_tv.photos[again.content_id].matte_id == "flexible_sage"


# -- the upload API and page ---------------------------------------------------------------

def post_upload(client, make_jpeg, **fields):
    client.force_login(staff_with("artwork.add_artwork"))
    picture = SimpleUploadedFile("sea.jpg", make_jpeg(3840, 2160, noise=True),
                                 content_type="image/jpeg")
    return client.post(UPLOAD_API, {"file": picture, **fields})


@pytest.mark.parametrize(("matte", "says"), [
    ("velvet_gold", "Frame offers no matte called 'velvet_gold'."),
    ("modern_apricot", "makes a Frame fail to show the picture"),
])
def test_the_upload_api_refuses_a_matte_the_tvs_do_not_offer(
        client, framed_tv, make_jpeg, queued, matte, says):
    queued("pipeline")

    answer = post_upload(client, make_jpeg, matte=matte)

    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert not Artwork.objects.exists()


def test_the_upload_api_says_when_docent_has_not_seen_a_tvs_mattes(
        client, tv, make_jpeg, queued):
    queued("pipeline")

    answer = post_upload(client, make_jpeg, matte="shadowbox_polar")

    assert answer.status_code == 422
    assert "Docent has not seen the mattes of Frame yet" in answer.json()["detail"]


def test_no_matte_is_chosen_before_docent_knows_a_tv(client, make_jpeg, queued):
    queued("pipeline")

    answer = post_upload(client, make_jpeg, matte="shadowbox_polar")

    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("Docent knows no TV yet")


def test_the_upload_api_keeps_the_matte_asked_for(client, framed_tv, make_jpeg, queued):
    queued("pipeline")

    answer = post_upload(client, make_jpeg, matte="flexible_sage")

    assert answer.status_code == 201, answer.content
    assert Artwork.objects.get().matte == "flexible_sage"


def test_the_upload_page_offers_the_tvs_mattes_without_asking_it(
        admin_client, framed_tv, fake_tv, make_jpeg, queued):
    queued("pipeline")
    asked = len(fake_tv.requests)

    page = admin_client.get("/admin/artwork/artwork/upload/")

    assert len(fake_tv.requests) == asked
    html = page.content.decode()
    assert '<option value="" selected>The TV&#x27;s default</option>' in html
    assert '<optgroup label="Shadowbox">' in html and '<option value="shadowbox_sage">' in html
    assert 'value="modernthin_black"' not in html  # fails to show: never offered
    assert 'id="upload-mattes"' in html

    picture = SimpleUploadedFile("sea.jpg", make_jpeg(640, 360), content_type="image/jpeg")
    answer = admin_client.post("/admin/artwork/artwork/upload/",
                               {"files": [picture], "matte": "flexible_sage"})

    assert answer.status_code == 302
    assert Artwork.objects.get().matte == "flexible_sage"


# -- the sources' imports ------------------------------------------------------------------

@pytest.fixture
def plex_api(client, plex_settings):
    def call(data):
        from plexsource.admin_urls import PLEX_BROWSE

        client.force_login(staff_with(*PLEX_BROWSE))
        return client.post("/api/plex/import", data, content_type="application/json")

    return call


def test_a_plex_import_asks_for_a_matte_and_a_picture_imported_before_takes_it_too(
        plex_api, framed_tv, fake_plex, chains):
    from plexsource.models import ImportRecord, ImportStatus

    harbour, garden = fake_plex.find("Harbour at dawn"), fake_plex.find("Garden")
    plex_api({"plex_metadata_ids": [harbour.rating_key]})
    ImportRecord.objects.update(status=ImportStatus.FAILED,  # asked for again: re-armed
                                finished_at=timezone.now())

    refused = plex_api({"plex_metadata_ids": [garden.rating_key], "matte": "velvet_gold"})
    assert refused.status_code == 422 and "no matte called 'velvet_gold'" in refused.text
    answer = plex_api({"plex_metadata_ids": [harbour.rating_key, garden.rating_key],
                       "matte": "flexible_sage"})

    assert answer.status_code == 202, answer.content
    mattes = dict(ImportRecord.objects.values_list("plex_metadata_id", "artwork__matte"))
    assert mattes == {harbour.rating_key: "flexible_sage", garden.rating_key: "flexible_sage"}


def test_the_browse_page_offers_the_tvs_mattes(admin_client, framed_tv, plex_settings):
    page = admin_client.get(reverse("plex_browse"))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<select name="matte" id="browse-matte" aria-describedby="browse-matte-hint">' in html
    assert '<option value="none">No matte</option>' in html
    assert '<option value="flexible_sage">Sage</option>' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_import_plex_matte_puts_it_on_the_tv(worker_env, plex_settings, fake_plex, fake_tv,
                                             tv):
    from tests.workers import empty_embedded_queue

    empty_embedded_queue()
    tvs.tv_refresh(tv=tv)
    harbour = fake_plex.find("Harbour at dawn").rating_key

    code, output = run_command("import_plex", "--ids", harbour, "--matte", "velvet_gold")
    assert code != 0 and "no matte called 'velvet_gold'" in output
    assert not Artwork.objects.exists()

    code, output = run_command("import_plex", "--ids", harbour, "--framing", "fill",
                               "--matte", "flexible_sage")

    assert code == 0, output
    [photo] = fake_tv.photos.values()
    assert photo.matte_id == "flexible_sage"
    assert Placement.objects.get().matte_id == "flexible_sage"
