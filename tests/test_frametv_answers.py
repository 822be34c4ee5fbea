"""What FrameTV makes of the TV's error codes, malformed replies, a forgotten token and
content ids in another form: the fake TV through samsungtvws over real sockets."""

import json
import time

import pytest

from docentsite.artwork.errors import NeedsAttention, Rejected
from docentsite.artwork.frametv import (
    TVAuthPending,
    TVBusy,
    TVRejected,
    TVStorageFull,
    TVTokenStale,
    TVUnavailable,
    TVUploadUnconfirmed,
)
from tests.fakes.frametv import ART, REMOTE

pytestmark = pytest.mark.timeout(30)


# -- error codes -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["-3", "-10", "-12", -10, " -10"])
def test_a_busy_tv_is_transient_not_a_refusal(fake_tv, frame_tv, jpeg, code):
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(TVBusy, match="busy") as caught:
        frame_tv.upload(jpeg)

    assert caught.value.transient
    assert caught.value.code == str(code).strip()
    assert fake_tv.photos == {}


@pytest.mark.parametrize("code", ["-11", "-14"])
def test_a_full_tv_needs_a_person_in_words_they_understand(fake_tv, frame_tv, jpeg, code):
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(TVStorageFull) as caught:
        frame_tv.upload(jpeg)

    assert isinstance(caught.value, NeedsAttention)
    assert str(caught.value).startswith(
        "The TV's art storage is full: remove pictures from it, then retry"
    )
    assert code in str(caught.value)


@pytest.mark.parametrize("code, said", [
    ("-7", "error -7 INVALID_PARAMETER"),
    ("-9", "error -9 NOT_SUPPORTED_API"),
    (-6, "error -6 REQUEST_PARSE_FAIL"),
    ("-99", "error -99 (a code Docent does not know)"),
    (None, "error unknown (a code Docent does not know)"),
])
def test_a_refused_picture_is_permanent_with_the_reason(fake_tv, frame_tv, jpeg, code, said):
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(TVRejected) as caught:
        frame_tv.upload(jpeg)

    assert isinstance(caught.value, Rejected) and not caught.value.transient
    assert str(caught.value) == f"The TV refused send_image: {said}."


def test_an_error_without_request_data_or_id_answers_the_request_at_once(
    fake_tv, frame_tv, jpeg
):
    fake_tv.bare_errors = True
    fake_tv.error_codes["send_image"] = "-10"

    started = time.monotonic()
    with pytest.raises(TVBusy, match="turned down send_image"):
        frame_tv.upload(jpeg)

    # samsungtvws alone skips such an event and waits out its time-out.
    assert time.monotonic() - started < frame_tv.timeout / 2


def test_another_clients_error_does_not_fail_an_upload(fake_tv, frame_tv, jpeg):
    fake_tv.stray_error = True

    content_id = frame_tv.upload(jpeg)

    assert fake_tv.photos[content_id].data == jpeg


def test_an_error_on_a_read_is_classified_too(fake_tv, frame_tv):
    fake_tv.error_codes["get_content_list"] = "-3"

    with pytest.raises(TVBusy, match="get_content_list"):
        frame_tv.photos()


@pytest.mark.parametrize("code", ["-2", "-8"])
def test_no_permission_drops_the_token_like_a_stale_one(fake_tv, frame_tv, jpeg, code):
    fake_tv.error_codes["send_image"] = code

    with pytest.raises(TVTokenStale, match="pair again"):
        frame_tv.upload(jpeg)

    assert not frame_tv.has_token()
    assert not frame_tv.token_file.exists()


# -- malformed replies -------------------------------------------------------------


MALFORMED = {
    "a content list of non-objects": ("reply_fields", {"content_list": json.dumps([1, "x"])}),
    "a number where an object was": ("reply_data", "42"),
    "a list where an object was": ("reply_data", '["MY_F0041"]'),
    "garbage inner JSON": ("reply_data", "{content_list: oops"),
    "a garbage frame": ("reply_frame", "<html>Internal error</html>"),
    "a JSON frame that is not an object": ("reply_frame", "[1, 2, 3]"),
    "my photos without a content id": (
        "reply_fields", {"content_list": json.dumps([{"category_id": "MY-C0002"}])}
    ),
}


def _malform(fake_tv, event: str, how: str) -> None:
    fault, value = MALFORMED[how]
    getattr(fake_tv, fault)[event] = value


@pytest.mark.parametrize("how", MALFORMED)
def test_a_malformed_content_list_is_unavailable_with_a_readable_message(
    fake_tv, frame_tv, make_jpeg, how
):
    fake_tv.add_photo(make_jpeg())
    _malform(fake_tv, "get_content_list", how)

    with pytest.raises(TVUnavailable) as caught:
        frame_tv.photos()

    assert str(caught.value).startswith(f"The TV at {frame_tv.address} sent ")
    assert "get_content_list" in str(caught.value)


@pytest.mark.parametrize("how", MALFORMED)
def test_status_with_a_malformed_reply_reports_it_and_does_not_raise(fake_tv, frame_tv, how):
    _malform(fake_tv, "get_content_list", how)

    status = frame_tv.status()

    assert status.reachable and status.paired
    assert status.photo_count is None
    assert "sent a" in status.error and "get_content_list" in status.error


@pytest.mark.parametrize("event, how", [
    ("ready_to_use", "a number where an object was"),
    ("ready_to_use", "a list where an object was"),
    ("image_added", "a number where an object was"),
    ("image_added", "a JSON frame that is not an object"),
])
def test_a_malformed_reply_to_an_upload_is_transient(fake_tv, frame_tv, jpeg, event, how):
    _malform(fake_tv, event, how)

    with pytest.raises(TVUploadUnconfirmed, match="may have reached") as caught:
        frame_tv.upload(jpeg)

    assert caught.value.transient
    assert "object" not in str(caught.value)  # no Python error text


def test_a_malformed_device_info_leaves_status_unreachable_but_readable(fake_tv, frame_tv,
                                                                         monkeypatch):
    monkeypatch.setattr(fake_tv, "device_payload", lambda: [1, 2])

    status = frame_tv.status()

    assert not status.reachable
    assert status.error == f"The TV at {frame_tv.address} sent unexpected device info"


def test_check_tv_with_a_malformed_reply_is_a_failed_check(fake_tv, frame_tv, settings, db):
    from docentsite.health import check_tv

    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    _malform(fake_tv, "get_content_list", "a content list of non-objects")

    check = check_tv()

    assert not check.ok
    assert "sent a" in check.detail and "get_content_list" in check.detail


# The TV check runs in a thread of its own, which writes what it learned of the TV:
# it must see the rows this test made, and not wait for the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_the_status_page_with_a_malformed_reply_shows_it(admin_client, fake_tv, frame_tv,
                                                         settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    _malform(fake_tv, "get_content_list", "a number where an object was")

    response = admin_client.post("/admin/docent/check-now/", follow=True)

    assert response.status_code == 200
    assert "sent a reply Docent cannot read, waiting for `get_content_list`" in (
        response.content.decode().replace("&#x27;", "'")
    )


# -- a TV that forgot Docent --------------------------------------------------------


def test_a_forgotten_token_is_dropped_after_one_prompt_on_the_art_channel(fake_tv, frame_tv):
    fake_tv.revoke_tokens()
    fake_tv.prompt_timeout = 0.3

    with pytest.raises(TVTokenStale, match="no longer accepts Docent's token"):
        frame_tv.photos()
    assert not frame_tv.has_token()

    # Without a token the art channel is not opened at all: no prompt per call.
    for _ in range(3):
        with pytest.raises(TVAuthPending, match="not paired"):
            frame_tv.photos()
    assert fake_tv.prompts == [REMOTE, ART]  # the fixture's pairing, then the stale token
    assert frame_tv.status().error.startswith("Docent is not paired")


def test_pairing_after_a_forgotten_token_works_on_the_remote_channel(fake_tv, frame_tv, jpeg):
    fake_tv.revoke_tokens()
    fake_tv.prompt_timeout = 0.3
    with pytest.raises(TVTokenStale):
        frame_tv.photos()

    token = frame_tv.pair()

    assert fake_tv.tokens == [token] and frame_tv.token_file.read_text() == token
    assert frame_tv.upload(jpeg) in fake_tv.photos


def test_unanswered_pairing_is_asked_once_by_pair_unless_asked(fake_tv, make_frame_tv):
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 0.3
    tv = make_frame_tv()

    with pytest.raises(TVAuthPending, match="nobody answered"):
        tv.pair_unless_asked(wait=5)
    for _ in range(3):
        with pytest.raises(TVAuthPending, match="status page"):
            tv.pair_unless_asked(wait=5)

    assert fake_tv.prompts == [REMOTE]
    fake_tv.pairing = "allow"
    tv.pair()  # a person pairs from the status page
    tv.pair_unless_asked(wait=5)
    assert fake_tv.prompts == [REMOTE, REMOTE] and tv.has_token()


# -- content ids in one form ---------------------------------------------------------


def test_content_ids_the_tv_lists_with_an_extension_are_compared_without(
    fake_tv, frame_tv, jpeg
):
    fake_tv.listed_id_suffix = ".jpg"

    content_id = frame_tv.upload(jpeg)

    assert content_id == "MY_F0041"
    assert frame_tv.photo_ids() == {"MY_F0041"}
    assert frame_tv.delete(content_id) is True
    assert fake_tv.photos == {}
