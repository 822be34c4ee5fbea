"""The TV kept in step with Docent by the background check (status_refresh, which a
worker runs on its timer): a picture the owner deleted on the fake TV becomes removed,
one landing while the TV was asked is not, and pictures Docent did not put there are
counted and left alone. Through the real samsungtvws against the fake Frame."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import instep, lane, metafile, placements, tvs
from docentsite.artwork.models import Artwork, Placement, PlacementStatus
from docentsite.status import services as status
from docentsite.status.models import CheckResult
from tests import test_plex_removed_state
from tests.two_tvs import meta_ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

imported, tile = test_plex_removed_state.imported, test_plex_removed_state.tile

CHANGELIST, HOME = "/admin/artwork/artwork/", "/admin/docent/"
CHECK_NOW = "/admin/docent/check-now/"


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


@pytest.fixture
def uploaded(make_artwork, jpeg, tv, upload_now):
    """uploaded(filename) -> its placement, on the TV since a while (past the settling)."""
    def make(filename="wave.jpg"):
        placement = upload_now(make_artwork(jpeg, filename=filename))
        Placement.objects.filter(pk=placement.pk).update(
            uploaded_at=timezone.now() - timedelta(minutes=10))
        metafile.sync(tv=tv)
        placement.refresh_from_db()
        return placement

    return make


def tv_check() -> CheckResult:
    return CheckResult.objects.get(tv__isnull=False)


def test_a_picture_deleted_on_the_tv_is_removed_after_the_next_check(
        admin_client, uploaded, tv, fake_tv):
    wave, garden = uploaded("wave.jpg"), uploaded("garden.jpg")
    assert meta_ids(tv) == {wave.content_id, garden.content_id}

    fake_tv.delete_with_remote(wave.content_id)
    status.status_refresh(in_worker=True)

    gone, kept = Placement.objects.get(pk=wave.pk), Placement.objects.get(pk=garden.pk)
    assert gone.status == PlacementStatus.REMOVED and gone.last_error == instep.DELETED_ON_TV
    assert kept.status == PlacementStatus.ON_TV
    assert meta_ids(tv) == {garden.content_id}
    assert Artwork.objects.filter(pk=wave.artwork_id).exists()  # still in the library
    assert "delete_image_list" not in fake_tv.requests
    card = admin_client.get(CHANGELIST).content.decode().split(
        f'data-id="{wave.artwork_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Removed from the TV; Docent keeps it." in card and "Put back" in card


def test_a_picture_deleted_on_the_tv_can_be_sent_again(uploaded, tv, fake_tv):
    wave = uploaded()
    fake_tv.delete_with_remote(wave.content_id)
    status.status_refresh(in_worker=True)

    placements.artwork_put_back(artwork_id=wave.artwork_id)
    lane.tv_lane_run(tv_id=tv.pk)

    back = Placement.objects.get(pk=wave.pk)
    assert back.status == PlacementStatus.ON_TV and back.content_id != wave.content_id
    assert list(fake_tv.photos) == [back.content_id]


def test_a_picture_that_lands_after_the_tv_was_asked_is_not_removed(
        make_artwork, jpeg, tv, fake_tv, frame_tv, upload_now):
    listing = frame_tv.status()  # the check asks the TV first...
    landed = upload_now(make_artwork(jpeg, filename="wave.jpg"))  # ...an upload lands after

    found = instep.tv_reconcile(tv=tv, status=listing)

    assert landed.content_id not in listing.content_ids
    assert found.removed == [] and found.foreign == []
    assert Placement.objects.get(pk=landed.pk).status == PlacementStatus.ON_TV


def test_a_picture_just_uploaded_is_looked_at_on_a_later_check(upload_now, make_artwork, jpeg,
                                                               tv, fake_tv):
    placement = upload_now(make_artwork(jpeg, filename="wave.jpg"))
    fake_tv.delete_with_remote(placement.content_id)

    status.status_refresh(in_worker=True)
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.ON_TV

    Placement.objects.filter(pk=placement.pk).update(
        uploaded_at=timezone.now() - instep.SETTLING - timedelta(seconds=1))
    status.status_refresh(in_worker=True)
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.REMOVED


def test_pictures_not_from_docent_are_counted_and_never_deleted(
        admin_client, uploaded, tv, fake_tv, jpeg):
    ours = uploaded()
    theirs = [fake_tv.add_photo(jpeg) for _ in range(3)]

    page = admin_client.post(CHECK_NOW, follow=True).content.decode()

    facts = tv_check().facts
    assert (facts["foreign_count"], facts["foreign"]) == (3, sorted(theirs))
    assert "3 pictures on the TV are not from Docent" in page
    # Each named, with the owner's own Delete (the check deletes nothing: test_tv_foreign).
    assert all(f'name="content_id" value="{cid}">{cid} <button' in page for cid in theirs)
    assert set(fake_tv.photos) == {ours.content_id, *theirs}
    assert "delete_image_list" not in fake_tv.requests
    assert Placement.objects.get().status == PlacementStatus.ON_TV


def test_the_status_page_only_reads_what_the_check_found(admin_client, uploaded, tv, fake_tv):
    wave = uploaded()
    status.status_refresh(in_worker=True)
    fake_tv.delete_with_remote(wave.content_id)
    asked = len(fake_tv.requests)

    admin_client.get(HOME)

    assert len(fake_tv.requests) == asked
    assert Placement.objects.get(pk=wave.pk).status == PlacementStatus.ON_TV


def test_the_plex_tile_of_a_picture_deleted_on_the_tv_says_removed(imported, tv, fake_tv):
    harbour, _, artwork_id = imported
    placement = Placement.objects.get(artwork_id=artwork_id)
    Placement.objects.filter(pk=placement.pk).update(
        uploaded_at=timezone.now() - timedelta(minutes=10))

    fake_tv.delete_with_remote(placement.content_id)
    status.status_refresh(in_worker=True)

    removed = tile(harbour)
    assert (removed.imported, removed.import_status) == (False, "removed")
    assert tvs.tv_get(tv=tv.pk).photo_count == 0


def test_an_original_docents_pictures_are_not_counted_as_foreign(tv, fake_tv, jpeg, settings):
    original, other = fake_tv.add_photo(jpeg), fake_tv.add_photo(jpeg)
    settings.ARTWORK_META_PATH.write_text(json.dumps(
        {"artwork": {original: {"title": "From the original Docent"}}}))

    status.status_refresh(in_worker=True)

    facts = tv_check().facts
    assert (facts["foreign_count"], facts["foreign"]) == (1, [other])
    assert set(fake_tv.photos) == {original, other}
