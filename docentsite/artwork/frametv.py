"""The only module that talks to the Samsung "The Frame" TV, through samsungtvws
(whose connections, mended, are in frametv_channels.py).

What samsungtvws 3.0.6 leaves to its caller, and how these modules handle it:

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
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import websocket
from samsungtvws import exceptions as tv_errors
from samsungtvws.art import SamsungTVArt
from urllib3.exceptions import InsecureRequestWarning

from docentsite.artwork.errors import DocentError
from docentsite.artwork.frametv_channels import (
    PLAIN_PORT,
    Art,
    ArtError,
    PromptOpen,
    Remote,
    Rest,
    Unreadable,
    content_id_of,
)
from docentsite.artwork.frametv_errors import (
    SYSTEM_FAIL,
    TVAnswered,
    TVAuthDenied,
    TVAuthPending,
    TVBusy,
    TVNotSupported,
    TVRejected,
    TVStorageFull,
    TVTokenStale,
    TVUnavailable,
    TVUploadUnconfirmed,
    error_for_code,
)

MY_PHOTOS = "MY-C0002"
#: The TV's Favourites: a starred picture of My Photos is listed again under it.
FAVOURITES = "MY-C0004"
# What talking to the TV can raise: OSError covers refused connections, time-outs,
# ssl and requests errors; KeyError, TypeError, ValueError and AttributeError are
# replies that lack what samsungtvws expects (a number where it wants an object).
_TV_ERRORS = (
    OSError, websocket.WebSocketException, tv_errors.ConnectionFailure,
    tv_errors.ResponseError, tv_errors.HttpApiError, tv_errors.MessageError,
    KeyError, TypeError, ValueError, AttributeError,
)
_NOT_PAIRED = "Docent is not paired with the TV yet: pair it, then press Allow on the TV."

# The TV's errors live in frametv_errors.py; callers find them here too.
__all__ = [
    "SYSTEM_FAIL", "FrameTV", "TVAnswered", "TVAuthDenied", "TVAuthPending", "TVBusy",
    "TVNotSupported", "TVRejected", "TVStatus", "TVStorageFull", "TVTokenStale", "TVUnavailable",
    "TVUploadUnconfirmed", "content_id_of",
]


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
    #: The pictures in My Photos (content ids as Docent stores them), and when the TV was
    #: asked for them (time.time(), before asking): a picture that landed later is not in it.
    content_ids: frozenset[str] | None = None
    listed_at: float | None = None
    #: The picture the TV shows (or would show in Art Mode): its content id, None unknown.
    showing: str | None = None
    #: The TV's own slideshow: {"mode": "off"|"shuffle"|"in order", "minutes": int|None,
    #: "category_id": "MY-C0002"...}; None when the TV did not say.
    slideshow: dict | None = None
    #: The pictures of My Photos in the TV's Favourites, from the same list.
    favourite_ids: frozenset[str] | None = None
    #: The matte ids the TV offers (mattes()); None when it would not say.
    mattes: list[str] | None = None


class FrameTV:
    """One Frame TV. Each method opens its own connection and closes it."""

    def __init__(
        self, *, host: str, port: int = 8002, token_file: Path, name: str = "Docent",
        timeout: float = 10, upload_timeout: float = 120,
        matte: str = "none", lock_wait: float | None = None,
    ) -> None:
        if timeout <= 0 or upload_timeout <= 0:
            raise ValueError("TV time-outs must be positive: a silent TV would block forever")
        self.host, self.port, self.name = host, port, name
        self.token_file = Path(token_file)
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
            info = Rest(self.host, self.port, self.timeout).rest_device_info()
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
                found["listed_at"] = time.time()
                everything = art.available()
                listed = frozenset(content_id_of(p["content_id"])
                                   for p in _checked(everything, MY_PHOTOS))
                found["photo_count"], found["content_ids"] = len(listed), listed
                found["favourite_ids"] = listed & frozenset(
                    content_id_of(p["content_id"]) for p in _checked(everything, FAVOURITES))
                found["showing"] = _asked(_showing_of, art)
                found["slideshow"] = _asked(_slideshow_of, art, found["api_version"])
                found["mattes"] = _asked(_mattes_of, art)
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
        remote = Remote(
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

    def upload(self, jpeg: bytes, *, matte: str | None = None) -> str:
        """Send a JPEG framed with `matte` (default: the TV's); the content id the TV
        gave it once it confirmed (image_added).

        Hold the TV's transfer lock (tvlock.py) around it. TVUploadUnconfirmed means
        the bytes may have landed: compare `photo_ids()` with the ids from before
        trying again.
        """
        matte = matte or self.matte
        with self._art() as art:
            content_id = art.upload(jpeg, matte=matte, portrait_matte=matte, file_type="jpg")
        if not isinstance(content_id, str) or not content_id:
            raise TVUploadUnconfirmed("The TV confirmed the upload without a content id")
        return content_id

    def delete(self, content_id: str) -> bool:
        """Whether the TV deleted it (False: it did not have it)."""
        with self._art() as art:
            return bool(art.delete(content_id))

    def delete_many(self, content_ids: list[str]) -> set[str]:
        """Delete these pictures in one request; those of them the TV no longer lists
        afterwards (asked on the same connection). Hold the TV's transfer lock around it."""
        with self._art() as art:
            art.delete_list(list(content_ids))
            return set(content_ids) - {content_id_of(p["content_id"]) for p in _my_photos(art)}

    def set_favourite(self, content_id: str, favourite: bool) -> None:
        """Star or unstar a picture in the TV's own Favourites (MY-C0004).

        TVNotSupported when the firmware does not know the request (older sets);
        TVRejected when the TV does not have the picture."""
        with self._art() as art:
            art.set_favourite(content_id, "on" if favourite else "off")

    def mattes(self) -> list[str]:
        """The matte ids the TV offers: `none` and every `<type>_<colour>`."""
        with self._art() as art:
            return _mattes_of(art)

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

    def showing(self) -> str | None:
        """The content id of the picture the TV shows (or would, in Art Mode)."""
        with self._art() as art:
            return _showing_of(art)

    def show(self, content_id: str) -> bool:
        """Show a picture, only if the TV is in Art Mode (never wakes it); whether it did."""
        with self._art() as art:
            if _art_mode_of(art) is not True:
                return False
            art.select_image(content_id, category=MY_PHOTOS)
        return True

    def set_slideshow(self, *, minutes: int | None, shuffle: bool, category_id: str) -> None:
        """Set the TV's own slideshow: a picture every `minutes` (None: off), shuffled or
        in order, from a category. TVRejected when the TV refuses the values (2025 sets
        take only the intervals their menu offers)."""
        with self._art() as art:
            old = str(art.get_api_version()).startswith(_OLD_API)
            setting = art.set_auto_rotation_status if old else art.set_slideshow_status
            setting(duration=minutes or 0, type=shuffle, category_id=category_id)

    # -- connections and errors ----------------------------------------------------
    @contextlib.contextmanager
    def _art(self) -> Iterator[Art]:
        token = self._read_token()
        if self.tls and token is None:
            # The art channel would only put its prompt on the screen, and Allow
            # there grants nothing: pairing is for the remote channel.
            raise TVAuthPending(_NOT_PAIRED)
        art = Art(
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
        if prompt_closed or isinstance(exc, PromptOpen):
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
        if isinstance(exc, ArtError):
            return error_for_code(exc.code, request=exc.request, at=at, tls=self.tls)
        if isinstance(exc, tv_errors.ResponseError | Unreadable):
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
    return _checked(art.available(MY_PHOTOS), MY_PHOTOS)


def _checked(listed: Any, category: str) -> list[dict]:
    """The list's entries in `category`, each with a content id, or Unreadable."""
    if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
        raise Unreadable("content_list")
    photos = [p for p in listed if p.get("category_id") == category]
    if not all(isinstance(p.get("content_id"), str) and p["content_id"] for p in photos):
        raise Unreadable("content_list")
    return photos


def _asked(question, art: SamsungTVArt, *args: Any) -> Any:
    """What the TV told of itself beyond what Docent needs: None when it would not say
    (an older set, a request it does not know), which leaves the rest of its status."""
    try:
        return question(art, *args)
    except _TV_ERRORS:
        return None


def _mattes_of(art: SamsungTVArt) -> list[str]:
    found = art.get_matte_list()
    types = [t.get("matte_type") for t in found.get("matte_types", [])]
    colours = [c.get("color") for c in found.get("matte_colors", [])]
    ids = ["none"] if "none" in types else []
    return ids + [f"{t}_{c}" for t in types if t and t != "none" for c in colours if c]


def _showing_of(art: SamsungTVArt) -> str | None:
    current = art.get_current()
    content_id = current.get("content_id") if isinstance(current, dict) else None
    return content_id_of(content_id) if isinstance(content_id, str) and content_id else None


#: Art API versions of sets from 2021 and before: their slideshow is "auto rotation".
_OLD_API = ("0.", "1.", "2.")


def _slideshow_of(art: SamsungTVArt, api_version: str | None) -> dict | None:
    old = str(api_version or "").startswith(_OLD_API)
    found = art.get_auto_rotation_status() if old else art.get_slideshow_status()
    if not isinstance(found, dict):
        return None
    value = str(found.get("value", "")).strip().lower()
    minutes = int(value) if value.isdigit() and int(value) > 0 else None
    mode = ("off" if minutes is None
            else "shuffle" if found.get("type") == "shuffleslideshow" else "in order")
    category = found.get("category_id")
    return {"mode": mode, "minutes": minutes,
            "category_id": category if isinstance(category, str) else None}


def _art_mode_of(art: SamsungTVArt) -> bool | None:
    value = art.get_artmode()
    if isinstance(value, dict):  # 5.x answers `status` instead of `value`
        value = value.get("value", value.get("status"))
    return {"on": True, "off": False}.get(str(value).lower())
