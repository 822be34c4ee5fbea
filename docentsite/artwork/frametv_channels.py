"""samsungtvws' connections to a Frame TV, mended where Docent needs them to be:
the port rule, handshakes that close their socket, one deadline per request, the art
app's error events and malformed messages read here, content ids in one form.

Only frametv.py uses these; it turns their errors into Docent's.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from typing import Any

import websocket
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

PLAIN_PORT = 8001
# Some firmware names pictures `MY_F0041.jpg` where others say MY_F0041.
_FILE_SUFFIX = re.compile(r"\.(jpe?g|png)$", re.IGNORECASE)


def content_id_of(raw: str) -> str:
    """A content id in the one form Docent compares and stores: MY_F0041."""
    return _FILE_SUFFIX.sub("", raw.strip())


class PromptOpen(tv_errors.ConnectionFailure):
    """The TV took the WebSocket but sent nothing: it does so while its allow prompt is open."""


class ArtError(tv_errors.ResponseError):
    """The art app's error event answering our request. A ResponseError, as samsungtvws'
    own, so its fallbacks (api_version -> get_api_version) still work."""

    def __init__(self, code: object, request: str) -> None:
        super().__init__(f"`{request}` request failed with error number {code}")
        self.code, self.request = code, request


class Unreadable(ValueError):
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
                    raise PromptOpen(str(exc)) from exc
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


class Rest(_PortRule, SamsungTVRest):
    pass


class Remote(_Channel, SamsungTVWS):
    def open(self) -> websocket.WebSocket:
        return self.connection or self._handshake()


class Art(_Channel, SamsungTVArt):
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
        our request raises ArtError.

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
            raise Unreadable(data[:80]) from exc
        if not isinstance(payload, dict):
            raise Unreadable(data[:80])
        if payload.get("event") == "error":
            answers = payload.get("request_id", payload.get("id"))
            if answers is not None and answers not in self._our_uuids:
                return None  # a late answer to another client, broadcast to all
            raise ArtError(payload.get("error_code"), self.request)
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
