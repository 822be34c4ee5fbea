"""reframe.py: a picture prepared again replaces the old one on each TV it is on (the new
one up first, the old one deleted after), in each TV's lane, on two fake TVs through
samsungtvws."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import framing, lane, reframe, services, tvlock, tvs, tvupload
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
            tvupload.placement_upload(
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


def replaced_by_lanes(artwork) -> list[Placement]:
    """Ask for the replacement as Save does, then run each TV's lane here, as a worker
    would; the placements asked for."""
    asked = reframe.artwork_replace_ask(artwork_id=artwork.pk)
    for tv_id in sorted({p.tv_id for p in asked}):
        lane.tv_lane_run(tv_id=tv_id)
    return asked


def placement_on(artwork, tv) -> Placement:
    return Placement.objects.get(artwork=artwork, tv=tv)


def meta_entries(tv) -> dict:
    return json.loads(tvs.meta_path(tv).read_text())["artwork"]


def test_each_tv_ends_with_one_copy_the_new_one(on_both, den, fake_tv, fake_den, make_jpeg):
    old = {t.pk: placement_on(on_both, t).content_id for t in (frame(), den)}
    new_jpeg = prepared_again(on_both)

    asked = replaced_by_lanes(on_both)

    assert sorted(p.tv.name for p in asked) == sorted([frame().name, "Den"])
    for each, fake in ((frame(), fake_tv), (den, fake_den)):
        placement = placement_on(on_both, each)
        assert placement.status == PlacementStatus.ON_TV
        assert placement.content_id != old[each.pk]
        assert placement.replace_asked_at is None and placement.replaced_content_id == ""
        assert placement.last_error == ""
        assert list(fake.photos) == [placement.content_id]
        assert fake.photos[placement.content_id].data == new_jpeg
        entries = meta_entries(each)
        assert list(entries) == [placement.content_id]
        assert entries[placement.content_id]["original_filename"] == "harbour.jpg"
        assert entries[placement.content_id]["crop_box"] == BOX


def test_asking_contacts_no_tv(on_both, den, fake_tv, fake_den):
    """Save's part is the database's: the TVs hear of it from their lanes."""
    before = (fake_tv.uploads_started, fake_den.uploads_started)
    fake_tv.stop()
    fake_den.stop()
    prepared_again(on_both)

    asked = reframe.artwork_replace_ask(artwork_id=on_both.pk)

    assert len(asked) == 2
    assert all(p.replace_asked_at is not None for p in Placement.objects.filter(
        artwork=on_both))
    assert (fake_tv.uploads_started, fake_den.uploads_started) == before


def test_a_tv_that_refuses_the_new_picture_keeps_the_old_one(
        on_both, den, fake_tv, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    old_bytes = fake_den.photos[old_den].data
    fake_den.error_on_send_image = True  # -1, as a set refusing a picture answers
    new_jpeg = prepared_again(on_both)

    replaced_by_lanes(on_both)

    in_den = placement_on(on_both, den)
    assert in_den.content_id == old_den and in_den.status == PlacementStatus.ON_TV
    assert "Still shows the previous picture" in in_den.last_error
    assert in_den.replace_asked_at is None  # refused: not asked again and again
    assert {cid: p.data for cid, p in fake_den.photos.items()} == {old_den: old_bytes}
    assert list(meta_entries(den)) == [old_den]
    # The other TV went on regardless.
    on_frame = placement_on(on_both, frame())
    assert list(fake_tv.photos) == [on_frame.content_id]
    assert fake_tv.photos[on_frame.content_id].data == new_jpeg
    said = {each.tv: each.said for each in reframe.replacements_said(artwork_id=on_both.pk)}
    assert said["Den"].startswith("Still shows the previous picture")


def test_a_tv_that_is_off_keeps_the_old_picture_and_gets_the_new_one_later(
        on_both, den, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    fake_den.stop()
    new_jpeg = prepared_again(on_both)

    replaced_by_lanes(on_both)

    in_den = placement_on(on_both, den)
    assert in_den.content_id == old_den and in_den.status == PlacementStatus.ON_TV
    assert in_den.replace_asked_at is not None and in_den.next_attempt_at is not None
    # On the TV as it was, to be replaced: no error.
    assert in_den.last_error == "" and in_den.waiting_reason
    said = {each.tv: each for each in reframe.replacements_said(artwork_id=on_both.pk)}
    assert said["Den"].replacing and "Docent tries again at" in said["Den"].said
    assert said["Den"].said.startswith(
        "On the TV with the previous picture, to be replaced by the new one when Den answers")

    fake_den.start()
    Placement.objects.filter(pk=in_den.pk).update(next_attempt_at=None)  # the retry is due
    lane.tv_lane_run(tv_id=den.pk)

    in_den = placement_on(on_both, den)
    assert in_den.content_id != old_den and in_den.replace_asked_at is None
    assert list(fake_den.photos) == [in_den.content_id]
    assert fake_den.photos[in_den.content_id].data == new_jpeg
    assert in_den.last_error == "" and in_den.waiting_reason == ""


def test_a_tv_off_for_too_long_keeps_the_old_picture_and_says_so(
        on_both, den, fake_den, settings):
    settings.TASK_MAX_RETRIES = 1
    old_den = placement_on(on_both, den).content_id
    fake_den.stop()
    prepared_again(on_both)

    replaced_by_lanes(on_both)
    Placement.objects.filter(artwork=on_both, tv=den).update(next_attempt_at=None)
    lane.tv_lane_run(tv_id=den.pk)

    in_den = placement_on(on_both, den)
    assert in_den.content_id == old_den and in_den.replace_asked_at is None
    assert "Gave up after 2 attempts" in in_den.last_error


def test_a_lost_confirmation_adopts_the_copy_that_landed(
        on_both, den, fake_den, make_jpeg, settings):
    settings.TV_UPLOAD_TIMEOUT = 2  # how long Docent waits for an image_added that never comes
    old_den = placement_on(on_both, den).content_id
    fake_den.lose_confirmation = True
    new_jpeg = prepared_again(on_both)

    replaced_by_lanes(on_both)

    in_den = placement_on(on_both, den)
    assert in_den.content_id != old_den
    assert list(fake_den.photos) == [in_den.content_id]
    assert fake_den.photos[in_den.content_id].data == new_jpeg


def test_a_replacement_cut_short_after_the_upload_adopts_the_copy_that_landed(
        on_both, den, fake_den, monkeypatch):
    """A worker killed after the TV took the new copy, before Docent wrote it down: the
    next run finds that copy (one new id since the ids saved before the upload) and
    sends nothing twice."""
    old_den = placement_on(on_both, den).content_id
    new_jpeg = prepared_again(on_both)
    reframe.artwork_replace_ask(artwork_id=on_both.pk)
    sent = tvs.frame_of(den).upload

    class Killed(BaseException):
        """Stands in for SIGKILL: nothing after it runs, not even `except Exception`."""

    def upload_then_die(jpeg, **kwargs):
        sent(jpeg, **kwargs)
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr("docentsite.artwork.frametv.FrameTV.upload",
                        lambda self, jpeg, **kwargs: upload_then_die(jpeg, **kwargs))
        with pytest.raises(Killed):
            lane.tv_lane_run(tv_id=den.pk)
    assert len(fake_den.photos) == 2  # the old copy and the new one, not yet recorded
    uploads = fake_den.uploads_started

    lane.tv_lane_run(tv_id=den.pk)

    in_den = placement_on(on_both, den)
    assert fake_den.uploads_started == uploads  # adopted, not sent again
    assert in_den.content_id != old_den and in_den.replace_asked_at is None
    assert list(fake_den.photos) == [in_den.content_id]
    assert fake_den.photos[in_den.content_id].data == new_jpeg
    assert list(meta_entries(den)) == [in_den.content_id]


def test_a_replacement_cut_short_before_the_old_copy_went_deletes_it_later(
        on_both, den, fake_den, monkeypatch):
    """Killed between recording the new copy and deleting the old: the old id is on the
    placement, and the sweep deletes it."""
    old_den = placement_on(on_both, den).content_id
    prepared_again(on_both)
    reframe.artwork_replace_ask(artwork_id=on_both.pk)

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr("docentsite.artwork.frametv.FrameTV.delete", die)
        with pytest.raises(Killed):
            lane.tv_lane_run(tv_id=den.pk)
    in_den = placement_on(on_both, den)
    assert in_den.replaced_content_id == old_den and in_den.content_id != old_den

    assert reframe.leftovers_delete() == 1
    in_den = placement_on(on_both, den)
    assert list(fake_den.photos) == [in_den.content_id]
    assert in_den.replaced_content_id == "" and in_den.replace_asked_at is None


def test_a_crop_saved_again_while_the_lane_replaces_goes_too(on_both, den, fake_den,
                                                              monkeypatch):
    """A second Save during the first's upload: the lane's run answers the first, and
    the second's mark stays for the next turn, which sends the newest picture."""
    prepared_again(on_both)
    reframe.artwork_replace_ask(artwork_id=on_both.pk)
    sent = tvs.frame_of(den).upload
    newest = {}

    def upload_and_save_again(jpeg, **kwargs):
        got = sent(jpeg, **kwargs)
        if not newest:
            artwork = framing.artwork_reframe(artwork=on_both, crop_box={**BOX, "x": 40})
            with artwork.image.open("rb") as handle:
                newest["jpeg"] = handle.read()
            reframe.artwork_replace_ask(artwork_id=on_both.pk)
        return got

    monkeypatch.setattr("docentsite.artwork.frametv.FrameTV.upload",
                        lambda self, jpeg, **kwargs: upload_and_save_again(jpeg, **kwargs))
    lane.tv_lane_run(tv_id=den.pk)

    in_den = placement_on(on_both, den)
    assert in_den.replace_asked_at is None
    assert list(fake_den.photos) == [in_den.content_id]
    assert fake_den.photos[in_den.content_id].data == newest["jpeg"]


def test_an_old_copy_the_tv_will_not_delete_is_said(on_both, den, fake_den, make_jpeg):
    old_den = placement_on(on_both, den).content_id
    fake_den.undeletable = {old_den}
    prepared_again(on_both)

    replaced_by_lanes(on_both)

    in_den = placement_on(on_both, den)
    assert in_den.content_id != old_den and in_den.replaced_content_id == old_den
    assert old_den in in_den.last_error and in_den.last_error.startswith("Replaced, but")
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
    replaced_by_lanes(on_both)
    fake_den.stop()

    assert reframe.leftovers_delete() == 0
    assert placement_on(on_both, den).replaced_content_id == old_den


def test_a_second_crop_deletes_the_copy_the_first_left(on_both, den, fake_den):
    first_den = placement_on(on_both, den).content_id
    fake_den.undeletable = {first_den}
    prepared_again(on_both)
    replaced_by_lanes(on_both)
    fake_den.undeletable = set()

    framing.artwork_reframe(artwork=on_both, crop_box={**BOX, "x": 40})
    replaced_by_lanes(on_both)

    in_den = placement_on(on_both, den)
    assert in_den.content_id != first_den
    assert list(fake_den.photos) == [in_den.content_id]
    assert in_den.replaced_content_id == ""


def test_a_picture_on_no_tv_has_nothing_to_replace(worker_env, tv, make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(300, 200))

    assert reframe.artwork_replace_ask(artwork_id=artwork.pk) == []


def test_a_tv_showing_the_old_copy_goes_on_to_the_new_one(worker_env, tv, make_artwork,
                                                           make_jpeg, fake_tv):
    artwork = make_artwork(make_jpeg(300, 200), filename="harbour.jpg")
    placement = Placement.objects.create(artwork=artwork, tv=tv)
    with tvlock.holding(tv, wait=10):
        old = tvupload.placement_upload(
            placement=Placement.objects.select_related("artwork", "tv").get(pk=placement.pk),
            frame=tvs.frame_of(tv))
    assert tvs.frame_of(tv).show(old.content_id) and fake_tv.showing == old.content_id
    prepared_again(artwork)

    replaced_by_lanes(artwork)

    new = placement_on(artwork, tv)
    assert fake_tv.showing == new.content_id != old.content_id
    assert list(fake_tv.photos) == [new.content_id]


def test_a_replacement_left_by_a_dead_worker_restarts_its_lane_on_the_sweep(
        on_both, den, monkeypatch, settings):
    """What a worker runs when it starts (and beat every minute): a marked placement
    whose heartbeat went silent starts its TV's lane; a live one is left to its worker."""
    settings.STALL_AFTER = 120
    started = []
    monkeypatch.setattr("docentsite.artwork.lane.kick_lane_on_commit", started.append)
    prepared_again(on_both)
    now = timezone.now()
    Placement.objects.filter(artwork=on_both, tv=den).update(
        replace_asked_at=now, heartbeat_at=now - timedelta(minutes=3))
    Placement.objects.filter(artwork=on_both, tv=frame()).update(
        replace_asked_at=now, heartbeat_at=now - timedelta(seconds=30))

    assert lane.lanes_resume() == 1
    assert started == [den.pk]


def test_a_picture_uploading_when_saved_is_replaced_once_it_is_on(
        worker_env, tv, make_artwork, make_jpeg, fake_tv):
    """Save while the lane sends the old JPEG: the placement is marked too, and the lane
    replaces what landed with the new picture."""
    artwork = make_artwork(make_jpeg(300, 200))
    placement = Placement.objects.create(artwork=artwork, tv=tv,
                                         status=PlacementStatus.UPLOADING)
    new_jpeg = prepared_again(artwork)

    assert [p.pk for p in reframe.artwork_replace_ask(artwork_id=artwork.pk)] == [placement.pk]
    Placement.objects.filter(pk=placement.pk).update(status=PlacementStatus.QUEUED)
    lane.tv_lane_run(tv_id=tv.pk)  # the upload, taken over, then the replacement

    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ON_TV and placement.replace_asked_at is None
    assert list(fake_tv.photos) == [placement.content_id]
    assert fake_tv.photos[placement.content_id].data == new_jpeg
