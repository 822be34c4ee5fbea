"""Change matte on a TV that takes a matte only with the picture (2025 firmware): the
request marks each picture and answers at once; the TV's lane sends each again with
the matte, then deletes the copy it had. Against the fake TV in its 2025 mode, through
samsungtvws."""

import time

import pytest

from docentsite.artwork import lane, matte_change, tvs
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def tv_2025(tv, fake_tv):
    """The default TV on 2025 firmware, its version and mattes known (as after a check
    and a look at the matte page)."""
    fake_tv.firmware_2025 = True
    tvs.tv_refresh(tv=tv)
    tvs.tv_mattes(tv=tv)
    return TV.objects.get(pk=tv.pk)


@pytest.fixture
def pictures(tv_2025, make_artwork, panel_jpeg, upload_now):
    """pictures(n) -> n panel-sized pictures on the TV, with no matte."""
    def make(count):
        return [upload_now(make_artwork(panel_jpeg, filename=f"p{n}.jpg")) for n in range(count)]

    return make


def change_matte(admin_client, placed, matte_id="modern_sage"):
    return admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": matte_id,
        "_selected_action": [p.artwork_id for p in placed]}, follow=True)


@pytest.mark.parametrize("tv_state", ["hanging", "off"])
def test_the_page_answers_before_any_tv_is_contacted(admin_client, tv_2025, fake_tv, pictures,
                                                    tv_state):
    placed = pictures(3)
    asked_before = len(fake_tv.requests)
    if tv_state == "hanging":
        fake_tv.no_answer = True
    else:
        fake_tv.stop()

    started = time.monotonic()
    response = change_matte(admin_client, placed)
    took = time.monotonic() - started

    page = response.content.decode()
    assert (f"Changing the matte of 3 pictures on {tv_2025.name}: each is sent again with it, "
            f"in {tv_2025.name}&#x27;s own time.") in page
    assert took < 2, took  # the TV's timeout is 3 s: it was never waited for
    assert len(fake_tv.requests) == asked_before
    for placement in Placement.objects.filter(pk__in=[p.pk for p in placed]):
        assert placement.matte_asked == "modern_sage" and placement.replace_asked_at
        assert placement.matte_id == "none"  # what the TV shows until its lane sends it
    # The gallery follows each picture: on the TV as it was, to be sent again.
    assert page.count("Sending it again with the matte Modern, Sage…") == 3
    assert page.count("data-working") >= 3


def test_the_lane_sends_each_again_with_the_matte_and_leaves_one_copy(
        admin_client, tv_2025, fake_tv, pictures):
    placed = pictures(2)
    old = {p.pk: p.content_id for p in placed}
    change_matte(admin_client, placed)

    run = lane.tv_lane_run(tv_id=tv_2025.pk)

    assert not run.waiting
    now = list(Placement.objects.filter(pk__in=old))
    for placement in now:
        assert placement.status == PlacementStatus.ON_TV
        assert placement.content_id != old[placement.pk]
        assert (placement.matte_id, placement.matte_note, placement.matte_asked) == (
            "modern_sage", "", "")
        assert placement.replace_asked_at is None and placement.replaced_content_id == ""
        assert placement.last_error == ""
    assert sorted(fake_tv.photos) == sorted(p.content_id for p in now)
    assert {photo.matte_id for photo in fake_tv.photos.values()} == {"modern_sage"}
    assert "change_matte" not in fake_tv.requests


def test_a_tv_off_keeps_the_picture_as_it_was_says_so_plainly_then_gets_it(
        admin_client, tv_2025, fake_tv, pictures):
    (placement,) = pictures(1)
    change_matte(admin_client, [placement])
    fake_tv.stop()

    run = lane.tv_lane_run(tv_id=tv_2025.pk)

    assert run.waiting
    waiting = Placement.objects.get(pk=placement.pk)
    assert (waiting.status, waiting.content_id, waiting.matte_id) == (
        PlacementStatus.ON_TV, placement.content_id, "none")
    assert waiting.last_error == "" and waiting.waiting_reason
    plainly = (f"On the TV as it was (no matte), to be sent again with the matte Modern, Sage "
               f"when {tv_2025.name} answers")
    api = admin_client.get(f"/api/artwork/{placement.artwork_id}").json()
    (on_tv,) = api["placements"]
    assert on_tv["status"] == "on_tv" and on_tv["replacing"] and on_tv["error"] == ""
    assert on_tv["said"].startswith(plainly) and "Docent tries again at" in on_tv["said"]
    assert plainly in admin_client.get(CHANGELIST).content.decode()
    assert plainly in admin_client.get(
        f"{CHANGELIST}{placement.artwork_id}/change/").content.decode()

    fake_tv.start()
    Placement.objects.filter(pk=placement.pk).update(next_attempt_at=None)  # the retry is due
    lane.tv_lane_run(tv_id=tv_2025.pk)

    sent = Placement.objects.get(pk=placement.pk)
    assert sent.content_id != placement.content_id and sent.matte_id == "modern_sage"
    assert sent.replace_asked_at is None and sent.waiting_reason == ""
    assert list(fake_tv.photos) == [sent.content_id]
    assert fake_tv.photos[sent.content_id].matte_id == "modern_sage"


def test_a_tv_off_for_too_long_keeps_the_picture_and_its_matte_and_says_so(
        admin_client, tv_2025, fake_tv, pictures, settings):
    settings.TASK_MAX_RETRIES = 1
    (placement,) = pictures(1)
    change_matte(admin_client, [placement])
    fake_tv.stop()

    lane.tv_lane_run(tv_id=tv_2025.pk)
    Placement.objects.filter(pk=placement.pk).update(next_attempt_at=None)
    lane.tv_lane_run(tv_id=tv_2025.pk)

    kept = Placement.objects.get(pk=placement.pk)
    assert (kept.content_id, kept.matte_id) == (placement.content_id, "none")
    assert kept.replace_asked_at is None and kept.matte_asked == ""
    assert kept.last_error.startswith("Still shows it as it was: it was not sent again with "
                                      "the matte Modern, Sage (Gave up after 2 attempts")


def test_a_picture_with_that_matte_already_is_not_sent_again(tv_2025, fake_tv, pictures):
    (placement,) = pictures(1)

    result = matte_change.artwork_change_matte(
        artworks=Artwork.objects.filter(pk=placement.artwork_id), matte_id="none", tv=tv_2025)

    assert [p.pk for p in result.changed] == [placement.pk] and not result.queued
    assert Placement.objects.get(pk=placement.pk).replace_asked_at is None


# -- the API ------------------------------------------------------------------------------

def post_matte(admin_client, artwork_id, body):
    return admin_client.post(f"/api/artwork/{artwork_id}/matte", body,
                             content_type="application/json")


def test_the_api_answers_202_with_where_to_look_and_the_lane_does_it(
        admin_client, tv_2025, fake_tv, pictures):
    (placement,) = pictures(1)
    uploads = fake_tv.uploads_started

    response = post_matte(admin_client, placement.artwork_id, {"matte": "modern_sage"})

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["follow"] == f"/api/artwork/{placement.artwork_id}"
    assert body["detail"] == (f"Sending it again to {tv_2025.name} with the matte Modern, "
                              f"Sage, in {tv_2025.name}'s own time: {body['follow']} says "
                              "when it is done.")
    (asked,) = body["placements"]
    assert asked["replacing"] and asked["matte_asked"] == "modern_sage"
    assert fake_tv.uploads_started == uploads

    lane.tv_lane_run(tv_id=tv_2025.pk)

    (done,) = admin_client.get(body["follow"]).json()["placements"]
    assert not done["replacing"] and done["matte_id"] == "modern_sage"
    assert list(fake_tv.photos) == [done["content_id"]]


def test_the_api_changes_a_matte_in_place_at_once_on_an_older_tv(admin_client, tv, fake_tv,
                                                                  make_artwork, panel_jpeg,
                                                                  upload_now):
    placement = upload_now(make_artwork(panel_jpeg))

    response = post_matte(admin_client, placement.artwork_id,
                          {"matte": "modern_sage", "tv": tv.name})

    assert response.status_code == 200, response.content
    assert response.json()["detail"] == f"Matte Modern, Sage on {tv.name}."
    assert fake_tv.photos[placement.content_id].matte_id == "modern_sage"
    assert fake_tv.requests.count("change_matte") == 1


def test_the_api_refuses_a_matte_the_tv_does_not_offer_or_a_picture_not_on_it(
        admin_client, tv_2025, fake_tv, pictures, make_artwork, jpeg):
    (placement,) = pictures(1)
    elsewhere = make_artwork(jpeg, filename="library.jpg")

    unknown = post_matte(admin_client, placement.artwork_id, {"matte": "velvet_gold"})
    not_on = post_matte(admin_client, elsewhere.pk, {"matte": "modern_sage"})

    assert unknown.status_code == 422 and "no matte called 'velvet_gold'" in unknown.json()[
        "detail"]
    assert not_on.status_code == 422 and "not on" in not_on.json()["detail"]
    assert Placement.objects.get(pk=placement.pk).replace_asked_at is None
