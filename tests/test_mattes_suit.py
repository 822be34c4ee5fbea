"""Mattes that suit the picture: the fake TV refuses mattes as real sets do (through the
real samsungtvws), and Docent offers only mattes that suit, sends them with the upload,
falls back to none with a message, and does not try a refused pair again."""

import pytest

from docentsite.artwork import lane, matte_change, matte_fit, placements, tvs
from docentsite.artwork.errors import Rejected
from docentsite.artwork.frametv import TVNotSupported, TVRejected
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, RefusedMatte

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def framed_tv(tv):
    """The default TV with shadowbox_polar as its default matte."""
    TV.objects.filter(pk=tv.pk).update(matte="shadowbox_polar")
    tv.refresh_from_db()
    return tv


# -- the fake TV, as real sets -----------------------------------------------------------

def test_fake_puts_a_matte_only_around_a_panel_sized_picture(fake_tv, frame_tv, jpeg,
                                                             panel_jpeg):
    with pytest.raises(TVRejected, match="-7"):
        frame_tv.upload(jpeg, matte="shadowbox_polar")
    assert fake_tv.photos == {}

    small = frame_tv.upload(jpeg, matte="none")
    framed = frame_tv.upload(panel_jpeg, matte="shadowbox_polar")

    assert fake_tv.photos[framed].matte_id == "shadowbox_polar"
    with pytest.raises(TVRejected, match="-7"):
        frame_tv.change_matte(small, "shadowbox_polar")
    assert fake_tv.photos[small].matte_id == "none"


def test_fake_refuses_a_matte_for_a_shape_it_does_not_take(fake_tv, frame_tv, panel_jpeg):
    fake_tv.refused_mattes = {("panoramic_polar", "landscape")}

    with pytest.raises(TVRejected, match="-7"):
        frame_tv.upload(panel_jpeg, matte="panoramic_polar")
    content_id = frame_tv.upload(panel_jpeg, matte="flexible_polar")
    with pytest.raises(TVRejected, match="-7"):
        frame_tv.change_matte(content_id, "panoramic_polar")

    assert list(fake_tv.photos) == [content_id]
    assert fake_tv.photos[content_id].matte_id == "flexible_polar"


def test_fake_in_2025_mode_takes_a_matte_at_upload_but_never_changes_it(fake_tv, frame_tv,
                                                                       panel_jpeg):
    fake_tv.firmware_2025 = True

    content_id = frame_tv.upload(panel_jpeg, matte="shadowbox_polar")
    with pytest.raises(TVNotSupported, match="-9"):
        frame_tv.change_matte(content_id, "none")

    assert fake_tv.photos[content_id].matte_id == "shadowbox_polar"
    assert frame_tv.status().api_version == "5.0.1.0"


def test_fake_takes_a_matte_that_fails_to_show_as_real_sets_do(fake_tv, frame_tv, panel_jpeg):
    content_id = frame_tv.upload(panel_jpeg, matte="modernthin_black")

    assert fake_tv.photos[content_id].fails_to_show


# -- what suits, in Docent ------------------------------------------------------------------

def test_what_suits_a_picture(framed_tv):
    def why(matte_id, width, height):
        return matte_fit.why_not(matte_id, tv=framed_tv, width=width, height=height,
                                 refused={("flexible_polar", "portrait")})

    assert why("none", 320, 200) == ""
    assert why("shadowbox_polar", 3840, 2160) == ""
    assert why("flexible_polar", 3840, 2160) == ""
    assert why("shadowbox_polar", 2160, 3840) == ""  # a portrait TV's picture
    assert "exactly 3840×2160" in why("shadowbox_polar", 3000, 2000)
    assert "refused the matte flexible_polar for portrait" in why("flexible_polar", 2160, 3840)
    assert "error 40000" in why("modernthin_black", 3840, 2160)
    assert "error 40000" in why("modern_apricot", None, None)  # not prepared yet
    assert why("shadowbox_polar", None, None) == ""


def test_a_tv_that_told_its_resolution_is_taken_at_its_word(framed_tv):
    framed_tv.resolution = "7680x4320"

    assert matte_fit.why_not("shadowbox_polar", tv=framed_tv, width=7680, height=4320) == ""
    assert "exactly 7680×4320" in matte_fit.why_not("shadowbox_polar", tv=framed_tv,
                                                      width=3840, height=2160)


# -- at upload ----------------------------------------------------------------------------

def test_a_panel_sized_picture_goes_with_the_tvs_matte(framed_tv, fake_tv, make_artwork,
                                                       panel_jpeg, upload_now):
    placement = upload_now(make_artwork(panel_jpeg))

    assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
    assert (placement.matte_id, placement.matte_note) == ("shadowbox_polar", "")
    assert fake_tv.uploads_started == 1


def test_a_picture_not_at_panel_size_goes_without_a_matte_and_says_why(
        framed_tv, fake_tv, make_artwork, jpeg, upload_now):
    placement = upload_now(make_artwork(jpeg))

    assert fake_tv.photos[placement.content_id].matte_id == "none"
    assert placement.matte_id == "none"
    assert placement.matte_note == (
        "Frame puts a matte only around a picture of exactly 3840×2160 (or 2160×3840); this "
        "one is 320×200; shown without a matte.")
    assert fake_tv.uploads_started == 1  # never sent with a matte it would refuse


def test_a_refused_matte_falls_back_to_none_says_so_and_is_not_tried_again(
        framed_tv, fake_tv, make_artwork, make_jpeg, upload_now):
    fake_tv.refused_mattes = {("shadowbox_polar", "landscape")}

    first = upload_now(make_artwork(make_jpeg(3840, 2160)))

    assert first.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [first.content_id]  # one copy, the one without a matte
    assert fake_tv.photos[first.content_id].matte_id == "none"
    assert first.matte_id == "none"
    assert first.matte_note == ("Frame refused the matte shadowbox_polar for this picture's "
                                "shape; shown without a matte.")
    refusal = RefusedMatte.objects.get(tv=framed_tv)
    assert (refusal.matte_id, refusal.shape) == ("shadowbox_polar", "landscape")
    assert "-7" in refusal.reason
    assert fake_tv.uploads_started == 2

    second = upload_now(make_artwork(make_jpeg(3840, 2160, noise=True)))

    assert fake_tv.uploads_started == 3  # straight without the matte this time
    assert fake_tv.photos[second.content_id].matte_id == "none"
    assert "refused the matte shadowbox_polar for landscape pictures" in second.matte_note


def test_a_matte_that_fails_to_show_is_never_sent(tv, fake_tv, make_artwork, panel_jpeg,
                                                 upload_now):
    TV.objects.filter(pk=tv.pk).update(matte="modernthin_black")

    placement = upload_now(make_artwork(panel_jpeg))

    photo = fake_tv.photos[placement.content_id]
    assert (photo.matte_id, photo.fails_to_show) == ("none", False)
    assert "error 40000" in placement.matte_note


def test_a_2025_tv_gets_its_matte_with_the_upload(framed_tv, fake_tv, make_artwork,
                                                  panel_jpeg, upload_now):
    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=framed_tv)

    placement = upload_now(make_artwork(panel_jpeg))

    assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
    assert "change_matte" not in fake_tv.requests


# -- Change matte -------------------------------------------------------------------------

def test_change_matte_offers_only_the_mattes_that_suit(admin_client, tv, fake_tv, make_artwork,
                                                       panel_jpeg, jpeg, upload_now):
    framed = upload_now(make_artwork(panel_jpeg, filename="framed.jpg"))
    small = upload_now(make_artwork(jpeg, filename="small.jpg"))
    RefusedMatte.objects.create(tv=tv, matte_id="flexible_polar", shape="landscape")

    page = admin_client.get(f"{CHANGELIST}{framed.artwork_id}/matte/").content.decode()
    only_none = admin_client.get(f"{CHANGELIST}{small.artwork_id}/matte/").content.decode()

    assert 'value="shadowbox_polar"' in page and 'value="flexible_sage"' in page
    assert 'value="flexible_polar"' not in page  # the TV refused it for this shape
    assert 'value="modernthin_black"' not in page and 'value="modern_apricot"' not in page
    assert 'value="none"' in only_none and 'value="shadowbox_polar"' not in only_none


def test_change_matte_never_sends_a_pair_known_to_fail(tv, fake_tv, make_artwork, panel_jpeg,
                                                       upload_now):
    placement = upload_now(make_artwork(panel_jpeg))

    result = matte_change.artwork_change_matte(
        artworks=Artwork.objects.filter(pk=placement.artwork_id), matte_id="modernthin_black",
        tv=tv)

    assert result.changed == [] and "error 40000" in result.refused[0][1]
    assert "change_matte" not in fake_tv.requests
    assert fake_tv.photos[placement.content_id].matte_id == "none"


def test_a_matte_the_tv_refuses_to_change_to_is_learned(tv, fake_tv, make_artwork, panel_jpeg,
                                                       upload_now):
    fake_tv.refused_mattes = {("modern_sage", "landscape")}
    placement = upload_now(make_artwork(panel_jpeg))
    artworks = Artwork.objects.filter(pk=placement.artwork_id)

    first = matte_change.artwork_change_matte(artworks=artworks, matte_id="modern_sage", tv=tv)
    again = matte_change.artwork_change_matte(artworks=artworks, matte_id="modern_sage", tv=tv)

    assert "error -7" in first.refused[0][1]
    assert "refused the matte modern_sage for landscape pictures" in again.refused[0][1]
    assert fake_tv.requests.count("change_matte") == 1
    assert RefusedMatte.objects.filter(tv=tv, matte_id="modern_sage").exists()


def test_a_picture_gone_from_the_tv_teaches_no_refusal(tv, fake_tv, make_artwork, panel_jpeg,
                                                       upload_now):
    placement = upload_now(make_artwork(panel_jpeg))
    del fake_tv.photos[placement.content_id]

    matte_change.artwork_change_matte(artworks=Artwork.objects.filter(pk=placement.artwork_id),
                                    matte_id="modern_sage", tv=tv)

    assert not RefusedMatte.objects.exists()


def test_change_matte_on_a_2025_tv_sends_the_picture_again_with_it(
        admin_client, framed_tv, fake_tv, make_artwork, panel_jpeg, upload_now):
    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=framed_tv)
    framed_tv.refresh_from_db()
    placement = upload_now(make_artwork(panel_jpeg))
    old_id = placement.content_id

    page = admin_client.get(f"{CHANGELIST}{placement.artwork_id}/matte/", follow=True)
    uploads = fake_tv.uploads_started
    result = matte_change.artwork_change_matte(
        artworks=Artwork.objects.filter(pk=placement.artwork_id), matte_id="modern_sage",
        tv=framed_tv)

    assert "puts a matte around a picture only as it arrives" in page.content.decode()
    assert [p.pk for p in result.queued] == [placement.pk]
    assert not result.changed and not result.refused
    assert fake_tv.uploads_started == uploads  # the lane's part, not the request's
    asked = Placement.objects.get(pk=placement.pk)
    assert (asked.content_id, asked.matte_id, asked.matte_asked) == (
        old_id, "shadowbox_polar", "modern_sage")
    assert asked.replace_asked_at is not None

    lane.tv_lane_run(tv_id=framed_tv.pk)

    placement.refresh_from_db()
    assert placement.content_id != old_id and placement.matte_id == "modern_sage"
    assert placement.matte_asked == "" and placement.replace_asked_at is None
    # One copy, the new one, with its matte; change_matte never asked.
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.photos[placement.content_id].matte_id == "modern_sage"
    assert "change_matte" not in fake_tv.requests


def test_a_tv_that_refuses_change_matte_gets_the_picture_again_and_is_not_asked_again(
        tv, fake_tv, make_artwork, panel_jpeg, upload_now):
    first, second = (upload_now(make_artwork(panel_jpeg, filename=f"{n}.jpg"))
                     for n in ("a", "b"))
    fake_tv.firmware_2025 = True  # updated since Docent last asked its version
    artworks = Artwork.objects.filter(pk__in=[first.artwork_id, second.artwork_id])

    result = matte_change.artwork_change_matte(artworks=artworks, matte_id="modern_sage", tv=tv)
    lane.tv_lane_run(tv_id=tv.pk)

    assert sorted(p.pk for p in result.queued) == sorted([first.pk, second.pk])
    assert not result.stopped and not result.refused and not result.changed
    assert TV.objects.get(pk=tv.pk).changes_mattes is False
    assert sorted(fake_tv.photos) == sorted(
        Placement.objects.filter(tv=tv).values_list("content_id", flat=True))
    assert {photo.matte_id for photo in fake_tv.photos.values()} == {"modern_sage"}
    matte_change.artwork_change_matte(artworks=artworks, matte_id="modern_polar",
                                    tv=TV.objects.get(pk=tv.pk))
    assert fake_tv.requests.count("change_matte") == 1


@pytest.mark.parametrize(("default", "shown", "said"), [
    ("shadowbox_polar", "shadowbox_polar", "shown with the TV's default matte"),
    ("none", "none", "shown without a matte"),
])
def test_a_2025_tv_that_refuses_the_matte_with_the_picture_gets_its_default_or_none(
        tv, fake_tv, make_artwork, panel_jpeg, upload_now, default, shown, said):
    TV.objects.filter(pk=tv.pk).update(matte=default)
    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=tv)
    placement = upload_now(make_artwork(panel_jpeg))
    fake_tv.refused_mattes = {("modern_sage", "landscape")}

    result = matte_change.artwork_change_matte(
        artworks=Artwork.objects.filter(pk=placement.artwork_id), matte_id="modern_sage",
        tv=TV.objects.get(pk=tv.pk))
    lane.tv_lane_run(tv_id=tv.pk)

    assert [p.pk for p in result.queued] == [placement.pk]
    sent = Placement.objects.get(pk=placement.pk)
    assert sent.content_id != placement.content_id and sent.matte_id == shown
    assert "refused the matte modern_sage for this picture's shape" in sent.matte_note
    assert said in sent.matte_note
    assert sent.replace_asked_at is None and sent.matte_asked == ""
    # Exactly one copy: the refused one never stayed, the old one went.
    assert list(fake_tv.photos) == [sent.content_id]
    assert fake_tv.photos[sent.content_id].matte_id == shown
    assert RefusedMatte.objects.filter(tv=tv, matte_id="modern_sage").exists()


# -- the per-TV default -------------------------------------------------------------------

def test_a_tv_default_matte_must_suit_its_pictures(db):
    with pytest.raises(Rejected, match="error 40000"):
        tvs.tv_create(name="Den", host="192.0.2.7", matte="modernthin_black")
    tv = tvs.tv_create(name="Den", host="192.0.2.7", matte="shadowbox_polar")
    RefusedMatte.objects.create(tv=tv, matte_id="flexible_polar", shape="portrait")

    with pytest.raises(Rejected, match="error 40000"):
        tvs.tv_update(tv=tv, changes={"matte": "modern_apricot"})
    with pytest.raises(Rejected, match="refused the matte flexible_polar for portrait"):
        tvs.tv_update(tv=tv, changes={"portrait_matte": "flexible_polar"})
    tvs.tv_update(tv=tv, changes={"matte": "flexible_polar", "portrait_matte": "none"})

    assert TV.objects.get(pk=tv.pk).matte == "flexible_polar"


def test_a_rearmed_placement_forgets_its_matte_note(framed_tv, fake_tv, make_artwork, jpeg,
                                                    upload_now):
    placement = upload_now(make_artwork(jpeg))
    Placement.objects.filter(pk=placement.pk).update(status=PlacementStatus.REMOVED)

    assert placements.placement_request(artwork=placement.artwork, tv=framed_tv)

    assert Placement.objects.get(pk=placement.pk).matte_note == ""


def test_the_tvs_page_refuses_a_default_matte_that_fails_and_lists_what_the_tv_refused(
        admin_client, db):
    den = tvs.tv_create(name="Den", host="192.0.2.7")
    RefusedMatte.objects.create(tv=den, matte_id="flexible_polar", shape="landscape")
    url = f"/admin/artwork/tv/{den.pk}/change/"
    form = {"name": "Den", "host": "192.0.2.7", "port": "8002", "portrait_matte": "",
            "enabled": "on"}

    page = admin_client.get(url).content.decode()
    refused = admin_client.post(url, {**form, "matte": "flexible_polar"})
    kept = admin_client.post(url, {**form, "matte": "shadowbox_polar"})

    assert "flexible_polar (landscape)" in page
    assert "refused the matte flexible_polar for landscape pictures" in refused.content.decode()
    assert kept.status_code == 302
    assert TV.objects.get(pk=den.pk).matte == "shadowbox_polar"


def test_new_firmware_forgets_what_the_old_refused(tv, fake_tv):
    tvs.tv_refresh(tv=tv)
    RefusedMatte.objects.create(tv=tv, matte_id="flexible_polar", shape="landscape")
    TV.objects.filter(pk=tv.pk).update(changes_mattes=False)

    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=tv)

    assert not RefusedMatte.objects.exists()
    assert TV.objects.get(pk=tv.pk).changes_mattes is None


def test_the_card_and_the_api_say_why_a_picture_has_no_matte(
        admin_client, framed_tv, fake_tv, make_artwork, make_jpeg, upload_now):
    fake_tv.refused_mattes = {("shadowbox_polar", "landscape")}
    placement = upload_now(make_artwork(make_jpeg(3840, 2160), filename="wave.jpg"))

    gallery = admin_client.get(CHANGELIST).content.decode()
    answer = admin_client.get(f"/api/artwork/{placement.artwork_id}").json()

    note = "Frame refused the matte shadowbox_polar for this picture&#x27;s shape"
    assert f"No matte · {note}" in gallery
    assert answer["placements"][0]["matte_note"].startswith("Frame refused the matte")
