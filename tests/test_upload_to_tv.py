import threading

import pytest

from docentsite.artwork import frametv, services
from docentsite.artwork.models import Artwork, Status

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


def test_an_image_the_tv_refuses_fails_with_the_code(fake_tv, frame_tv, make_artwork, jpeg):
    artwork = make_artwork(jpeg)
    fake_tv.error_on_send_image = True

    with pytest.raises(frametv.TVRejected):
        upload(artwork, frame_tv)

    artwork.refresh_from_db()
    assert artwork.status == Status.FAILED
    assert "-1" in artwork.last_error


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
