import threading

import pytest
from django.db import connection

from docentsite.artwork import frametv, tvs
from docentsite.artwork.lane import tv_lane_run
from docentsite.artwork.models import Placement, PlacementStatus
from docentsite.artwork.tvupload import UploadAmbiguous
from tests.fakes.frametv import ART, REMOTE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture(autouse=True)
def short_timeouts(settings):
    settings.TV_TIMEOUT, settings.TV_UPLOAD_TIMEOUT = 3, 6


@pytest.fixture
def upload(upload_now):
    """upload(artwork) -> its placement on the TV, uploaded once; raises as the upload does."""
    return upload_now


@pytest.fixture
def unpaired_tv(settings, fake_tv, tmp_path, db):
    """The default TV, pointed at the fake TV, with no token yet."""
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "unpaired" / "tv-token"
    return tvs.tv_default()


def queue(artwork, tv):
    """The artwork waits for the TV's lane, as artwork_place leaves it (without a worker)."""
    return Placement.objects.create(artwork=artwork, tv=tv)


def lane(tv):
    """Run the TV's lane now, as its worker does once the retry it scheduled is due."""
    Placement.objects.filter(tv=tv).update(next_attempt_at=None)
    return tv_lane_run(tv_id=tv.pk)


def placement_of(artwork):
    return Placement.objects.get(artwork=artwork)


def test_upload_puts_the_prepared_jpeg_on_the_tv(fake_tv, upload, make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(800, 600))

    result = upload(artwork)

    assert result.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.photos[result.content_id].data == artwork.image.open("rb").read()
    assert result.tv_ids_before is None and result.upload_attempts == 1


def test_the_lane_puts_every_ready_picture_on_its_tv(fake_tv, tv, make_artwork, make_jpeg):
    first, second = make_artwork(make_jpeg(300, 200)), make_artwork(make_jpeg(200, 300))
    for artwork in (first, second):
        queue(artwork, tv)
    not_prepared = make_artwork(make_jpeg(300, 200), prepare=False)
    queue(not_prepared, tv)

    run = lane(tv)

    assert [p.artwork_id for p in run.uploaded] == [first.pk, second.pk]
    assert run.waiting == "" and run.retry_in is None
    assert {placement_of(a).content_id for a in (first, second)} == set(fake_tv.photos)
    assert placement_of(not_prepared).status == PlacementStatus.QUEUED


def test_lost_confirmation_is_adopted_on_retry_not_uploaded_again(
    fake_tv, upload, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.lose_confirmation = True

    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork)
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED
    assert placement.tv_ids_before == []
    assert len(fake_tv.photos) == 1  # it landed although the TV never said so

    fake_tv.lose_confirmation = False
    result = upload(artwork)

    assert result.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.uploads_started == 1


def test_adoption_ignores_pictures_other_artworks_uploaded_meanwhile(
    fake_tv, upload, make_artwork, make_jpeg
):
    lost = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(lost)
    fake_tv.lose_confirmation = False
    other = upload(make_artwork(make_jpeg(200, 300)))

    result = upload(lost)

    assert result.status == PlacementStatus.ON_TV
    assert result.content_id != other.content_id
    assert len(fake_tv.photos) == 2


def test_unknown_new_pictures_after_a_lost_confirmation_need_a_person(
    fake_tv, upload, make_artwork, make_jpeg
):
    artwork = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork)
    fake_tv.lose_confirmation = False
    fake_tv.add_photo(make_jpeg(100, 100))  # someone's phone, meanwhile

    with pytest.raises(UploadAmbiguous):
        upload(artwork)

    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.NEEDS_ATTENTION
    assert "cannot tell which one" in placement.last_error
    assert len(fake_tv.photos) == 2  # nothing was sent a second time


def test_a_transfer_that_broke_is_sent_again(fake_tv, upload, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.close_mid_transfer = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork)
    assert fake_tv.photos == {}

    fake_tv.close_mid_transfer = False
    result = upload(artwork)

    assert result.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [result.content_id]


def test_tv_off_leaves_the_artwork_ready_for_a_retry(fake_tv, upload, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.stop()

    with pytest.raises(frametv.TVUnavailable):
        upload(artwork)

    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED
    assert placement.last_error
    fake_tv.start()
    assert upload(artwork).status == PlacementStatus.ON_TV


def test_tv_off_stops_the_lane_and_every_waiting_picture_says_why(
    fake_tv, tv, make_artwork, make_jpeg
):
    waiting = [make_artwork(make_jpeg(300, 200)), make_artwork(make_jpeg(200, 300))]
    for artwork in waiting:
        queue(artwork, tv)
    fake_tv.stop()

    run = lane(tv)

    assert run.uploaded == [] and run.waiting and run.retry_in > 0
    for artwork in waiting:
        placement = placement_of(artwork)
        assert placement.status == PlacementStatus.QUEUED
        assert placement.waiting_reason == run.waiting and placement.next_attempt_at
    assert tv_lane_run(tv_id=tv.pk).uploaded == []  # not due yet

    fake_tv.start()
    run = lane(tv)

    assert len(run.uploaded) == 2 and len(fake_tv.photos) == 2
    assert all(placement_of(a).waiting_reason == "" for a in waiting)


def test_an_image_the_tv_refuses_with_minus_1_fails_on_the_second_attempt(
    fake_tv, upload, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.error_on_send_image = True  # -1, also what a jammed art service answers

    with pytest.raises(frametv.TVUnavailable, match="tries once more later"):
        upload(artwork)
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED
    assert "error -1 SYSTEM_FAIL" in placement.last_error

    with pytest.raises(frametv.TVRejected):
        upload(artwork)
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.FAILED
    assert placement.last_error == "The TV refused send_image: error -1 SYSTEM_FAIL."


def test_an_image_the_tv_refuses_otherwise_fails_at_once(fake_tv, upload, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = "-7"

    with pytest.raises(frametv.TVRejected):
        upload(artwork)

    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.FAILED
    assert placement.last_error == "The TV refused send_image: error -7 INVALID_PARAMETER."


def test_a_refused_picture_does_not_stop_the_lane(fake_tv, tv, make_artwork, make_jpeg):
    refused, fine = make_artwork(make_jpeg(300, 200)), make_artwork(make_jpeg(200, 300))
    for artwork in (refused, fine):
        queue(artwork, tv)
    fake_tv.error_codes["send_image"] = "-7"

    run = tv_lane_run(tv_id=tv.pk)

    # The TV refuses both: the second was tried all the same, and nothing waits.
    assert run.uploaded == [] and run.waiting == ""
    assert {placement_of(a).status for a in (refused, fine)} == {PlacementStatus.FAILED}


@pytest.mark.parametrize("code", ["-10", -3])
def test_a_busy_tv_leaves_the_artwork_for_a_retry_that_uploads_it_once(
    fake_tv, upload, make_artwork, jpeg, code
):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(frametv.TVBusy) as caught:
        upload(artwork)
    assert caught.value.transient
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED and "is busy" in placement.last_error

    del fake_tv.error_codes["send_image"]
    result = upload(artwork)

    assert result.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [result.content_id]


def test_a_busy_answer_without_request_data_is_busy_too(fake_tv, upload, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.bare_errors = True
    fake_tv.error_codes["send_image"] = "-10"

    with pytest.raises(frametv.TVBusy):
        upload(artwork)

    assert placement_of(artwork).status == PlacementStatus.QUEUED


def test_a_full_tv_needs_attention_in_words_a_person_understands(
    fake_tv, upload, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = "-11"

    with pytest.raises(frametv.TVStorageFull):
        upload(artwork)

    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.NEEDS_ATTENTION
    assert placement.last_error.startswith(
        "The TV's art storage is full: remove pictures from it, then retry"
    )


def test_a_malformed_confirmation_is_retried_and_the_picture_adopted(
    fake_tv, upload, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.reply_data["image_added"] = "42"

    with pytest.raises(frametv.TVUploadUnconfirmed) as caught:
        upload(artwork)
    assert caught.value.transient
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED
    assert "sent a reply Docent cannot read" in placement.last_error
    assert "attribute" not in placement.last_error

    del fake_tv.reply_data["image_added"]
    result = upload(artwork)

    assert result.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.uploads_started == 1


def test_a_tv_that_forgot_docent_is_paired_once_on_the_remote_channel(
    fake_tv, frame_tv, tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    queue(artwork, tv)
    old_token = frame_tv.token_file.read_text()
    fake_tv.revoke_tokens()  # a firmware update
    fake_tv.prompt_timeout = 0.3

    run = lane(tv)

    result = placement_of(artwork)
    assert run.uploaded == [result]
    assert result.status == PlacementStatus.ON_TV and result.content_id in fake_tv.photos
    # The fixture's pairing; the art channel's prompt that shows the token is stale;
    # one prompt on the remote channel, where Allow grants a token.
    assert fake_tv.prompts == [REMOTE, ART, REMOTE]
    (new_token,) = fake_tv.tokens
    assert new_token != old_token and frame_tv.token_file.read_text() == new_token


def test_a_forgotten_docent_nobody_allows_is_not_prompted_for_on_every_retry(
    fake_tv, tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    queue(artwork, tv)
    fake_tv.revoke_tokens()
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 0.3

    for _ in range(4):  # the first attempt and three retries
        run = lane(tv)
        assert run.uploaded == [] and run.retry_in is not None

    assert "status page" in run.waiting
    assert fake_tv.prompts == [REMOTE, ART, REMOTE]
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED and fake_tv.photos == {}
    assert "status page" in placement.last_error

    fake_tv.pairing = "allow"
    tvs.tv_pair(tv=tv)  # the owner pairs from the status page
    lane(tv)
    assert placement_of(artwork).status == PlacementStatus.ON_TV


def test_ids_listed_with_an_extension_still_reconcile_a_lost_confirmation(
    fake_tv, upload, make_artwork, make_jpeg
):
    fake_tv.listed_id_suffix = ".jpg"  # the list says MY_F0041.jpg, image_added MY_F0041
    lost = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(lost)
    fake_tv.lose_confirmation = False
    other = upload(make_artwork(make_jpeg(200, 300)))

    result = upload(lost)

    assert result.status == PlacementStatus.ON_TV
    assert {result.content_id, other.content_id} == {"MY_F0041", "MY_F0042"}
    assert fake_tv.uploads_started == 2


def test_two_deliveries_at_once_put_one_picture_on_the_tv(fake_tv, tv, make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(1200, 800, noise=True))
    queue(artwork, tv)
    runs, errors = [], []

    def deliver():
        try:
            runs.append(tv_lane_run(tv_id=tv.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(fake_tv.photos) == 1
    assert fake_tv.uploads_started == 1
    assert sum(len(run.uploaded) for run in runs) == 1
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.ON_TV and placement.content_id in fake_tv.photos


def test_a_row_left_uploading_by_a_dead_worker_is_finished(
    fake_tv, tv, upload, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork)
    # As a worker killed mid-transfer leaves it.
    Placement.objects.filter(artwork=artwork).update(status=PlacementStatus.UPLOADING)
    fake_tv.lose_confirmation = False

    run = lane(tv)

    assert [p.status for p in run.uploaded] == [PlacementStatus.ON_TV]
    assert len(fake_tv.photos) == 1


def test_a_finished_artwork_is_not_uploaded_again(fake_tv, upload, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    placement = upload(artwork)

    again = upload(artwork)

    assert again.content_id == placement.content_id
    assert fake_tv.uploads_started == 1


def test_the_first_upload_asks_the_tv_for_permission(fake_tv, unpaired_tv, make_artwork, jpeg):
    assert not tvs.frame_of(unpaired_tv).has_token()
    artwork = make_artwork(jpeg)
    queue(artwork, unpaired_tv)

    lane(unpaired_tv)

    assert placement_of(artwork).status == PlacementStatus.ON_TV
    assert unpaired_tv.token_path.read_text() in fake_tv.tokens


def test_an_unanswered_permission_prompt_is_retried_later(
    fake_tv, unpaired_tv, make_artwork, jpeg
):
    fake_tv.pairing = "pending"
    artwork = make_artwork(jpeg)
    queue(artwork, unpaired_tv)

    run = lane(unpaired_tv)

    assert run.retry_in is not None and "Allow" in run.waiting
    placement = placement_of(artwork)
    assert placement.status == PlacementStatus.QUEUED and fake_tv.photos == {}
    assert placement.waiting_reason == run.waiting
