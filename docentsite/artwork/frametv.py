"""The only module that talks to the Samsung "The Frame" TV, through samsungtvws.

What samsungtvws 3.0.6 leaves to its caller, and how this module handles it:

- The TV asks its owner once to allow a client, then hands out a token. The token
  is kept in `token_file` and the client name is fixed, so it is asked only once.
  Pairing happens on the remote channel: the art channel never hands out tokens
  (it prompts, then times out), but accepts the remote channel's token.
- samsungtvws uses TLS only on port 8002 and sends the token only over TLS. Our
  rule is plain on 8001 and TLS on every other port; the TV's certificate is
  self-signed and accepted as it is.
- Every connection gets a timeout (the default waits forever) and no 1 s sleep
  after each message (`key_press_delay=0`).
- One `SamsungTVArt` owns one socket: each operation opens its own and closes it.
- Errors come out raw (ConnectionRefusedError, websocket and ssl errors) or as
  library exceptions; all of them become the types of frametv_errors.py, with a
  readable message. So do replies that are not what the protocol promises.
- The art app's error codes say different things: busy, storage full, no
  permission, refused (frametv_errors.py sorts them). Its error events are read
  here, also those without a request id, which samsungtvws would wait out.
- An upload whose confirmation does not come may still have landed: the TV often
  stores the picture anyway. That case is its own error, so callers reconcile.
- A TV that forgot Docent's token (a firmware update, a reset) prompts on the art
  channel, where Allow grants nothing: the token is dropped so that Docent pairs
  again on the remote channel, and the art channel is never opened without one.
- Content ids come from the TV in more than one form (MY_F0041, MY_F0041.jpg):
  every message is read with them in one form, content_id_of().
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import ssl
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import websocket
from filelock import FileLock, Timeout
from samsungtvws import exceptions as tv_errors
from samsungtvws import helper
from samsungtvws.art import SamsungTVArt
from samsungtvws.event import (
    IGNORE_EVENTS_AT_STARTUP,
    MS_CHANNEL_CONNECT_EVENT,
    MS_CHANNEL_READY_EVENT,
    MS_CHANNEL_UNAUTHORIZED,
)
from samsungtvws.remote import SamsungTVWS
from samsungtvws.rest import SamsungTVRest
from urllib3.exceptions import InsecureRequestWarning

from docentsite.artwork.errors import DocentError
from docentsite.artwork.frametv_errors import (
    SYSTEM_FAIL,
    TVAnswered,
    TVAuthDenied,
    TVAuthPending,
    TVBusy,
    TVRejected,
    TVStorageFull,
    TVTokenStale,
    TVUnavailable,
    TVUploadUnconfirmed,
    error_for_code,
)

PLAIN_PORT = 8001
MY_PHOTOS = "MY-C0002"
# What talking to the TV can raise: OSError covers refused connections, time-outs,
# ssl and requests errors; KeyError, TypeError, ValueError and AttributeError are
# replies that lack what samsungtvws expects (a number where it wants an object).
_TV_ERRORS = (
    OSError, websocket.WebSocketException, tv_errors.ConnectionFailure,
    tv_errors.ResponseError, tv_errors.HttpApiError, tv_errors.MessageError,
    KeyError, TypeError, ValueError, AttributeError,
)
_NOT_PAIRED = "Docent is not paired with the TV yet: pair it, then press Allow on the TV."
# Some firmware names pictures `MY_F0041.jpg` where others say MY_F0041.
_FILE_SUFFIX = re.compile(r"\.(jpe?g|png)$", re.IGNORECASE)

# The TV's errors live in frametv_errors.py; callers find them here too.
__all__ = [
    "SYSTEM_FAIL", "FrameTV", "TVAnswered", "TVAuthDenied", "TVAuthPending", "TVBusy",
    "TVRejected", "TVStatus", "TVStorageFull", "TVTokenStale", "TVUnavailable",
    "TVUploadUnconfirmed", "content_id_of", "from_settings",
]


def content_id_of(raw: str) -> str:
    """A content id in the one form Docent compares and stores: MY_F0041."""
    return _FILE_SUFFIX.sub("", raw.strip())


@dataclass(frozen=True)
class TVStatus:
    reachable: bool
    art_mode_supported: bool
    art_mode: bool | None
    api_version: str | None
    model: str | None
    name: str | None
    photo_count: int | None
    paired: bool  # the art channel accepted Docent
    error: str | None


class _PromptOpen(tv_errors.ConnectionFailure):
    """The TV took the WebSocket but sent nothing: it does so while its allow prompt is open."""


class _ArtError(tv_errors.ResponseError):
    """The art app's error event answering our request. A ResponseError, as samsungtvws'
    own, so its fallbacks (api_version -> get_api_version) still work."""

    def __init__(self, code: object, request: str) -> None:
        super().__init__(f"`{request}` request failed with error number {code}")
        self.code, self.request = code, request


class _Unreadable(ValueError):
    """An art app message that is not the JSON object the protocol promises."""


class _PortRule:
    """Plain WebSocket and HTTP only on 8001, TLS on any other port.

    samsungtvws decides from `port == 8002` alone, which would make a TV (or a test
    server) on any other port plain, and tokenless.
    """

    port: int

    def _is_ssl_connection(self) -> bool:
        return self.port != PLAIN_PORT


class _Channel(_PortRule):
    """What samsungtvws' WebSocket connections lack: a socket closed when the TV
    turns the handshake down (the library leaves it open on ms.channel.timeOut,
    unauthorized or a time-out), and a short wait for the TV's close frame."""

    endpoint: str
    timeout: float | None
    connection: websocket.WebSocket | None

    def _handshake(self) -> websocket.WebSocket:
        """SamsungTVWSConnection.open(), same frames and same errors."""
        connection = websocket.create_connection(
            self._format_websocket_url(self.endpoint), self.timeout,
            sslopt={"cert_reqs": ssl.CERT_NONE} if self._is_ssl_connection() else {},
            connection="Connection: Upgrade",
        )
        try:
            event, response = None, {}
            while event is None or event in IGNORE_EVENTS_AT_STARTUP:
                try:
                    frame = connection.recv()
                except websocket.WebSocketTimeoutException as exc:
                    raise _PromptOpen(str(exc)) from exc
                response = helper.process_api_response(frame)
                event = response.get("event", "*")
                self._websocket_event(event, response)
            if event == MS_CHANNEL_UNAUTHORIZED:
                raise tv_errors.UnauthorizedError(response)
            if event != MS_CHANNEL_CONNECT_EVENT:
                raise tv_errors.ConnectionFailure(response)
        except BaseException:
            connection.close(timeout=1)
            raise
        self._check_for_token(response)
        self.connection = connection
        return connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close(timeout=1)  # a TV gone silent must not hold us 3 s more
        self.connection = None


class _Rest(_PortRule, SamsungTVRest):
    pass


class _Remote(_Channel, SamsungTVWS):
    def open(self) -> websocket.WebSocket:
        return self.connection or self._handshake()


class _Art(_Channel, SamsungTVArt):
    """An art channel socket that keeps one deadline per request and notes how far
    an upload got."""

    def __init__(self, *, upload_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.upload_timeout = upload_timeout
        self.waiting_for = "the art app to get ready"
        self.budget = self.timeout
        self.send_image_sent = False
        self.request = ""  # the art request waiting for its answer
        self._our_uuids: set[str] = set()
        self._deadline: float | None = None

    def open(self) -> websocket.WebSocket:
        """SamsungTVArt.open(): the handshake, then wait for ms.channel.ready."""
        if self.connection is None:
            self._handshake()
            event, frame = self._recv_frame()
            if event != MS_CHANNEL_READY_EVENT:
                self.close()
                raise tv_errors.ConnectionFailure(frame)
        return self.connection

    def _send_art_request(self, request_data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        self.request = str(request_data.get("request"))
        self.waiting_for = f"`{self.request}`"
        self.budget = self.timeout
        self._deadline = time.monotonic() + self.timeout
        if self.request == "send_image":
            self.send_image_sent = True
        return super()._send_art_request(request_data, *args, **kwargs)

    def _new_request_uuid(self) -> str:
        # Every request id is made here, so an error event can be told ours or not.
        uuid = super()._new_request_uuid()
        self._our_uuids.add(uuid)
        return uuid

    def _decode_d2d_payload(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        """The art app's message, content ids in one form; an error event answering
        our request raises _ArtError.

        samsungtvws skips an error event that carries no request id (some sets send
        `{"event": "error", "error_code": "-10"}` and nothing else) and waits out its
        time-out; and it fails on a message that is JSON but not an object.
        """
        data = frame.get("data")
        if not isinstance(data, str):
            return None
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise _Unreadable(data[:80]) from exc
        if not isinstance(payload, dict):
            raise _Unreadable(data[:80])
        if payload.get("event") == "error":
            answers = payload.get("request_id", payload.get("id"))
            if answers is not None and answers not in self._our_uuids:
                return None  # a late answer to another client, broadcast to all
            raise _ArtError(payload.get("error_code"), self.request)
        return _with_content_ids_of(payload)

    def _open_d2d_socket(self, conn_info: dict[str, Any]) -> Any:
        # The transfer and the wait for image_added share one budget, upload_timeout.
        self.waiting_for = "the picture's transfer"
        self.budget = self.upload_timeout
        self._deadline = time.monotonic() + self.upload_timeout
        timeout, self.timeout = self.timeout, self.upload_timeout
        try:
            return super()._open_d2d_socket(conn_info)
        finally:
            self.timeout = timeout

    def _wait_for_d2d(self, *, request_uuid: str | None, wait_for_sub_event: str | None) -> Any:
        if wait_for_sub_event == "image_added":
            self.waiting_for = "the upload's confirmation (image_added)"
        return super()._wait_for_d2d(
            request_uuid=request_uuid, wait_for_sub_event=wait_for_sub_event
        )

    def _recv_frame(self) -> tuple[str, dict[str, Any]]:
        # A deadline per request, not per frame: other clients' events must not
        # keep a request waiting forever.
        if self._deadline is not None and self.connection is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise tv_errors.ConnectionFailure("Websocket Time out: deadline passed")
            self.connection.settimeout(remaining)
        return super()._recv_frame()


def _with_content_ids_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The message with every content id it names in the form of content_id_of()."""
    if isinstance(payload.get("content_id"), str):
        payload["content_id"] = content_id_of(payload["content_id"])
    for key in ("content_list", "content_id_list"):  # JSON strings of objects
        listed = payload.get(key)
        try:
            entries = json.loads(listed) if isinstance(listed, str) else listed
        except ValueError:
            continue  # left for the reader to find unreadable
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("content_id"), str):
                entry["content_id"] = content_id_of(entry["content_id"])
        payload[key] = json.dumps(entries) if isinstance(listed, str) else entries
    return payload


class FrameTV:
    """One Frame TV. Each method opens its own connection and closes it."""

    def __init__(
        self, *, host: str, port: int = 8002, token_file: Path, name: str = "Docent",
        timeout: float = 10, upload_timeout: float = 120, lock_file: Path,
        matte: str = "none", lock_wait: float | None = None,
    ) -> None:
        if timeout <= 0 or upload_timeout <= 0:
            raise ValueError("TV time-outs must be positive: a silent TV would block forever")
        self.host, self.port, self.name = host, port, name
        self.token_file, self.lock_file = Path(token_file), Path(lock_file)
        self.timeout, self.upload_timeout = timeout, upload_timeout
        self.matte = matte or "none"
        self.lock_wait = upload_timeout + 60 if lock_wait is None else lock_wait

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls(self) -> bool:
        return self.port != PLAIN_PORT

    # -- REST ----------------------------------------------------------------------
    def device_info(self) -> dict:
        """The TV's `GET /api/v2/` answer."""
        # The TV's certificate is self-signed; trusting it is deliberate, for this host only.
        warnings.filterwarnings(
            "ignore", f"Unverified HTTPS request is being made to host '{re.escape(self.host)}'",
            InsecureRequestWarning,
        )
        try:
            info = _Rest(self.host, self.port, self.timeout).rest_device_info()
        except _TV_ERRORS as exc:
            raise self._translate(exc) from exc
        if not isinstance(info, dict):
            raise TVUnavailable(f"The TV at {self.address} sent unexpected device info")
        return info

    def status(self) -> TVStatus:
        """What the TV is and how it is doing; never raises, fills `error` instead."""
        found: dict[str, Any] = {
            "reachable": False, "art_mode_supported": False, "art_mode": None,
            "api_version": None, "model": None, "name": None, "photo_count": None,
            "paired": False, "error": None,
        }
        try:
            device = self.device_info().get("device")
            device = device if isinstance(device, dict) else {}
            found.update(
                reachable=True, model=device.get("modelName") or device.get("model"),
                name=device.get("name"),
                art_mode_supported=str(device.get("FrameTVSupport")).lower() == "true",
            )
            if not found["art_mode_supported"]:
                found["error"] = "The TV does not report Art Mode support (not a Frame?)"
                return TVStatus(**found)
            if not self.has_token():
                found["error"] = _NOT_PAIRED
                return TVStatus(**found)
            with self._art() as art:
                found["paired"] = True
                found["api_version"] = art.get_api_version()
                found["art_mode"] = _art_mode_of(art)
                found["photo_count"] = len(_my_photos(art))
        except DocentError as exc:
            found["error"] = str(exc)
        return TVStatus(**found)

    # -- pairing -------------------------------------------------------------------
    def has_token(self) -> bool:
        """Whether Docent holds the TV's permission (a plain port needs none)."""
        return not self.tls or self._read_token() is not None

    def pair(self, *, wait: float | None = None) -> str:
        """Ask the TV for a token on the remote channel and keep it in the token file.

        The TV shows a prompt; `wait` (default: timeout) is how long to wait for the
        owner's answer. Already paired: the TV accepts the saved token and returns it.
        """
        remote = _Remote(
            self.host, token=self._read_token(), port=self.port, name=self.name,
            timeout=wait or self.timeout, key_press_delay=0,
        )
        try:
            remote.open()
        except _TV_ERRORS as exc:
            error = self._translate(exc, pairing=True)
            if isinstance(error, TVAuthPending):
                self.token_file.parent.mkdir(parents=True, exist_ok=True)
                self._asked_file.touch()
            raise error from exc
        finally:
            with contextlib.suppress(*_TV_ERRORS):
                remote.close()
        if not self.tls:
            return ""  # a plain connection needs no token
        if not remote.token:
            raise TVUnavailable(f"The TV at {self.address} accepted Docent but sent no token")
        self._save_token(remote.token)
        return remote.token

    def pair_unless_asked(self, *, wait: float) -> None:
        """Pair if Docent holds no token, but show the TV's prompt only once.

        For work that runs by itself (uploads and their retries): after a prompt
        nobody answered, TVAuthPending until a person pairs (status page, pair_tv)
        rather than the prompt again on every retry.
        """
        if self.has_token():
            return
        if self._asked_file.exists():
            raise TVAuthPending(
                f"The TV at {self.address} asked whether to allow Docent and nobody pressed "
                "Allow: pair from Docent's status page (or manage.py pair_tv), then press "
                "Allow on the TV."
            )
        self.pair(wait=wait)

    @property
    def _asked_file(self) -> Path:
        """Present while the TV's prompt has gone unanswered and no token came since."""
        return self.token_file.with_name(f"{self.token_file.name}.asked")

    def _read_token(self) -> str | None:
        try:
            return self.token_file.read_text().strip() or None
        except OSError:
            return None

    def _save_token(self, token: str) -> None:
        if token == self._read_token():
            return
        # Written aside and renamed, so a process reading it never sees it half written.
        self.token_file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.token_file.parent, prefix=".tv-token-")
        with os.fdopen(fd, "w") as handle:
            handle.write(str(token))
        os.replace(temporary, self.token_file)
        self._asked_file.unlink(missing_ok=True)

    def _drop_token(self, token: str) -> None:
        """Forget a token the TV no longer knows, unless a new one replaced it meanwhile."""
        if self._read_token() == token:
            self.token_file.unlink(missing_ok=True)
        # A new loss: the next upload may show the prompt once more.
        self._asked_file.unlink(missing_ok=True)

    # -- art -----------------------------------------------------------------------
    def photos(self) -> list[dict]:
        """The pictures in My Photos (category MY-C0002), each with its content_id."""
        with self._art() as art:
            return _my_photos(art)

    def photo_ids(self) -> set[str]:
        return {p["content_id"] for p in self.photos()}

    def upload(self, jpeg: bytes) -> str:
        """Send a JPEG; the content id the TV gave it once it confirmed (image_added).

        Hold `upload_lock()` around it. TVUploadUnconfirmed means the bytes may have
        landed: compare `photo_ids()` with the ids from before trying again.
        """
        with self._art() as art:
            content_id = art.upload(
                jpeg, matte=self.matte, portrait_matte=self.matte, file_type="jpg"
            )
        if not isinstance(content_id, str) or not content_id:
            raise TVUploadUnconfirmed("The TV confirmed the upload without a content id")
        return content_id

    def delete(self, content_id: str) -> bool:
        """Whether the TV deleted it (False: it did not have it)."""
        with self._art() as art:
            return bool(art.delete(content_id))

    def mattes(self) -> list[str]:
        """The matte ids the TV offers: `none` and every `<type>_<colour>`."""
        with self._art() as art:
            found = art.get_matte_list()
            types = [t.get("matte_type") for t in found.get("matte_types", [])]
            colours = [c.get("color") for c in found.get("matte_colors", [])]
        ids = ["none"] if "none" in types else []
        return ids + [f"{t}_{c}" for t in types if t and t != "none" for c in colours if c]

    def change_matte(self, content_id: str, matte_id: str) -> None:
        """Frame a picture with another matte, in landscape and portrait alike.

        TVRejected (error -7) when the TV does not have the picture or will not put
        that matte around it: not every matte fits every picture.
        """
        with self._art() as art:
            art.change_matte(content_id, matte_id, portrait_matte=matte_id)

    def art_mode(self) -> bool | None:
        """True when the TV shows art, False when not, None when it says something else."""
        with self._art() as art:
            return _art_mode_of(art)

    def show(self, content_id: str) -> bool:
        """Show a picture, only if the TV is in Art Mode (never wakes it); whether it did."""
        with self._art() as art:
            if _art_mode_of(art) is not True:
                return False
            art.select_image(content_id, category=MY_PHOTOS)
        return True

    # -- the lock ------------------------------------------------------------------
    @contextlib.contextmanager
    def upload_lock(self) -> Iterator[None]:
        """Hold while uploading to or deleting from this TV.

        The TV handles one transfer at a time and samsungtvws takes any image_added
        as its own, so uploads to one TV must never overlap - across threads, web
        and worker processes alike. Those share DOCENT_DATA_DIR (the SQLite database
        and the prepared JPEGs live there), so a file lock in it reaches them all.
        """
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lock_file, timeout=self.lock_wait)
        try:
            lock.acquire()
        except Timeout as exc:
            raise TVUnavailable("another upload to the TV is still running") from exc
        try:
            yield
        finally:
            lock.release()

    # -- connections and errors ----------------------------------------------------
    @contextlib.contextmanager
    def _art(self) -> Iterator[_Art]:
        token = self._read_token()
        if self.tls and token is None:
            # The art channel would only put its prompt on the screen, and Allow
            # there grants nothing: pairing is for the remote channel.
            raise TVAuthPending(_NOT_PAIRED)
        art = _Art(
            host=self.host, port=self.port, token=token, name=self.name,
            timeout=self.timeout, key_press_delay=0, upload_timeout=self.upload_timeout,
        )
        try:
            try:
                art.open()
            except _TV_ERRORS as exc:
                raise self._failed(exc, token=token, what=art.waiting_for) from exc
            if art.token and self.tls:
                self._save_token(art.token)  # a TV may hand out a new one
            try:
                yield art
            except _TV_ERRORS as exc:
                error = self._failed(exc, token=token, what=art.waiting_for, seconds=art.budget)
                # An error event is the TV's word on the picture: nothing to reconcile.
                if art.send_image_sent and not isinstance(error, TVAnswered):
                    raise TVUploadUnconfirmed(
                        "The picture may have reached the TV, but the TV did not confirm it: "
                        f"{error} Check the TV's photos before sending it again."
                    ) from exc
                raise error from exc
        finally:
            with contextlib.suppress(*_TV_ERRORS):
                art.close()

    def _failed(self, exc: BaseException, *, token: str | None, **how: Any) -> DocentError:
        """_translate(), and a token the TV no longer knows dropped: pairing mends it."""
        error = self._translate(exc, **how)
        if isinstance(error, TVTokenStale) and token:
            self._drop_token(token)
        return error

    def _translate(
        self, exc: BaseException, *, pairing: bool = False, what: str = "the request",
        seconds: float | None = None,
    ) -> DocentError:
        """Our error, with a message fit for a person, for anything talking to the TV raised."""
        at = f"The TV at {self.address}"
        within = f"within {seconds or self.timeout:g} s"
        detail = exc.args[0] if exc.args else None
        if isinstance(exc, tv_errors.UnauthorizedError):
            return TVAuthDenied(
                f"{at} refused Docent (someone pressed Deny). Allow Docent in the TV's "
                "device connection settings, then pair again."
            )
        prompt_closed = isinstance(detail, dict) and detail.get("event") == "ms.channel.timeOut"
        if prompt_closed or isinstance(exc, _PromptOpen):
            if pairing:
                return TVAuthPending(
                    f"{at} asked on screen whether to allow Docent and nobody answered in "
                    "time: pair again and press Allow on the TV."
                )
            # Docent sent its token (_art() connects with one only) and the art channel,
            # which only prompts and grants nothing, prompted: the TV forgot the token.
            return TVTokenStale(
                f"{at} no longer accepts Docent's token (a TV forgets its devices after a "
                "firmware update or a reset, some after a power cut): pair again and press "
                "Allow on the TV."
            )
        if isinstance(exc, tv_errors.ConnectionFailure):
            if str(detail).startswith("Websocket Time out"):
                return TVUnavailable(f"{at} did not answer {what} {within}.")
            event = detail.get("event") if isinstance(detail, dict) else detail
            return TVUnavailable(f"{at}'s art app is not answering (got {event!r}).")
        if isinstance(exc, _ArtError):
            return error_for_code(exc.code, request=exc.request, at=at, tls=self.tls)
        if isinstance(exc, tv_errors.ResponseError | _Unreadable):
            return TVUnavailable(f"{at} sent a reply Docent cannot read, waiting for {what}.")
        if isinstance(exc, tv_errors.MessageError):
            return TVRejected(f"The TV refused the request: {detail}.")
        if isinstance(exc, tv_errors.HttpApiError | requests.ConnectionError):
            return TVUnavailable(f"{at} does not answer: it is off or not on the network.")
        if isinstance(exc, requests.Timeout | TimeoutError | websocket.WebSocketTimeoutException):
            return TVUnavailable(f"{at} did not answer {within}: it is off or asleep.")
        if isinstance(exc, ConnectionRefusedError):
            return TVUnavailable(f"{at} refused the connection: it is off, or not a Samsung TV.")
        if isinstance(exc, websocket.WebSocketBadStatusException):
            return TVUnavailable(f"{at} turned the connection down (HTTP {exc.status_code}).")
        if isinstance(exc, websocket.WebSocketConnectionClosedException | ConnectionError):
            return TVUnavailable(f"{at} closed the connection while Docent waited for {what}.")
        if isinstance(exc, OSError | websocket.WebSocketException):
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            return TVUnavailable(f"Cannot talk to the TV at {self.address}: {reason}.")
        return TVUnavailable(f"{at} sent an unexpected reply, waiting for {what}.")


def _my_photos(art: SamsungTVArt) -> list[dict]:
    photos = art.available(MY_PHOTOS)
    if not isinstance(photos, list) or not all(
        isinstance(p, dict) and isinstance(p.get("content_id"), str) and p["content_id"]
        for p in photos
    ):
        raise _Unreadable("content_list")
    return photos


def _art_mode_of(art: SamsungTVArt) -> bool | None:
    value = art.get_artmode()
    if isinstance(value, dict):  # 5.x answers `status` instead of `value`
        value = value.get("value", value.get("status"))
    return {"on": True, "off": False}.get(str(value).lower())


def from_settings() -> FrameTV:
    """The TV configured in settings (TV_HOST and friends)."""
    from django.conf import settings

    host = (settings.TV_HOST or "").strip()
    if not host:
        raise TVUnavailable("No TV configured: set TV_HOST in .env")
    lock_name = re.sub(r"[^A-Za-z0-9.-]", "_", host)
    return FrameTV(
        host=host,
        port=settings.TV_PORT,
        token_file=Path(settings.TV_TOKEN_FILE),
        timeout=settings.TV_TIMEOUT,
        upload_timeout=settings.TV_UPLOAD_TIMEOUT,
        lock_file=Path(settings.DOCENT_DATA_DIR) / "locks" / f"tv-{lock_name}.lock",
        matte=settings.TV_MATTE,
    )
