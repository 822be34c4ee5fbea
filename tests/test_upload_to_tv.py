import threading

import pytest

from docentsite.artwork import frametv, services
from docentsite.artwork.models import Artwork, Status
from tests.fakes.frametv import ART, REMOTE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def upload(artwork, tv):
    return services.artwork_upload_to_tv(artwork_id=artwork.pk, tv=tv)


def test_upload_puts_the_prepared_jpeg_on_the_tv(fake_tv, frame_tv, make_artwork, make_jpeg):
    artwork = make_artwork(make_jpeg(800, 600))

    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.photos[result.content_id].data == artwork.image.open("rb").read()
    assert result.tv_ids_before is None and result.upload_attempts == 1


def test_lost_confirmation_is_adopted_on_retry_not_uploaded_again(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.lose_confirmation = True

    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork, frame_tv)
    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED
    assert artwork.tv_ids_before == []
    assert len(fake_tv.photos) == 1  # it landed although the TV never said so

    fake_tv.lose_confirmation = False
    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.uploads_started == 1


def test_adoption_ignores_pictures_other_artworks_uploaded_meanwhile(
    fake_tv, frame_tv, make_artwork, make_jpeg
):
    lost = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(lost, frame_tv)
    fake_tv.lose_confirmation = False
    other = upload(make_artwork(make_jpeg(200, 300)), frame_tv)

    result = upload(lost, frame_tv)

    assert result.status == Status.ON_TV
    assert result.content_id != other.content_id
    assert len(fake_tv.photos) == 2


def test_unknown_new_pictures_after_a_lost_confirmation_need_a_person(
    fake_tv, frame_tv, make_artwork, make_jpeg
):
    artwork = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork, frame_tv)
    fake_tv.lose_confirmation = False
    fake_tv.add_photo(make_jpeg(100, 100))  # someone's phone, meanwhile

    with pytest.raises(services.UploadAmbiguous):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.NEEDS_ATTENTION
    assert "cannot tell which one" in artwork.last_error
    assert len(fake_tv.photos) == 2  # nothing was sent a second time


def test_a_transfer_that_broke_is_sent_again(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.close_mid_transfer = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork, frame_tv)
    assert fake_tv.photos == {}

    fake_tv.close_mid_transfer = False
    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert list(fake_tv.photos) == [result.content_id]


def test_tv_off_leaves_the_artwork_ready_for_a_retry(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.stop()

    with pytest.raises(frametv.TVUnavailable):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED
    assert artwork.last_error
    fake_tv.start()
    assert upload(artwork, frame_tv).status == Status.ON_TV


def test_an_image_the_tv_refuses_with_minus_1_fails_on_the_second_attempt(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.error_on_send_image = True  # -1, also what a jammed art service answers

    with pytest.raises(frametv.TVUnavailable, match="tries once more later"):
        upload(artwork, frame_tv)
    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED
    assert "error -1 SYSTEM_FAIL" in artwork.last_error

    with pytest.raises(frametv.TVRejected):
        upload(artwork, frame_tv)
    artwork.refresh_from_db()
    assert artwork.status == Status.FAILED
    assert artwork.last_error == "The TV refused send_image: error -1 SYSTEM_FAIL."


def test_an_image_the_tv_refuses_otherwise_fails_at_once(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = "-7"

    with pytest.raises(frametv.TVRejected):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.FAILED
    assert artwork.last_error == "The TV refused send_image: error -7 INVALID_PARAMETER."


@pytest.mark.parametrize("code", ["-10", -3])
def test_a_busy_tv_leaves_the_artwork_for_a_retry_that_uploads_it_once(
    fake_tv, frame_tv, make_artwork, jpeg, code
):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(frametv.TVBusy) as caught:
        upload(artwork, frame_tv)
    assert caught.value.transient
    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED and "is busy" in artwork.last_error

    del fake_tv.error_codes["send_image"]
    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert list(fake_tv.photos) == [result.content_id]


def test_a_busy_answer_without_request_data_is_busy_too(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.bare_errors = True
    fake_tv.error_codes["send_image"] = "-10"

    with pytest.raises(frametv.TVBusy):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED


def test_a_full_tv_needs_attention_in_words_a_person_understands(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.error_codes["send_image"] = "-11"

    with pytest.raises(frametv.TVStorageFull):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.NEEDS_ATTENTION
    assert artwork.last_error.startswith(
        "The TV's art storage is full: remove pictures from it, then retry"
    )


def test_a_malformed_confirmation_is_retried_and_the_picture_adopted(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.reply_data["image_added"] = "42"

    with pytest.raises(frametv.TVUploadUnconfirmed) as caught:
        upload(artwork, frame_tv)
    assert caught.value.transient
    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED
    assert "sent a reply Docent cannot read" in artwork.last_error
    assert "attribute" not in artwork.last_error

    del fake_tv.reply_data["image_added"]
    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert list(fake_tv.photos) == [result.content_id]
    assert fake_tv.uploads_started == 1


def test_a_tv_that_forgot_docent_is_paired_once_on_the_remote_channel(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    old_token = frame_tv.token_file.read_text()
    fake_tv.revoke_tokens()  # a firmware update
    fake_tv.prompt_timeout = 0.3

    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV and result.content_id in fake_tv.photos
    # The fixture's pairing; the art channel's prompt that shows the token is stale;
    # one prompt on the remote channel, where Allow grants a token.
    assert fake_tv.prompts == [REMOTE, ART, REMOTE]
    (new_token,) = fake_tv.tokens
    assert new_token != old_token and frame_tv.token_file.read_text() == new_token


def test_a_forgotten_docent_nobody_allows_is_not_prompted_for_on_every_retry(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.revoke_tokens()
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 0.3

    for _ in range(4):  # the first attempt and three retries
        with pytest.raises(frametv.TVAuthPending):
            upload(artwork, frame_tv)

    assert fake_tv.prompts == [REMOTE, ART, REMOTE]
    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED and fake_tv.photos == {}
    assert "status page" in artwork.last_error

    fake_tv.pairing = "allow"
    services.tv_pair(tv=frame_tv)  # the owner pairs from the status page
    assert upload(artwork, frame_tv).status == Status.ON_TV


def test_ids_listed_with_an_extension_still_reconcile_a_lost_confirmation(
    fake_tv, frame_tv, make_artwork, make_jpeg
):
    fake_tv.listed_id_suffix = ".jpg"  # the list says MY_F0041.jpg, image_added MY_F0041
    lost = make_artwork(make_jpeg(300, 200))
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(lost, frame_tv)
    fake_tv.lose_confirmation = False
    other = upload(make_artwork(make_jpeg(200, 300)), frame_tv)

    result = upload(lost, frame_tv)

    assert result.status == Status.ON_TV
    assert {result.content_id, other.content_id} == {"MY_F0041", "MY_F0042"}
    assert fake_tv.uploads_started == 2


def test_two_deliveries_at_once_put_one_picture_on_the_tv(
    fake_tv, make_frame_tv, make_artwork, make_jpeg
):
    artwork = make_artwork(make_jpeg(1200, 800, noise=True))
    tvs = [make_frame_tv(), make_frame_tv()]
    tvs[0].pair()
    results, errors = [], []

    def deliver(tv):
        try:
            results.append(upload(artwork, tv))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(tv,)) for tv in tvs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(fake_tv.photos) == 1
    assert fake_tv.uploads_started == 1
    artwork.refresh_from_db()
    assert artwork.status == Status.ON_TV and artwork.content_id in fake_tv.photos


def test_a_row_left_uploading_by_a_dead_worker_is_finished(
    fake_tv, frame_tv, make_artwork, jpeg
):
    artwork = make_artwork(jpeg)
    fake_tv.lose_confirmation = True
    with pytest.raises(frametv.TVUploadUnconfirmed):
        upload(artwork, frame_tv)
    # As a worker killed mid-transfer leaves it.
    Artwork.objects.filter(pk=artwork.pk).update(status=Status.UPLOADING)
    fake_tv.lose_confirmation = False

    result = upload(artwork, frame_tv)

    assert result.status == Status.ON_TV
    assert len(fake_tv.photos) == 1


def test_a_finished_artwork_is_not_uploaded_again(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = upload(make_artwork(jpeg), frame_tv)

    again = upload(artwork, frame_tv)

    assert again.content_id == artwork.content_id
    assert fake_tv.uploads_started == 1


def test_the_first_upload_asks_the_tv_for_permission(fake_tv, make_frame_tv, make_artwork, jpeg):
    tv = make_frame_tv()
    assert not tv.has_token()

    result = upload(make_artwork(jpeg), tv)

    assert result.status == Status.ON_TV
    assert tv.has_token() and tv.token_file.read_text() in fake_tv.tokens


def test_an_unanswered_permission_prompt_is_retried_later(
    fake_tv, make_frame_tv, make_artwork, jpeg
):
    fake_tv.pairing = "pending"
    artwork = make_artwork(jpeg)

    with pytest.raises(frametv.TVAuthPending):
        upload(artwork, make_frame_tv())

    artwork.refresh_from_db()
    assert artwork.status == Status.PREPARED and fake_tv.photos == {}
