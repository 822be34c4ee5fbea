"""Deleting pictures on a TV that Docent did not upload, only when the owner asks: one by
one from the status page's TV card (each with a confirm), all of them with the count
typed, or POST /api/tvs/{id}/foreign/delete. Never one of Docent's (its placements,
an original Docent's in artwork_meta.json), always through the TV's lock. Through the
real samsungtvws against the fake Frame."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from docentsite.artwork import foreign, metafile, tvlock
from docentsite.artwork.errors import NeedsAttention, Rejected
from docentsite.artwork.models import Placement, PlacementStatus
from docentsite.status import services as status
from docentsite.status.models import CheckResult
from tests.users import staff_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

HOME, DELETE = "/admin/docent/", "/admin/docent/tv-foreign-delete/"


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


@pytest.fixture
def on_tv(tv, fake_tv, make_artwork, jpeg, upload_now, settings):
    """One picture of Docent's, one of an original Docent's (named in artwork_meta.json),
    three put there another way; the TV checked since. (ours, original, theirs)."""
    ours = upload_now(make_artwork(jpeg, filename="wave.jpg"))
    Placement.objects.filter(pk=ours.pk).update(uploaded_at=timezone.now() - timedelta(hours=1))
    metafile.sync(tv=tv)
    original = fake_tv.add_photo(jpeg)
    meta = json.loads(settings.ARTWORK_META_PATH.read_text())
    meta["artwork"][original] = {"title": "From the original Docent"}
    settings.ARTWORK_META_PATH.write_text(json.dumps(meta))
    theirs = sorted(fake_tv.add_photo(jpeg) for _ in range(3))
    status.status_refresh(in_worker=True)
    return ours.content_id, original, theirs


def facts() -> dict:
    return CheckResult.objects.get(tv__isnull=False).facts


def test_the_card_offers_each_picture_with_a_confirm_and_deletes_the_one_asked(
        admin_client, tv, fake_tv, on_tv):
    ours, original, theirs = on_tv
    page = admin_client.get(HOME).content.decode()
    assert f'data-confirm="Delete {theirs[0]} from Frame? Docent did not upload it' in page
    assert f'aria-label="Delete {theirs[0]} from Frame"' in page
    assert "Type 3 to delete all 3 pictures not from Docent" in page

    done = admin_client.post(DELETE, {"tv": tv.pk, "content_id": theirs[0]}, follow=True)

    assert set(fake_tv.photos) == {ours, original, *theirs[1:]}
    said = done.content.decode()
    assert f"Deleted 1 picture(s) not from Docent from the TV: {theirs[0]}." in said
    assert facts()["foreign"] == theirs[1:]  # the card says what is left at once
    assert "2 pictures on the TV are not from Docent" in said


def test_all_with_the_count_typed_and_never_docents_own(admin_client, tv, fake_tv, on_tv):
    ours, original, theirs = on_tv

    wrong = admin_client.post(DELETE, {"tv": tv.pk, "confirm_count": "2"}, follow=True)
    assert "now holds 3 picture(s) not from Docent, not 2: nothing was deleted" in \
        wrong.content.decode()
    assert "delete_image_list" not in fake_tv.requests
    empty = admin_client.post(DELETE, {"tv": tv.pk, "confirm_count": ""}, follow=True)
    assert "Type how many pictures not from Docent" in empty.content.decode()
    assert "delete_image_list" not in fake_tv.requests

    admin_client.post(DELETE, {"tv": tv.pk, "confirm_count": "3"})

    assert set(fake_tv.photos) == {ours, original}
    assert Placement.objects.get().status == PlacementStatus.ON_TV
    assert fake_tv.requests.count("delete_image_list") == 1  # one request for all three
    assert facts()["foreign_count"] == 0


def test_naming_one_of_docents_pictures_deletes_nothing(tv, fake_tv, on_tv):
    ours, original, theirs = on_tv

    for named in ([ours], [theirs[0], original]):
        with pytest.raises(Rejected, match="Docent's"):
            foreign.tv_foreign_delete(tv=tv, content_ids=named)

    assert "delete_image_list" not in fake_tv.requests
    assert len(fake_tv.photos) == 5


def test_a_picture_gone_meanwhile_is_said_so(tv, fake_tv, on_tv):
    _, _, theirs = on_tv
    fake_tv.delete_with_remote(theirs[0])

    done = foreign.tv_foreign_delete(tv=tv, content_ids=theirs[:2])

    assert (done.deleted, done.already_gone, done.left) == ([theirs[1]], [theirs[0]], 1)


def test_a_count_that_changed_since_the_owner_looked_deletes_nothing(tv, fake_tv, on_tv, jpeg):
    fake_tv.add_photo(jpeg)  # a fourth, put there after the page was shown

    with pytest.raises(NeedsAttention, match="now holds 4"):
        foreign.tv_foreign_delete(tv=tv, everything=True, confirm_count=3)
    assert len(fake_tv.photos) == 6


def test_the_deletion_waits_for_a_transfer_to_the_tv(tv, fake_tv, on_tv):
    _, _, theirs = on_tv
    held, released = threading.Event(), []

    def transfer():
        with tvlock.holding(tv, wait=5):
            held.set()
            time.sleep(0.5)
            released.append(time.monotonic())

    thread = threading.Thread(target=transfer)
    thread.start()
    held.wait(5)
    foreign.tv_foreign_delete(tv=tv, content_ids=[theirs[0]])
    finished = time.monotonic()
    thread.join()

    assert released and finished >= released[0]
    assert theirs[0] not in fake_tv.photos


def test_only_post_with_csrf_and_the_tv_permission(client, tv, fake_tv, on_tv):
    _, _, theirs = on_tv
    client.force_login(staff_with("artwork.view_artwork", username="viewer"))
    assert client.post(DELETE, {"tv": tv.pk, "content_id": theirs[0]}).status_code == 403
    assert "Delete all" not in client.get(HOME).content.decode()
    owner = staff_with("artwork.view_artwork", "artwork.change_tv", username="owner")
    client.force_login(owner)
    assert client.get(DELETE).status_code == 405
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(owner)
    assert checked.post(DELETE, {"tv": tv.pk, "content_id": theirs[0]}).status_code == 403

    assert len(fake_tv.photos) == 5
    assert "delete_image_list" not in fake_tv.requests


def api(client, tv, payload):
    return client.post(f"/api/tvs/{tv.pk}/foreign/delete", payload,
                       content_type="application/json")


def test_the_api_deletes_by_id_or_all_with_the_count(client, tv, fake_tv, on_tv):
    ours, original, theirs = on_tv
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv"))

    assert api(client, tv, {"content_ids": [ours]}).status_code == 422
    assert api(client, tv, {}).status_code == 422
    assert api(client, tv, {"content_ids": [], "all": True}).status_code == 422
    one = api(client, tv, {"content_ids": [theirs[0]]})
    assert one.status_code == 200, one.content
    assert (one.json()["deleted"], one.json()["left"]) == ([theirs[0]], 2)
    assert client.get(f"/api/tvs/{tv.pk}").json()["foreign_count"] == 2

    stale = api(client, tv, {"all": True, "confirm_count": 3})
    assert stale.status_code == 409 and "nothing was deleted" in stale.json()["detail"]
    rest = api(client, tv, {"all": True, "confirm_count": 2})
    assert rest.status_code == 200 and rest.json()["deleted"] == theirs[1:]
    assert set(fake_tv.photos) == {ours, original}


def test_the_api_says_503_when_the_tv_is_off_and_403_without_the_permission(
        client, tv, fake_tv, on_tv):
    _, _, theirs = on_tv
    client.force_login(staff_with("artwork.view_tv", username="viewer"))
    assert api(client, tv, {"content_ids": theirs}).status_code == 403
    client.force_login(staff_with("artwork.view_tv", "artwork.change_tv", username="owner"))
    fake_tv.stop()

    assert api(client, tv, {"content_ids": theirs}).status_code == 503
