"""A TV's capacity, known before every upload: the lane makes room on a full TV when its
owner allowed it (the Docent picture uploaded longest ago leaves, never a favourite
marked keep, never a picture Docent did not upload), or the picture needs a person and
nothing is sent. A TV that answers "storage full" teaches Docent its capacity.

Through the TV's lane and the real samsungtvws, against the fake TV.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import lane, tvs
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, Status
from docentsite.status.models import CheckResult

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def living_room(tv, settings, tmp_path):
    """The default TV, called Living room, with its artwork_meta.json in tmp_path."""
    settings.TV_NAME = "Living room"
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return tvs.tv_from_env()


def fill(fake_tv, tv, *, foreign: int, docent: int, keep: int = 0) -> list[Placement]:
    """The TV holds `foreign` pictures Docent did not upload, then `docent` of Docent's,
    uploaded a day apart, the oldest first (the first `keep` of them favourites marked
    keep). Docent's placements, oldest first."""
    for _ in range(foreign):
        fake_tv.add_photo(b"not Docent's")
    long_ago = timezone.now() - timedelta(days=docent + 1)
    placed = []
    for n in range(docent):
        artwork = Artwork.objects.create(title=f"Old {n}", status=Status.PREPARED,
                                         favourite=n < keep, keep=n < keep)
        placed.append(Placement.objects.create(
            artwork=artwork, tv=tv, status=PlacementStatus.ON_TV,
            content_id=fake_tv.add_photo(f"picture {n}".encode()),
            uploaded_at=long_ago + timedelta(days=n)))
    return placed


def send(artwork, tv):
    """Queue the artwork for the TV and run its lane now, as its worker does."""
    Placement.objects.create(artwork=artwork, tv=tv)
    lane.tv_lane_run(tv_id=tv.pk)
    return Placement.objects.get(artwork=artwork, tv=tv)


def set_capacity(tv, capacity, *, make_room):
    TV.objects.filter(pk=tv.pk).update(capacity=capacity, make_room=make_room)


def meta_ids(settings) -> set[str]:
    return set(json.loads(settings.ARTWORK_META_PATH.read_text())["artwork"])


def test_a_full_tv_with_rotation_loses_its_oldest_docent_picture_before_the_upload(
    living_room, fake_tv, make_artwork, make_jpeg, settings
):
    set_capacity(living_room, 60, make_room=True)
    oldest, second, *_ = fill(fake_tv, living_room, foreign=5, docent=55)
    fake_tv.capacity = 60  # the TV itself would refuse a 61st
    foreign = set(fake_tv.photos) - {p.content_id for p in Placement.objects.all()}

    new = send(make_artwork(make_jpeg(320, 200), title="New"), living_room)

    assert new.status == PlacementStatus.ON_TV, new.last_error
    assert oldest.content_id not in fake_tv.photos
    assert new.content_id in fake_tv.photos and len(fake_tv.photos) == 60
    assert fake_tv.requests.index("delete_image_list") < fake_tv.requests.index("send_image")
    oldest.refresh_from_db()
    assert oldest.status == PlacementStatus.REMOVED
    assert oldest.last_error == "Made room for New (Living room holds 60)."
    assert Placement.objects.get(pk=second.pk).status == PlacementStatus.ON_TV
    assert foreign <= set(fake_tv.photos)
    listed = meta_ids(settings)
    assert new.content_id in listed and oldest.content_id not in listed
    assert TV.objects.get(pk=living_room.pk).photo_count == 60


def test_a_full_tv_without_rotation_needs_attention_and_gets_nothing(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 60, make_room=False)
    fill(fake_tv, living_room, foreign=10, docent=50)
    before = set(fake_tv.photos)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.NEEDS_ATTENTION
    assert new.last_error == "Living room is full (60 of 60): allow rotation or remove pictures"
    assert "send_image" not in fake_tv.requests and "delete_image_list" not in fake_tv.requests
    assert set(fake_tv.photos) == before
    assert Placement.objects.filter(status=PlacementStatus.ON_TV).count() == 50


def test_below_capacity_nothing_is_removed(living_room, fake_tv, make_artwork, make_jpeg):
    set_capacity(living_room, 60, make_room=True)
    fill(fake_tv, living_room, foreign=0, docent=59)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.ON_TV
    assert len(fake_tv.photos) == 60 and "delete_image_list" not in fake_tv.requests


def test_a_lowered_capacity_removes_as_many_as_it_takes(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 4, make_room=True)
    placed = fill(fake_tv, living_room, foreign=1, docent=5)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.ON_TV
    assert len(fake_tv.photos) == 4
    assert [Placement.objects.get(pk=p.pk).status for p in placed] == [
        PlacementStatus.REMOVED] * 3 + [PlacementStatus.ON_TV] * 2


def test_a_picture_docent_did_not_upload_is_never_removed(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 6, make_room=True)
    fill(fake_tv, living_room, foreign=6, docent=0)
    before = set(fake_tv.photos)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.NEEDS_ATTENTION
    assert new.last_error == (
        "Living room is full (6 of 6) with pictures Docent did not put there, which it "
        "never removes: remove pictures or raise its capacity")
    assert set(fake_tv.photos) == before
    assert "delete_image_list" not in fake_tv.requests and "send_image" not in fake_tv.requests


def test_a_favourite_marked_keep_stays_and_the_next_oldest_leaves(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 5, make_room=True)
    kept, next_oldest, *_ = fill(fake_tv, living_room, foreign=0, docent=5, keep=1)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.ON_TV
    assert kept.content_id in fake_tv.photos
    assert next_oldest.content_id not in fake_tv.photos
    assert Placement.objects.get(pk=kept.pk).status == PlacementStatus.ON_TV


def test_when_every_docent_picture_is_kept_the_upload_needs_attention_saying_so(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 5, make_room=True)
    fill(fake_tv, living_room, foreign=2, docent=3, keep=3)
    before = set(fake_tv.photos)

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.NEEDS_ATTENTION
    assert new.last_error == (
        "Living room is full (5 of 5) and Docent may remove none of its pictures there: "
        "3 are favourites marked keep. Unmark one, remove pictures or raise its capacity")
    assert set(fake_tv.photos) == before


def test_storage_full_from_the_tv_teaches_docent_its_capacity(
    living_room, fake_tv, make_artwork, make_jpeg
):
    fill(fake_tv, living_room, foreign=1, docent=2)
    fake_tv.capacity = 3

    first = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert first.status == PlacementStatus.NEEDS_ATTENTION
    assert first.last_error == (
        "Living room is full: it took no more at 3 pictures; Docent will keep it at 3 "
        "(change it on the TVs page)")
    learned = TV.objects.get(pk=living_room.pk)
    assert (learned.capacity, learned.full_at) == (3, 3)

    second = send(make_artwork(make_jpeg(200, 320)), living_room)

    assert second.last_error == "Living room is full (3 of 3): allow rotation or remove pictures"
    assert fake_tv.requests.count("send_image") == 1  # the second was never sent


def test_storage_full_never_raises_an_owners_smaller_capacity(
    living_room, fake_tv, make_artwork, make_jpeg
):
    TV.objects.filter(pk=living_room.pk).update(capacity=10)
    fill(fake_tv, living_room, foreign=4, docent=0)
    fake_tv.capacity = 4

    send(make_artwork(make_jpeg(320, 200)), living_room)

    assert TV.objects.get(pk=living_room.pk).capacity == 4


def test_the_picture_the_tv_showed_at_its_last_check_stays(
    living_room, fake_tv, make_artwork, make_jpeg
):
    set_capacity(living_room, 3, make_room=True)
    showing, next_oldest, _ = fill(fake_tv, living_room, foreign=0, docent=3)
    CheckResult.objects.create(
        key=f"tv-{living_room.pk}", name="Frame TV", level="ok", detail="", tv=living_room,
        facts={"showing": {"content_id": showing.content_id}}, checked_at=timezone.now())

    new = send(make_artwork(make_jpeg(320, 200)), living_room)

    assert new.status == PlacementStatus.ON_TV
    assert showing.content_id in fake_tv.photos
    assert next_oldest.content_id not in fake_tv.photos


def test_a_batch_on_a_full_tv_makes_room_for_each_picture_in_turn(
    living_room, fake_tv, make_artwork, make_jpeg, settings
):
    set_capacity(living_room, 5, make_room=True)
    placed = fill(fake_tv, living_room, foreign=1, docent=4)
    fake_tv.capacity = 5
    new = [make_artwork(make_jpeg(320, 200 + n)) for n in range(3)]
    for artwork in new:
        Placement.objects.create(artwork=artwork, tv=living_room)

    lane.tv_lane_run(tv_id=living_room.pk)

    arrived = [Placement.objects.get(artwork=artwork) for artwork in new]
    assert [p.status for p in arrived] == [PlacementStatus.ON_TV] * 3
    assert [Placement.objects.get(pk=p.pk).status for p in placed] == [
        PlacementStatus.REMOVED] * 3 + [PlacementStatus.ON_TV]
    assert len(fake_tv.photos) == 5 and fake_tv.requests.count("get_content_list") == 1
    assert meta_ids(settings) == {placed[3].content_id, *(p.content_id for p in arrived)}
