"""reframe.artwork_replace_on_tvs: a picture prepared again replaces the old one on each
TV it is on (the new one up first, the old one deleted after), on two fake TVs through
samsungtvws."""

import json

import pytest

from docentsite.artwork import framing, placements, reframe, services, tvlock, tvs
from docentsite.artwork.models import Placement, PlacementStatus
from tests.two_tvs import frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def on_both(worker_env, tv, den, make_artwork, make_jpeg):
    """An artwork on the Frame and on the Den, each TV's artwork_meta.json written."""
    artwork = make_artwork(make_jpeg(300, 200), filename="harbour.jpg")
    for each in (tv, den):
        placement = Placement.objects.create(artwork=artwork, tv=each)
        with tvlock.holding(each, wait=10):
            placements.placement_upload(
                placement=Placement.objects.select_related("artwork", "tv").get(pk=placement.pk),
                frame=tvs.frame_of(each))
    services.artwork_finish(artwork_id=artwork.pk, inline=True)
    return artwork


BOX = {"x": 20, "y": 10, "w": 256, "h": 144, "source": "manual"}


def prepared_again(artwork) -> bytes:
    """Crop it anew, as the crop editor's Save does; the new prepared JPEG."""
    artwork = framing.artwork_reframe(artwork=artwork, crop_box=BOX)
    with artwork.image.open("rb") as handle:
        return handle.read()


def placement_on(artwork, tv) -> Placement:
    return Placement.objects.get(artwork=artwork, tv=tv)


def meta_entries(tv) -> dict:
    return json.loads(tvs.meta_path(tv).read_text())["artwork"]


def test_each_tv_ends_with_one_copy_the_new_one(on_both, den, fake_tv, fake_den, make_jpeg):
    old = {t.pk: placement_on(on_both, t).content_id for t in (frame(), den)}
    new_jpeg = prepared_again(on_both)

    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    assert [p.tv.name for p in result.replaced] == [frame().name, "Den"]
    assert not result.kept_old and not result.old_left
    for each, fake in ((frame(), fake_tv), (den, fake_den)):
        placement = placement_on(on_both, each)
        assert placement.status == PlacementStatus.ON_TV
        assert placement.content_id != old[each.pk]
        assert list(fake.photos) == [placement.content_id]
        assert fake.photos[placement.content_id].data == new_jpeg
        entries = meta_entries(each)
        assert list(entries) == [placement.content_id]
        assert entries[placement.content_id]["original_filename"] == "harbour.jpg"
        assert entries[placement.content_id]["crop_box"] == BOX


def test_a_tv_that_refuses_the_new_picture_keeps_the_old_one(
        on_both, den, fake_tv, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    old_bytes = fake_den.photos[old_den].data
    fake_den.error_on_send_image = True  # -1, as a set refusing a picture answers
    new_jpeg = prepared_again(on_both)

    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    assert [p.tv.name for p in result.replaced] == [frame().name]
    assert [p.tv.name for p, _ in result.kept_old] == ["Den"]
    in_den = placement_on(on_both, den)
    assert in_den.content_id == old_den and in_den.status == PlacementStatus.ON_TV
    assert "Still shows the previous picture" in in_den.last_error
    assert {cid: p.data for cid, p in fake_den.photos.items()} == {old_den: old_bytes}
    assert list(meta_entries(den)) == [old_den]
    # The other TV went on regardless.
    on_frame = placement_on(on_both, frame())
    assert list(fake_tv.photos) == [on_frame.content_id]
    assert fake_tv.photos[on_frame.content_id].data == new_jpeg
    assert "Den kept the previous picture" in result.summary(on_both)


def test_a_tv_that_is_off_keeps_the_old_picture(on_both, den, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    fake_den.stop()
    prepared_again(on_both)

    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    assert [p.tv.name for p, _ in result.kept_old] == ["Den"]
    in_den = placement_on(on_both, den)
    assert in_den.content_id == old_den and in_den.status == PlacementStatus.ON_TV
    assert in_den.last_error.startswith("Still shows the previous picture")


def test_a_lost_confirmation_adopts_the_copy_that_landed(
        on_both, den, fake_den, make_jpeg, settings):
    settings.TV_UPLOAD_TIMEOUT = 2  # how long Docent waits for an image_added that never comes
    old_den = placement_on(on_both, den).content_id
    fake_den.lose_confirmation = True
    new_jpeg = prepared_again(on_both)

    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    in_den = placement_on(on_both, den)
    assert "Den" in [p.tv.name for p in result.replaced]
    assert in_den.content_id != old_den
    assert list(fake_den.photos) == [in_den.content_id]
    assert fake_den.photos[in_den.content_id].data == new_jpeg


def test_an_old_copy_the_tv_will_not_delete_is_said(on_both, den, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    fake_den.undeletable = {old_den}
    prepared_again(on_both)

    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    in_den = placement_on(on_both, den)
    assert [p.tv.name for p, _ in result.old_left] == ["Den"]
    assert in_den.content_id != old_den and in_den.replaced_content_id == old_den
    assert old_den in in_den.last_error
    # Docent's file lists the new copy only: the old one is not this picture any more.
    assert list(meta_entries(den)) == [in_den.content_id]

    # The stall sweep deletes it once the TV lets it go.
    fake_den.undeletable = set()
    assert reframe.leftovers_delete() == 1
    in_den = placement_on(on_both, den)
    assert list(fake_den.photos) == [in_den.content_id]
    assert in_den.replaced_content_id == "" and in_den.last_error == ""
    assert list(meta_entries(den)) == [in_den.content_id]


def test_a_tv_off_at_the_sweep_keeps_the_old_copy_for_the_next(
        on_both, den, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    fake_den.undeletable = {old_den}
    prepared_again(on_both)
    reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)
    fake_den.stop()

    assert reframe.leftovers_delete() == 0
    assert placement_on(on_both, den).replaced_content_id == old_den


def test_a_second_crop_deletes_the_copy_the_first_left(on_both, den, fake_den):
    first_den = placement_on(on_both, den).content_id
    fake_den.undeletable = {first_den}
    prepared_again(on_both)
    reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)
    fake_den.undeletable = set()

    framing.artwork_reframe(artwork=on_both, crop_box={**BOX, "x": 40})
    result = reframe.artwork_replace_on_tvs(artwork_id=on_both.pk)

    in_den = placement_on(on_both, den)
    assert "Den" in [p.tv.name for p in result.replaced]
    assert list(fake_den.photos) == [in_den.content_id]
    assert in_den.replaced_content_id == ""


def test_a_picture_on_no_tv_has_nothing_to_replace(worker_env, tv, make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(300, 200))

    result = reframe.artwork_replace_on_tvs(artwork_id=artwork.pk)

    assert not result.replaced and not result.kept_old


def test_a_tv_showing_the_old_copy_goes_on_to_the_new_one(worker_env, tv, make_artwork,
                                                           make_jpeg, fake_tv):
    artwork = make_artwork(make_jpeg(300, 200), filename="harbour.jpg")
    placement = Placement.objects.create(artwork=artwork, tv=tv)
    with tvlock.holding(tv, wait=10):
        old = placements.placement_upload(
            placement=Placement.objects.select_related("artwork", "tv").get(pk=placement.pk),
            frame=tvs.frame_of(tv))
    assert tvs.frame_of(tv).show(old.content_id) and fake_tv.showing == old.content_id
    prepared_again(artwork)

    result = reframe.artwork_replace_on_tvs(artwork_id=artwork.pk)

    new = placement_on(artwork, tv)
    assert [p.pk for p in result.replaced] == [new.pk]
    assert fake_tv.showing == new.content_id != old.content_id
    assert list(fake_tv.photos) == [new.content_id]
