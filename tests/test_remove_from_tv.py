"""placements.artwork_remove_from_tv, the admin's "Remove from TV" and POST
/api/artwork/{id}/remove, against the fake TV."""

import json

import pytest

from docentsite.artwork import placements, services, tvlock, tvs, tvupload
from docentsite.artwork.models import Artwork, Placement, PlacementStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def meta_path(settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return settings.ARTWORK_META_PATH


@pytest.fixture
def tv_settings(tv, settings, meta_path):
    return settings


@pytest.fixture
def on_tv(make_artwork, make_jpeg, upload_now, meta_path):
    """on_tv("title", ...) -> the placements of artworks uploaded to the fake TV,
    artwork_meta.json written."""
    def make(*titles):
        placed = [upload_now(make_artwork(make_jpeg(), filename=f"{title}.jpg"))
                  for title in titles]
        services.artwork_finish(artwork_id=placed[0].artwork_id, inline=True)
        return placed

    return make


def in_meta(meta_path) -> set[str]:
    return set(json.loads(meta_path.read_text())["artwork"])


def remove(*placed):
    return placements.artwork_remove_from_tv(
        artworks=Artwork.objects.filter(pk__in=[p.artwork_id for p in placed])
    )


def status_of(placement) -> str:
    return Placement.objects.get(pk=placement.pk).status


def test_removing_deletes_from_the_tv_and_rewrites_the_meta_file(
    fake_tv, on_tv, meta_path
):
    first, second = on_tv("first", "second")
    assert in_meta(meta_path) == {first.content_id, second.content_id}

    result = remove(first, second)

    assert result.removed == [first, second] and not result.stopped
    assert fake_tv.photos == {}
    assert status_of(first) == status_of(second) == PlacementStatus.REMOVED
    assert in_meta(meta_path) == set()


def test_a_picture_deleted_on_the_tv_itself_is_marked_removed(
    fake_tv, on_tv, meta_path
):
    kept, gone = on_tv("kept", "gone")
    del fake_tv.photos[gone.content_id]  # the owner deleted it with the remote

    result = remove(gone)

    assert result.already_gone == [gone] and result.removed == []
    assert status_of(gone) == PlacementStatus.REMOVED
    assert in_meta(meta_path) == {kept.content_id}
    assert "delete_image_list" not in fake_tv.requests  # nothing asked of the TV for it


def test_one_refusal_does_not_stop_the_batch(fake_tv, on_tv, meta_path):
    first, stuck, last = on_tv("first", "stuck", "last")
    fake_tv.undeletable = {stuck.content_id}

    result = remove(first, stuck, last)

    assert result.removed == [first, last]
    [(refused, reason)] = result.refused
    assert refused == stuck and reason == f"The TV kept {stuck.content_id} when asked to delete it."
    assert status_of(stuck) == PlacementStatus.ON_TV
    assert in_meta(meta_path) == {stuck.content_id}


def test_an_error_code_refuses_each_picture_and_stops_none(fake_tv, on_tv):
    first, second = on_tv("first", "second")
    fake_tv.error_codes["delete_image_list"] = "-7"

    result = remove(first, second)

    assert [placement for placement, _ in result.refused] == [first, second]
    assert result.refused[0][1] == "The TV refused delete_image_list: error -7 INVALID_PARAMETER."
    assert not result.stopped
    assert status_of(first) == status_of(second) == PlacementStatus.ON_TV


def test_a_tv_that_stops_answering_mid_batch_says_which_were_done(
    fake_tv, settings, on_tv, meta_path
):
    first, second, third = on_tv("first", "second", "third")
    fake_tv.silent_after = {"delete_image_list": 1}  # answers one delete, then dozes off
    settings.TV_TIMEOUT = 1

    result = remove(first, second, third)

    assert result.removed == [first]
    assert result.left == [second, third]
    assert "did not answer `delete_image_list`" in result.stopped
    assert [status_of(a) for a in (first, second, third)] == [
        PlacementStatus.REMOVED, PlacementStatus.ON_TV, PlacementStatus.ON_TV
    ]
    assert in_meta(meta_path) == {second.content_id, third.content_id}


def test_ids_the_tv_lists_with_an_extension_are_found_and_deleted(fake_tv, on_tv):
    fake_tv.listed_id_suffix = ".jpg"
    (placement,) = on_tv("picture")

    result = remove(placement)

    assert result.removed == [placement] and fake_tv.photos == {}


def test_removing_from_one_tv_leaves_the_picture_on_the_others(
    fake_tv, tv, on_tv, meta_path, settings, tmp_path
):
    settings.DOCENT_DATA_DIR = tmp_path  # the second TV's token and meta file
    den = tvs.tv_create(name="Den", host=fake_tv.host, port=fake_tv.port)
    tvs.tv_pair(tv=den, wait=2)
    (living_room,) = on_tv("picture")
    with tvlock.holding(den, wait=10):
        in_den = tvupload.placement_upload(
            placement=Placement.objects.create(artwork_id=living_room.artwork_id, tv=den),
            frame=tvs.frame_of(den))

    result = placements.artwork_remove_from_tv(
        artworks=Artwork.objects.filter(pk=living_room.artwork_id), tvs_chosen=[den])

    assert result.removed == [in_den] and not result.not_on_tv
    assert status_of(in_den) == PlacementStatus.REMOVED
    assert status_of(living_room) == PlacementStatus.ON_TV
    assert set(fake_tv.photos) == {living_room.content_id}
    assert in_meta(meta_path) == {living_room.content_id}
    assert in_meta(tvs.meta_path(den)) == set()


# -- the admin action and the API ----------------------------------------------------


def test_remove_action_says_what_happened_to_each(admin_client, tv_settings, fake_tv, on_tv,
                                                  make_artwork, jpeg):
    done, gone, stuck = on_tv("done", "gone", "stuck")
    del fake_tv.photos[gone.content_id]
    fake_tv.undeletable = {stuck.content_id}
    waiting = make_artwork(jpeg, filename="waiting.jpg")

    response = admin_client.post(CHANGELIST, {
        "action": "remove_from_tv",
        "_selected_action": [p.artwork_id for p in (done, gone, stuck)] + [waiting.pk]},
        follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "1 artwork(s) removed from the TV.",
        "1 already gone from the TV (deleted there), now marked removed: gone.",
        "1 not on the TV, left as they are.",
        f"stuck: not removed. The TV kept {stuck.content_id} when asked to delete it.",
    ]


def test_remove_action_stopped_by_the_tv_names_what_was_done(
    admin_client, tv_settings, fake_tv, on_tv
):
    tv_settings.TV_TIMEOUT = 1
    done, left = on_tv("done", "left")
    fake_tv.silent_after = {"delete_image_list": 1}

    response = admin_client.post(CHANGELIST, {
        "action": "remove_from_tv", "_selected_action": [done.artwork_id, left.artwork_id]},
        follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "1 artwork(s) removed from the TV: done."
    assert messages[1].startswith("Nothing more was removed: The TV at ")
    assert messages[1].endswith("Not reached: left.")


def test_api_remove_of_a_picture_already_gone_is_a_200_saying_so(
    admin_client, tv_settings, fake_tv, on_tv
):
    (placement,) = on_tv("gone")
    fake_tv.photos.clear()

    response = admin_client.post(f"/api/artwork/{placement.artwork_id}/remove")

    assert response.status_code == 200
    assert response.json()["detail"] == ("It was already gone from the TV (deleted there); "
                                         "marked removed.")
    assert status_of(placement) == PlacementStatus.REMOVED


def test_api_remove_the_tv_refuses_is_a_422_with_the_reason(
    admin_client, tv_settings, fake_tv, on_tv
):
    (placement,) = on_tv("stuck")
    fake_tv.error_codes["delete_image_list"] = "-7"

    response = admin_client.post(f"/api/artwork/{placement.artwork_id}/remove")

    assert response.status_code == 422
    assert response.json()["detail"] == ("The TV did not remove it: The TV refused "
                                         "delete_image_list: error -7 INVALID_PARAMETER.")


def test_api_remove_with_the_tv_asleep_is_a_503(admin_client, tv_settings, fake_tv, on_tv):
    (placement,) = on_tv("picture")
    fake_tv.no_answer = True
    tv_settings.TV_TIMEOUT = 1

    response = admin_client.post(f"/api/artwork/{placement.artwork_id}/remove")

    assert response.status_code == 503
    assert response.json()["detail"].startswith("The TV was not reached: The TV at ")
    assert status_of(placement) == PlacementStatus.ON_TV
