"""FrameTV against the fake Frame TV, through the real samsungtvws over real sockets."""

import multiprocessing
import re
import threading
import time
from pathlib import Path

import pytest

from docentsite.artwork.errors import NeedsAttention, Rejected, Unavailable
from docentsite.artwork.frametv import (
    FrameTV,
    TVAuthDenied,
    TVAuthPending,
    TVRejected,
    TVUnavailable,
    TVUploadUnconfirmed,
)
from docentsite.artwork.frametv_channels import Art
from tests.fakes.frametv import ART, REMOTE, FakeFrameTV

pytestmark = pytest.mark.timeout(30)

# Closing a socket, and the fake's own polling, add a little to every time-out.
SLACK = 1.0


class Elapsed:
    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.monotonic() - self.start


# -- pairing and tokens ------------------------------------------------------------


def test_pairing_on_the_remote_channel_saves_an_8_digit_token_the_art_channel_accepts(
    fake_tv, make_frame_tv, tmp_path
):
    tv = make_frame_tv()

    token = tv.pair()

    assert re.fullmatch(r"\d{8}", token)
    assert (tmp_path / "tv-token").read_text() == token
    assert fake_tv.tokens == [token]
    assert [(c.channel, c.name) for c in fake_tv.connections] == [(REMOTE, "Docent")]
    assert tv.art_mode() is True
    assert fake_tv.connections[-1].channel == ART
    assert fake_tv.connections[-1].token == token


def test_a_saved_token_means_the_tv_asks_only_once(fake_tv, make_frame_tv):
    token = make_frame_tv().pair()

    again = make_frame_tv()  # a new process reading the same token file
    assert again.pair() == token
    assert again.photos() == []
    assert fake_tv.tokens == [token]
    assert {c.token for c in fake_tv.connections[1:]} == {token}


def test_art_channel_without_a_token_ends_in_auth_pending_and_does_not_pair(
    fake_tv, make_frame_tv, tmp_path
):
    fake_tv.prompt_timeout = 0.5
    tv = make_frame_tv()

    with Elapsed() as elapsed, pytest.raises(TVAuthPending, match="press Allow"):
        tv.photos()

    assert elapsed.seconds < tv.timeout + SLACK
    assert fake_tv.tokens == []
    assert fake_tv.requests == []
    assert not (tmp_path / "tv-token").exists()


def test_art_channel_prompt_outlasting_our_timeout_is_auth_pending(fake_tv, make_frame_tv):
    fake_tv.prompt_timeout = 20
    tv = make_frame_tv(timeout=1)

    with Elapsed() as elapsed, pytest.raises(TVAuthPending, match="press Allow"):
        tv.art_mode()

    assert elapsed.seconds < 1 + SLACK


def test_pending_pairing_is_auth_pending_asking_to_press_allow(fake_tv, make_frame_tv, tmp_path):
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 0.5

    with pytest.raises(TVAuthPending, match="press Allow"):
        make_frame_tv().pair()

    assert fake_tv.tokens == []
    assert not (tmp_path / "tv-token").exists()


def test_pairing_waits_for_the_owner_to_press_allow(fake_tv, make_frame_tv):
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 10
    owner = threading.Timer(0.5, setattr, (fake_tv, "pairing", "allow"))
    owner.start()

    token = make_frame_tv().pair(wait=5)

    assert fake_tv.tokens == [token]


def test_denied_pairing_needs_a_person(fake_tv, make_frame_tv):
    fake_tv.pairing = "deny"

    with pytest.raises(TVAuthDenied, match="Deny") as caught:
        make_frame_tv().pair()

    assert isinstance(caught.value, NeedsAttention)


def test_revoked_token_asks_to_pair_again_and_pairing_again_works(fake_tv, frame_tv, jpeg):
    fake_tv.revoke_tokens()
    fake_tv.prompt_timeout = 0.5

    with pytest.raises(TVAuthPending, match="pair again"):
        frame_tv.upload(jpeg)
    assert fake_tv.uploads_started == 0

    frame_tv.pair()
    assert frame_tv.upload(jpeg) in fake_tv.photos


def test_a_tv_on_the_plain_port_8001_needs_no_token(tmp_path, jpeg):
    with FakeFrameTV(plain=True) as fake:
        tv = FrameTV(host=fake.host, port=8001, token_file=tmp_path / "tv-token",
                     timeout=5, upload_timeout=10)

        status = tv.status()
        content_id = tv.upload(jpeg)

    assert tv.has_token() and not tv.tls
    assert status.reachable and status.paired and status.error is None
    assert status.photo_count == 0 and status.api_version
    assert fake.photos[content_id].data == jpeg
    assert [c.token for c in fake.connections] == [None, None]
    assert not (tmp_path / "tv-token").exists()


def test_tls_on_every_port_but_8001(tmp_path):
    def url(port):
        art = Art(host="tv", port=port, token="12345678", upload_timeout=1)
        return art._format_websocket_url("com.samsung.art-app")

    assert url(8001).startswith("ws://") and "token" not in url(8001)
    assert url(8002).startswith("wss://") and "token=12345678" in url(8002)
    assert url(43210).startswith("wss://") and "token=12345678" in url(43210)


# -- status and reading ------------------------------------------------------------


def test_status_of_a_paired_frame(fake_tv, frame_tv, make_jpeg):
    fake_tv.add_photo(make_jpeg())
    fake_tv.add_photo(make_jpeg())

    status = frame_tv.status()

    assert status.reachable and status.art_mode_supported and status.paired
    assert status.art_mode is True
    assert status.api_version == "4.3.4.0"
    assert status.model == "QE55LS03BAUXXU"
    assert status.name == "Samsung The Frame 55"
    assert status.photo_count == 2  # My Photos only, not the TV's own art
    assert status.error is None


def test_status_of_an_unpaired_frame_says_so(fake_tv, make_frame_tv):
    fake_tv.prompt_timeout = 0.5

    status = make_frame_tv().status()

    assert status.reachable and not status.paired
    assert "pair" in status.error
    assert status.photo_count is None


def test_status_of_a_tv_that_is_off_does_not_raise(fake_tv, frame_tv):
    fake_tv.stop()

    status = frame_tv.status()

    assert not status.reachable
    assert "off" in status.error


def test_photos_lists_my_photos_only(fake_tv, frame_tv, make_jpeg):
    ours = fake_tv.add_photo(make_jpeg(40, 30))

    photos = frame_tv.photos()

    assert [(p["content_id"], p["category_id"]) for p in photos] == [(ours, "MY-C0002")]
    assert (photos[0]["width"], photos[0]["height"]) == (40, 30)
    assert frame_tv.photo_ids() == {ours}


def test_mattes_are_none_and_type_colour_ids(frame_tv):
    mattes = frame_tv.mattes()

    assert mattes[0] == "none"
    assert {"shadowbox_polar", "flexible_polar", "modern_apricot"} <= set(mattes)
    assert "none_polar" not in mattes


# -- upload ------------------------------------------------------------------------


def test_upload_stores_exactly_the_bytes_and_returns_the_content_id(fake_tv, frame_tv, jpeg):
    with Elapsed() as elapsed:
        content_id = frame_tv.upload(jpeg)

    assert content_id == "MY_F0041"
    photo = fake_tv.photos[content_id]
    assert photo.data == jpeg
    assert (photo.width, photo.height, photo.file_type) == (320, 200, "jpg")
    assert fake_tv.uploads_started == 1
    assert fake_tv.requests.count("send_image") == 1
    # The library sleeps key_press_delay (1 s by default) after each of an upload's
    # sends: 2 s or more unless Docent passes key_press_delay=0.
    assert elapsed.seconds < 2


def test_upload_over_a_tls_d2d_socket(fake_tv, frame_tv, jpeg):
    fake_tv.d2d_secured = True

    assert fake_tv.photos[frame_tv.upload(jpeg)].data == jpeg


def test_content_ids_are_never_reused(fake_tv, frame_tv, jpeg):
    first = frame_tv.upload(jpeg)
    assert frame_tv.delete(first)

    assert frame_tv.upload(jpeg) == "MY_F0042"


def test_upload_uses_the_configured_matte(fake_tv, make_frame_tv, panel_jpeg):
    tv = make_frame_tv(matte="shadowbox_polar")
    tv.pair()

    photo = fake_tv.photos[tv.upload(panel_jpeg)]

    assert (photo.matte_id, photo.portrait_matte_id) == ("shadowbox_polar", "shadowbox_polar")


def test_error_event_on_send_image_is_rejected_with_its_code(fake_tv, frame_tv, jpeg):
    fake_tv.error_on_send_image = True

    with pytest.raises(TVRejected, match="-1 SYSTEM_FAIL") as caught:
        frame_tv.upload(jpeg)

    assert caught.value.code == "-1"
    assert isinstance(caught.value, Rejected) and not caught.value.transient
    assert fake_tv.photos == {}


def test_tv_off_is_unavailable_quickly_and_a_retry_succeeds_once_it_is_on(
    fake_tv, frame_tv, jpeg
):
    fake_tv.stop()

    with Elapsed() as elapsed, pytest.raises(TVUnavailable, match="off") as caught:
        frame_tv.upload(jpeg)

    assert elapsed.seconds < frame_tv.timeout
    assert caught.value.transient
    assert not isinstance(caught.value, TVUploadUnconfirmed)
    fake_tv.start()
    assert fake_tv.photos[frame_tv.upload(jpeg)].data == jpeg


def test_no_answer_is_unavailable_within_the_timeout(fake_tv, frame_tv):
    fake_tv.no_answer = True

    with Elapsed() as elapsed, pytest.raises(TVUnavailable, match="did not answer"):
        frame_tv.art_mode()

    assert frame_tv.timeout * 0.9 < elapsed.seconds < frame_tv.timeout + SLACK


def test_no_answer_before_send_image_is_not_an_unconfirmed_upload(fake_tv, frame_tv, jpeg):
    fake_tv.no_answer = True

    with pytest.raises(TVUnavailable) as caught:
        frame_tv.upload(jpeg)

    assert not isinstance(caught.value, TVUploadUnconfirmed)
    assert "send_image" not in fake_tv.requests


def test_transfer_closed_midway_is_unconfirmed_and_nothing_is_stored(
    fake_tv, frame_tv, make_jpeg
):
    fake_tv.close_mid_transfer = True

    with Elapsed() as elapsed, pytest.raises(TVUploadUnconfirmed, match="may have reached"):
        frame_tv.upload(make_jpeg(600, 400, noise=True))

    assert elapsed.seconds < frame_tv.upload_timeout + SLACK
    assert fake_tv.uploads_started == 1
    assert fake_tv.photos == {}


def test_lost_confirmation_is_unconfirmed_but_the_photo_is_on_the_tv(fake_tv, frame_tv, jpeg):
    before = frame_tv.photo_ids()
    fake_tv.lose_confirmation = True

    with Elapsed() as elapsed, pytest.raises(TVUploadUnconfirmed) as caught:
        frame_tv.upload(jpeg)

    assert elapsed.seconds < frame_tv.upload_timeout + SLACK
    assert caught.value.transient
    (landed,) = frame_tv.photo_ids() - before
    assert fake_tv.photos[landed].data == jpeg


def test_slow_transfer_within_the_upload_timeout_succeeds(fake_tv, make_frame_tv, make_jpeg):
    picture = make_jpeg(300, 200, noise=True)
    fake_tv.slow_transfer = len(picture) // 2  # two seconds, twice the request timeout
    tv = make_frame_tv(timeout=1, upload_timeout=5)
    tv.pair()

    with Elapsed() as elapsed:
        content_id = tv.upload(picture)

    assert elapsed.seconds > 1.5
    assert fake_tv.photos[content_id].data == picture


# -- show and delete ---------------------------------------------------------------


def test_show_does_not_select_when_art_mode_is_off(fake_tv, frame_tv, make_jpeg):
    content_id = fake_tv.add_photo(make_jpeg())
    fake_tv.art_mode = False

    assert frame_tv.show(content_id) is False
    assert fake_tv.select_calls == []
    assert "select_image" not in fake_tv.requests


def test_show_selects_when_art_mode_is_on(fake_tv, frame_tv, make_jpeg):
    content_id = fake_tv.add_photo(make_jpeg())

    assert frame_tv.show(content_id) is True
    assert [call["content_id"] for call in fake_tv.select_calls] == [content_id]


def test_showing_an_unknown_picture_is_rejected(fake_tv, frame_tv):
    with pytest.raises(TVRejected, match="-7"):
        frame_tv.show("MY_F9999")


def test_delete_removes_the_photo_and_is_false_for_unknown_ids(fake_tv, frame_tv, make_jpeg):
    content_id = fake_tv.add_photo(make_jpeg())

    assert frame_tv.delete(content_id) is True
    assert content_id not in fake_tv.photos
    assert frame_tv.delete(content_id) is False


def test_change_matte_frames_the_picture_in_landscape_and_portrait(fake_tv, frame_tv,
                                                                  panel_jpeg):
    content_id = fake_tv.add_photo(panel_jpeg)

    frame_tv.change_matte(content_id, "modern_sage")

    photo = fake_tv.photos[content_id]
    assert (photo.matte_id, photo.portrait_matte_id) == ("modern_sage", "modern_sage")


@pytest.mark.parametrize("content_id, matte_id", [("known", "velvet_gold"), ("MY_F9999", "none")])
def test_a_matte_the_tv_will_not_put_there_is_rejected(fake_tv, frame_tv, make_jpeg,
                                                       content_id, matte_id):
    if content_id == "known":
        content_id = fake_tv.add_photo(make_jpeg())

    with pytest.raises(TVRejected, match="-7"):
        frame_tv.change_matte(content_id, matte_id)


def test_change_matte_with_the_tv_off_is_unavailable(fake_tv, frame_tv):
    fake_tv.stop()

    with pytest.raises(TVUnavailable):
        frame_tv.change_matte("MY_F0001", "none")


# -- one upload at a time per TV (tvlock.holding, which the lanes and removals hold) --


def _upload_from_threads(tv, frame: FrameTV, pictures: list[bytes], *, locked: bool) -> list:
    from django.db import connection

    from docentsite.artwork import tvlock

    results: list = []

    def upload(picture):
        try:
            if locked:
                with tvlock.holding(tv, wait=20):
                    results.append(frame.upload(picture))
            else:
                results.append(frame.upload(picture))
        except Exception as exc:  # reported by the assertions below
            results.append(exc)
        finally:
            connection.close()  # this thread's own (PostgreSQL holds the lock there)

    threads = [threading.Thread(target=upload, args=(p,)) for p in pictures]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


@pytest.mark.django_db(transaction=True)
def test_uploads_from_two_threads_under_the_lock_never_overlap(
    fake_tv, tv, frame_tv, make_jpeg
):
    pictures = [make_jpeg(200, 150, noise=True) for _ in range(2)]
    fake_tv.slow_transfer = len(pictures[0]) * 2  # half a second each

    content_ids = _upload_from_threads(tv, frame_tv, pictures, locked=True)

    assert fake_tv.max_concurrent_transfers == 1
    assert sorted(fake_tv.photos[c].data for c in content_ids) == sorted(pictures)


def test_the_fake_sees_overlapping_uploads_without_the_lock(fake_tv, make_frame_tv, make_jpeg):
    pictures = [make_jpeg(200, 150, noise=True) for _ in range(2)]
    fake_tv.slow_transfer = len(pictures[0]) * 2
    tv = make_frame_tv()
    tv.pair()

    _upload_from_threads(None, tv, pictures, locked=False)

    assert fake_tv.max_concurrent_transfers == 2


def _upload_in_a_process(options: dict, tv_id: int, picture: bytes, results) -> None:
    import django

    django.setup()
    from docentsite.artwork import tvlock
    from docentsite.artwork.models import TV

    frame = FrameTV(**options)
    try:
        with tvlock.holding(TV.objects.get(pk=tv_id), wait=20):
            results.put(frame.upload(picture))
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.django_db(transaction=True)
def test_uploads_from_two_processes_under_the_lock_never_overlap(
    fake_tv, tv, frame_tv, make_jpeg, monkeypatch
):
    from tests.workers import database_url

    pictures = [make_jpeg(200, 150, noise=True) for _ in range(2)]
    fake_tv.slow_transfer = len(pictures[0]) * 2
    options = {
        "host": frame_tv.host, "port": frame_tv.port, "token_file": frame_tv.token_file,
        "timeout": frame_tv.timeout,
        "upload_timeout": frame_tv.upload_timeout,
    }
    # The processes share this test's data dir (the lock files) and database.
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "tests.settings")
    monkeypatch.setenv("DATABASE_URL", database_url())
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    workers = [
        spawn.Process(target=_upload_in_a_process, args=(options, tv.pk, p, results))
        for p in pictures
    ]
    for worker in workers:
        worker.start()
    content_ids = [results.get(timeout=25) for _ in workers]
    for worker in workers:
        worker.join(5)

    assert fake_tv.max_concurrent_transfers == 1
    assert sorted(fake_tv.photos[c].data for c in content_ids) == sorted(pictures)


def _try_in_another_thread(tv, wait: float):
    """holding(tv, wait) from another thread (a PostgreSQL session may take its own lock
    again): None once had and let go, else the error."""
    from django.db import connection

    from docentsite.artwork import tvlock

    outcome = []

    def attempt():
        try:
            with tvlock.holding(tv, wait=wait):
                outcome.append(None)
        except Exception as exc:  # noqa: BLE001 - the caller looks at it
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(10)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_a_busy_lock_is_unavailable_after_waiting(tv):
    from docentsite.artwork import tvlock

    with tvlock.holding(tv), Elapsed() as waited:
        busy = _try_in_another_thread(tv, wait=0.2)

    assert isinstance(busy, tvlock.LaneBusy) and isinstance(busy, TVUnavailable)
    assert isinstance(busy, Unavailable) and "still running" in str(busy)
    assert waited.seconds >= 0.2  # it waited as long as it was told
    assert _try_in_another_thread(tv, wait=0) is None  # free again once the holder is done


@pytest.mark.django_db(transaction=True)
def test_each_tv_has_its_own_lock(tv):
    from docentsite.artwork import tvlock, tvs

    den = tvs.tv_create(name="Den", host="192.0.2.2")

    with tvlock.holding(tv):
        assert _try_in_another_thread(den, wait=0) is None
        assert isinstance(_try_in_another_thread(tv, wait=0), tvlock.LaneBusy)


@pytest.mark.django_db(transaction=True)
def test_the_lock_file_lives_in_the_data_dir(tv, settings):
    from django.db import connection

    from docentsite.artwork import tvlock

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL holds an advisory lock instead of a file")
    with tvlock.holding(tv):
        assert (Path(settings.DOCENT_DATA_DIR) / "locks" / f"tv-{tv.pk}.lock").exists()
