"""services.artwork_remove_from_tv, the admin's "Remove from TV" and POST
/api/artwork/{id}/remove, against the fake TV."""

import json

import pytest

from docentsite.artwork import services
from docentsite.artwork.models import Artwork, Status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def meta_path(settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return settings.ARTWORK_META_PATH


@pytest.fixture
def tv_settings(fake_tv, frame_tv, settings, meta_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    return settings


@pytest.fixture
def on_tv(make_artwork, make_jpeg, frame_tv, meta_path):
    """on_tv("title", ...) -> artworks uploaded to the fake TV, artwork_meta.json written."""
    def make(*titles):
        artworks = [
            services.artwork_upload_to_tv(
                artwork_id=make_artwork(make_jpeg(), filename=f"{title}.jpg").pk, tv=frame_tv
            )
            for title in titles
        ]
        services.artwork_finish(artwork_id=artworks[0].pk)
        return artworks

    return make


def in_meta(meta_path) -> set[str]:
    return set(json.loads(meta_path.read_text())["artwork"])


def remove(*artworks, tv):
    return services.artwork_remove_from_tv(
        artworks=Artwork.objects.filter(pk__in=[a.pk for a in artworks]), tv=tv
    )


def status_of(artwork) -> str:
    return Artwork.objects.get(pk=artwork.pk).status


def test_removing_deletes_from_the_tv_and_rewrites_the_meta_file(
    fake_tv, frame_tv, on_tv, meta_path
):
    first, second = on_tv("first", "second")
    assert in_meta(meta_path) == {first.content_id, second.content_id}

    result = remove(first, second, tv=frame_tv)

    assert result.removed == [first, second] and not result.stopped
    assert fake_tv.photos == {}
    assert status_of(first) == status_of(second) == Status.REMOVED
    assert in_meta(meta_path) == set()


def test_a_picture_deleted_on_the_tv_itself_is_marked_removed(
    fake_tv, frame_tv, on_tv, meta_path
):
    kept, gone = on_tv("kept", "gone")
    del fake_tv.photos[gone.content_id]  # the owner deleted it with the remote

    result = remove(gone, tv=frame_tv)

    assert result.already_gone == [gone] and result.removed == []
    assert status_of(gone) == Status.REMOVED
    assert in_meta(meta_path) == {kept.content_id}
    assert "delete_image_list" not in fake_tv.requests  # nothing asked of the TV for it


def test_one_refusal_does_not_stop_the_batch(fake_tv, frame_tv, on_tv, meta_path):
    first, stuck, last = on_tv("first", "stuck", "last")
    fake_tv.undeletable = {stuck.content_id}

    result = remove(first, stuck, last, tv=frame_tv)

    assert result.removed == [first, last]
    [(refused, reason)] = result.refused
    assert refused == stuck and reason == f"The TV kept {stuck.content_id} when asked to delete it."
    assert status_of(stuck) == Status.ON_TV
    assert in_meta(meta_path) == {stuck.content_id}


def test_an_error_code_refuses_each_picture_and_stops_none(fake_tv, frame_tv, on_tv):
    first, second = on_tv("first", "second")
    fake_tv.error_codes["delete_image_list"] = "-7"

    result = remove(first, second, tv=frame_tv)

    assert [artwork for artwork, _ in result.refused] == [first, second]
    assert result.refused[0][1] == "The TV refused delete_image_list: error -7 INVALID_PARAMETER."
    assert not result.stopped
    assert status_of(first) == status_of(second) == Status.ON_TV


def test_a_tv_that_stops_answering_mid_batch_says_which_were_done(
    fake_tv, make_frame_tv, on_tv, meta_path
):
    first, second, third = on_tv("first", "second", "third")
    fake_tv.silent_after = {"delete_image_list": 1}  # answers one delete, then dozes off

    result = remove(first, second, third, tv=make_frame_tv(timeout=1))

    assert result.removed == [first]
    assert result.left == [second, third]
    assert "did not answer `delete_image_list`" in result.stopped
    assert [status_of(a) for a in (first, second, third)] == [
        Status.REMOVED, Status.ON_TV, Status.ON_TV
    ]
    assert in_meta(meta_path) == {second.content_id, third.content_id}


def test_ids_the_tv_lists_with_an_extension_are_found_and_deleted(fake_tv, frame_tv, on_tv):
    fake_tv.listed_id_suffix = ".jpg"
    (artwork,) = on_tv("picture")

    result = remove(artwork, tv=frame_tv)

    assert result.removed == [artwork] and fake_tv.photos == {}


# -- the admin action and the API ----------------------------------------------------


def test_remove_action_says_what_happened_to_each(admin_client, tv_settings, fake_tv, on_tv,
                                                  make_artwork, jpeg):
    done, gone, stuck = on_tv("done", "gone", "stuck")
    del fake_tv.photos[gone.content_id]
    fake_tv.undeletable = {stuck.content_id}
    waiting = make_artwork(jpeg, filename="waiting.jpg")

    response = admin_client.post(CHANGELIST, {
        "action": "remove_from_tv",
        "_selected_action": [done.pk, gone.pk, stuck.pk, waiting.pk]}, follow=True)

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
        "action": "remove_from_tv", "_selected_action": [done.pk, left.pk]}, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "1 artwork(s) removed from the TV: done."
    assert messages[1].startswith("Nothing more was removed: The TV at ")
    assert messages[1].endswith("Not reached: left.")


def test_api_remove_of_a_picture_already_gone_is_a_200_saying_so(
    admin_client, tv_settings, fake_tv, on_tv
):
    (artwork,) = on_tv("gone")
    fake_tv.photos.clear()

    response = admin_client.post(f"/api/artwork/{artwork.pk}/remove")

    assert response.status_code == 200
    assert response.json()["detail"] == ("It was already gone from the TV (deleted there); "
                                         "marked removed.")
    assert status_of(artwork) == Status.REMOVED


def test_api_remove_the_tv_refuses_is_a_422_with_the_reason(
    admin_client, tv_settings, fake_tv, on_tv
):
    (artwork,) = on_tv("stuck")
    fake_tv.error_codes["delete_image_list"] = "-7"

    response = admin_client.post(f"/api/artwork/{artwork.pk}/remove")

    assert response.status_code == 422
    assert response.json()["detail"] == ("The TV did not remove it: The TV refused "
                                         "delete_image_list: error -7 INVALID_PARAMETER.")


def test_api_remove_with_the_tv_asleep_is_a_503(admin_client, tv_settings, fake_tv, on_tv):
    (artwork,) = on_tv("picture")
    fake_tv.no_answer = True
    tv_settings.TV_TIMEOUT = 1

    response = admin_client.post(f"/api/artwork/{artwork.pk}/remove")

    assert response.status_code == 503
    assert response.json()["detail"].startswith("The TV was not reached: The TV at ")
    assert status_of(artwork) == Status.ON_TV
