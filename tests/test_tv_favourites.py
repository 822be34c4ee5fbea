"""Docent's stars mirrored to each TV's own Favourites (MY-C0004): by the TV's lane, never
in the request that starred; after an upload; caught up by the TV's check when the TV
was off or was changed with the remote; said once for a TV whose firmware does not know
change_favorite. Through the real samsungtvws against the fake Frame."""

import logging
import threading
import time

import pytest

from docentsite.artwork import collections, frametv, placements, tvlock
from docentsite.artwork.lane import tv_lane_run
from docentsite.artwork.models import TV, Placement, PlacementStatus
from docentsite.status import services as status
from docentsite.status.models import CheckResult
from tests.users import staff_with
from tests.workers import celery_worker, empty_embedded_queue, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return tv


def lane(tv):
    """The TV's lane, run now, as its worker does when the star kicked it."""
    return tv_lane_run(tv_id=tv.pk)


def favourite_ids(frame_tv) -> set[str]:
    """The TV's Favourites as a client lists them (category MY-C0004)."""
    with frame_tv._art() as art:
        return {p["content_id"] for p in art.available(frametv.FAVOURITES)}


def test_the_fake_tv_answers_change_favorite_as_real_sets_do(fake_tv, frame_tv):
    content_id = fake_tv.add_photo(b"a picture")

    frame_tv.set_favourite(content_id, True)

    assert fake_tv.favourites == {content_id}
    assert content_id in favourite_ids(frame_tv)
    assert content_id in frame_tv.photo_ids()  # still in My Photos too
    frame_tv.set_favourite(content_id, False)
    assert fake_tv.favourites == set() and content_id not in favourite_ids(frame_tv)
    with pytest.raises(frametv.TVRejected, match="-7"):
        frame_tv.set_favourite("MY_F9999", True)
    fake_tv.unknown_requests.add("change_favorite")
    with pytest.raises(frametv.TVNotSupported, match="-9 NOT_SUPPORTED_API"):
        frame_tv.set_favourite(content_id, True)


def test_starring_by_api_never_waits_for_the_tv_and_the_lane_follows(
        client, tv, fake_tv, make_artwork, jpeg, upload_now):
    placement = upload_now(make_artwork(jpeg, title="Wave"))
    client.force_login(staff_with("artwork.view_artwork", "artwork.change_artwork"))
    url = f"/api/artwork/{placement.artwork_id}/favourite"

    starred = client.put(url, {"favourite": True}, content_type="application/json")

    assert starred.status_code == 200
    assert "change_favorite" not in fake_tv.requests  # the request asked no TV
    assert fake_tv.favourites == set()
    run = lane(tv)
    assert fake_tv.favourites == {placement.content_id}
    assert run.retry_in is None
    assert Placement.objects.get(pk=placement.pk).tv_favourite is True
    assert TV.objects.get(pk=tv.pk).favourites_supported is True
    client.force_login(staff_with("artwork.view_tv", username="viewer"))
    assert client.get(f"/api/tvs/{tv.pk}").json()["favourites_supported"] is True
    client.force_login(staff_with("artwork.view_artwork", "artwork.change_artwork",
                                  username="owner"))

    client.put(url, {"favourite": False}, content_type="application/json")
    lane(tv)
    assert fake_tv.favourites == set()
    assert Placement.objects.get(pk=placement.pk).tv_favourite is False
    assert fake_tv.requests.count("change_favorite") == 2


def test_a_favourite_uploaded_is_starred_on_the_tv_after_its_upload(
        tv, fake_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg, title="Star")
    collections.artwork_favourite(artworks=[artwork], favourite=True)
    Placement.objects.create(artwork=artwork, tv=tv)

    lane(tv)

    placement = Placement.objects.get(artwork=artwork)
    assert placement.status == PlacementStatus.ON_TV
    assert fake_tv.favourites == {placement.content_id}
    assert fake_tv.requests.index("send_image") < fake_tv.requests.index("change_favorite")


def test_a_star_waits_while_another_transfer_holds_the_tvs_lock(
        tv, fake_tv, make_artwork, jpeg, upload_now):
    placement = upload_now(make_artwork(jpeg))
    collections.artwork_favourite(artworks=[placement.artwork], favourite=True)
    held, done = threading.Event(), threading.Event()

    def removal():  # a removal from the TV, holding its lock
        with tvlock.holding(tv, wait=5):
            held.set()
            done.wait(10)

    thread = threading.Thread(target=removal)
    thread.start()
    held.wait(5)
    try:
        run = lane(tv)
    finally:
        done.set()
        thread.join()

    assert run.retry_in is not None  # the lane comes back for it
    assert "change_favorite" not in fake_tv.requests
    lane(tv)
    assert fake_tv.favourites == {placement.content_id}


def test_a_tv_that_was_off_catches_up_at_its_next_check(
        tv, fake_tv, make_artwork, jpeg, upload_now):
    placement = upload_now(make_artwork(jpeg))
    fake_tv.stop()
    collections.artwork_favourite(artworks=[placement.artwork], favourite=True)

    run = lane(tv)

    assert run.retry_in is None  # no loop against a TV that is off
    assert Placement.objects.get(pk=placement.pk).tv_favourite is False
    fake_tv.start()
    status.status_refresh(in_worker=True)
    facts = CheckResult.objects.get(tv=tv).facts["favourites"]
    assert facts == {"supported": None, "starred": 0, "behind": 1}
    lane(tv)  # the check kicked it
    assert fake_tv.favourites == {placement.content_id}


def test_the_check_corrects_stars_changed_with_the_remote_and_leaves_others_alone(
        admin_client, tv, fake_tv, make_artwork, jpeg, upload_now):
    mine = upload_now(make_artwork(jpeg, title="Mine"))
    theirs = fake_tv.add_photo(b"not Docent's")
    fake_tv.favourites.update({mine.content_id, theirs})  # starred with the remote

    status.status_refresh(in_worker=True)

    assert Placement.objects.get(pk=mine.pk).tv_favourite is True
    page = admin_client.get("/admin/docent/").content.decode()
    assert ("Favourites on the TV: 1 of Docent's picture; 1 to follow Docent's stars."
            in page)
    lane(tv)
    assert fake_tv.favourites == {theirs}  # Docent's star wins; the other is not Docent's


def test_a_tv_without_favourites_is_said_so_once_and_not_asked_again(
        admin_client, tv, fake_tv, make_artwork, jpeg, upload_now, caplog):
    fake_tv.unknown_requests.add("change_favorite")
    first, second = upload_now(make_artwork(jpeg)), upload_now(make_artwork(jpeg + b"2"))
    collections.artwork_favourite(artworks=[first.artwork, second.artwork], favourite=True)

    with caplog.at_level(logging.WARNING, logger="docentsite.artwork.tvfavourites"):
        lane(tv)
        lane(tv)
        status.status_refresh(in_worker=True)
        lane(tv)

    assert fake_tv.requests.count("change_favorite") == 1
    assert TV.objects.get(pk=tv.pk).favourites_supported is False
    assert len([r for r in caplog.records if "does not keep favourites" in r.message]) == 1
    assert CheckResult.objects.get(tv=tv).facts["favourites"]["behind"] == 0
    assert "this TV's firmware does not keep favourites" in admin_client.get(
        "/admin/docent/").content.decode()


def test_a_firmware_update_asks_again(tv, fake_tv):
    TV.objects.filter(pk=tv.pk).update(favourites_supported=False, art_api_version="2.03")

    status.status_refresh(in_worker=True)

    assert TV.objects.get(pk=tv.pk).favourites_supported is None


def test_a_star_the_tv_had_before_docent_knew_is_taken_in(tv, fake_tv, make_artwork, jpeg,
                                                          upload_now):
    adopted = upload_now(make_artwork(jpeg, title="From the original Docent"))
    Placement.objects.filter(pk=adopted.pk).update(tv_favourite=None)  # as adopted
    fake_tv.favourites.add(adopted.content_id)  # starred through the original Docent

    status.status_refresh(in_worker=True)
    lane(tv)

    adopted.refresh_from_db()
    assert adopted.artwork.favourite is True and adopted.tv_favourite is True
    assert fake_tv.favourites == {adopted.content_id}
    assert "change_favorite" not in fake_tv.requests


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_worker_stars_it_on_the_tv_in_its_lane_after_the_transfer_under_way(
        client, worker_env, tv, fake_tv, make_artwork, make_jpeg, jpeg, upload_now, tmp_path):
    empty_embedded_queue()
    shown = upload_now(make_artwork(jpeg, title="On the TV"))
    big = make_artwork(make_jpeg(1600, 1000, noise=True), filename="big.jpg")
    fake_tv.slow_transfer = max(1, big.bytes // 4)  # about 4 s on the TV's lane
    client.force_login(staff_with("artwork.view_artwork", "artwork.change_artwork"))

    with celery_worker({**worker_env, "TV_UPLOAD_TIMEOUT": "60"}, concurrency=2,
                       log_dir=tmp_path):
        placements.artwork_place(artworks=[big], tvs_wanted=[tv])
        wait_for(lambda: fake_tv.transfers_active == 1, what="the slow transfer to begin")
        asked = time.monotonic()
        starred = client.put(f"/api/artwork/{shown.artwork_id}/favourite",
                             {"favourite": True}, content_type="application/json")
        answered = time.monotonic() - asked
        transfers_when_starred = wait_for(
            lambda: fake_tv.favourites == {shown.content_id} and [fake_tv.transfers_active],
            timeout=60, what="the star on the TV")

    assert starred.status_code == 200 and answered < 2  # the request waited for no TV
    # The lane's lock: the star went to the TV once the transfer had ended.
    assert transfers_when_starred == [0]
    assert fake_tv.requests.index("send_image") < fake_tv.requests.index("change_favorite")
    assert Placement.objects.get(artwork=big).status == PlacementStatus.ON_TV
