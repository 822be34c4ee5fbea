"""The art app of the fake Frame TV: its requests, its photos and the D2D upload socket.

Behaviour follows the Frame TV protocol notes (frame-tv-protocol.md, sections 4 to 8)
for a 2022-2024 set on Art API 4.3.4.0. `FakeFrameTV` (frametv.py) inherits this and
supplies the WebSocket side: `_send`, `_art_clients` and `host_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
import string
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

MY_PHOTOS = "MY-C0002"
API_VERSION = "4.3.4.0"
API_VERSION_2025 = "5.0.1.0"
# A Frame puts a matte only around a picture of exactly its panel's size (docs/mattes.md).
PANEL = (3840, 2160)
# Mattes a real set takes with a picture, then fails to show it with ("Unexpected
# error 40000"): xchwarze/samsung-tv-ws-api#133, TheFab21/ha-samsungtv-smart#243.
MATTES_THAT_FAIL = {"modernthin_black", "modern_apricot"}
MATTE_TYPES = [
    "none", "modernthin", "modern", "modernwide", "flexible",
    "panoramic", "triptych", "mix", "squares", "shadowbox",
]
MATTE_COLORS = [
    "antique", "black", "burgandy", "navy", "neutral", "polar", "sage", "sand", "seafoam",
    "warm", "apricot", "byzantine", "lavender", "redorange", "skyblue", "turquoise",
]
# Art the TV ships with, in categories other than My Photos.
DEFAULT_ART = [
    ("SAM-F0206", "MY-C0001", 3840, 2160),
    ("SAM-S2701", "MY-C0004", 3840, 2160),
    ("SAM-S4632", "MY-C0008", 2160, 3840),
]
FAVOURITES = "MY-C0004"
# The slideshow intervals a Frame's menu offers, in minutes; 2025 sets refuse others.
SLIDESHOW_MINUTES = ("3", "15", "60", "720", "1440", "10080")


@dataclass
class FakePhoto:
    """One picture in My Photos, as the fake TV stored it."""

    data: bytes
    width: int
    height: int
    matte_id: str = "none"
    portrait_matte_id: str = "none"
    image_date: str = ""
    file_type: str = "jpg"
    # Taken with a matte that makes the set fail to show it (error 40000 on screen).
    fails_to_show: bool = False


@dataclass
class _Upload:
    """A send_image the TV said yes to: what it expects on the D2D socket."""

    client: Any
    request_id: str
    size: int
    key: str
    file_type: str
    matte_id: str
    portrait_matte_id: str
    image_date: str
    listener: asyncio.Server | None = None
    accepted: bool = False


@dataclass
class _ArtState:
    photos: dict[str, FakePhoto] = field(default_factory=dict)
    # My Photos pictures the owner (or a client) starred: listed again under Favourites.
    favourites: set[str] = field(default_factory=set)
    current: str = DEFAULT_ART[0][0]
    next_number: int = 41


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG IHDR or a JPEG SOF marker; (0, 0) if neither is found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] != b"\xff\xd8":
        return 0, 0
    i = 2
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return 0, 0


def shape_of(width: int, height: int) -> str:
    return "portrait" if height > width else "square" if height == width else "landscape"


def _valid_matte(matte_id: Any) -> bool:
    if matte_id == "none":
        return True
    kind, _, colour = str(matte_id).partition("_")
    return kind in MATTE_TYPES[1:] and colour in MATTE_COLORS


class FakeArtApp:
    """State, faults and request handlers of `com.samsung.art-app`."""

    host_id: str
    host: str
    _d2d_ssl: ssl.SSLContext

    def __init__(self) -> None:
        self._art = _ArtState()
        # Faults and settings; switch them at any time.
        self.art_mode = True
        # The TV's own slideshow, as get_slideshow_status answers it.
        self.slideshow = {"value": "off", "category_id": MY_PHOTOS, "type": "slideshow"}
        self.no_answer = False
        self.error_on_send_image: bool | str = False  # True means "-1"; or give a code
        # Request name -> the error_code the art app answers it with: a string as real
        # sets send, or an int.
        self.error_codes: dict[str, str | int] = {}
        # Error events without request_data or request_id, as one client's recorded set
        # answers (frame-tv-protocol.md section 7).
        self.bare_errors = False
        # Malformed replies, keyed by the inner event (the request name on 2022+ sets;
        # also ready_to_use, image_added): fields that replace the reply's own, the text
        # sent as the d2d_service_message's data, or the text sent as the whole frame.
        self.reply_fields: dict[str, dict[str, Any]] = {}
        self.reply_data: dict[str, str] = {}
        self.reply_frame: dict[str, str] = {}
        # Some firmware lists pictures as `MY_F0041.jpg` while image_added says MY_F0041;
        # requests are understood with or without it.
        self.listed_id_suffix = ""
        # Another client's late error event, broadcast just before an upload's image_added.
        self.stray_error = False
        # Content ids delete_image_list leaves in place (its answer lists only what went).
        self.undeletable: set[str] = set()
        # Request name -> how many of them the art app answers before it falls silent,
        # as a TV dozing off in the middle of a batch.
        self.silent_after: dict[str, int] = {}
        self.close_mid_transfer = False
        self.lose_confirmation = False
        # Bytes per second the TV reads from its D2D sockets, all of them together: two
        # transfers at once share it, so nothing can beat size / slow_transfer.
        self.slow_transfer: int | None = None
        self.d2d_secured = False
        self.max_upload_bytes = 16_000_000  # a 16.1 MB PNG was refused with -1
        # Requests this firmware does not know: answered -9 (NOT_SUPPORTED_API), as any
        # request it has no handler for (2021-and-older sets lack change_favorite).
        self.unknown_requests: set[str] = set()
        # Pictures My Photos holds before send_image answers -11 (INSUFFICIENT_SPACE).
        self.capacity: int | None = None
        self.d2d_accept_timeout = 30.0
        # Matte behaviour of real sets: a matte only around a panel-sized picture (else
        # -7, "This image doesn't support Matte"); (matte, shape) pairs this set refuses
        # with -7; and 2025 firmware (Art API 5), which takes a matte only with the
        # upload and answers change_matte -9.
        self.mattes_need_panel_size = True
        self.refused_mattes: set[tuple[str, str]] = set()
        self.firmware_2025 = False
        # What the art app received.
        self.requests: list[str] = []
        self.select_calls: list[dict[str, Any]] = []
        self.uploads_started = 0
        self.transfers_active = 0
        self.max_concurrent_transfers = 0
        # Picture bytes read from D2D sockets (finished transfers or not), and the
        # time.time() of the first and the last of them.
        self.bytes_received = 0
        self.first_byte_at: float | None = None
        self.last_byte_at: float | None = None
        self._paced_until = 0.0
        self._d2d_listeners: set[asyncio.Server] = set()
        self._d2d_writers: set[asyncio.StreamWriter] = set()

    # -- what tests read and seed ------------------------------------------------
    @property
    def photos(self) -> dict[str, FakePhoto]:
        return self._art.photos

    @property
    def favourites(self) -> set[str]:
        """The content ids of My Photos pictures in Favourites (MY-C0004)."""
        return self._art.favourites

    @property
    def showing(self) -> str:
        """The content id of the picture the TV shows (or would, in Art Mode)."""
        return self._art.current

    def add_photo(self, data: bytes, *, matte_id: str = "none") -> str:
        """Put a picture in My Photos without the protocol, as if uploaded long ago."""
        return self._store(data, matte_id=matte_id, portrait_matte_id=matte_id)

    def _store(self, data: bytes, **details: Any) -> str:
        content_id = f"MY_F{self._art.next_number:04d}"
        self._art.next_number += 1  # never reused, even after a delete
        width, height = image_size(data)
        self._art.photos[content_id] = FakePhoto(bytes(data), width, height, **details)
        return content_id

    def _content_list(self) -> list[dict[str, Any]]:
        entries = [
            {
                "content_id": cid, "category_id": category, "slideshow": "false",
                "matte_id": "none", "portrait_matte_id": "none", "width": w, "height": h,
                "image_date": "2022:03:01 12:00:00", "content_type": "preloaded",
            }
            for cid, category, w, h in DEFAULT_ART
        ]
        entries += [
            {
                "content_id": cid, "category_id": MY_PHOTOS, "slideshow": "false",
                "matte_id": p.matte_id, "portrait_matte_id": p.portrait_matte_id,
                "width": p.width, "height": p.height, "image_date": p.image_date,
                "content_type": "mobile",
            }
            for cid, p in self._art.photos.items()
        ]
        # A starred picture is listed twice: in My Photos and again under Favourites.
        entries += [{**entry, "category_id": FAVOURITES} for entry in entries[len(DEFAULT_ART):]
                    if entry["content_id"] in self._art.favourites]
        for entry in entries[len(DEFAULT_ART):]:
            entry["content_id"] += self.listed_id_suffix
        return entries

    def _own_id(self, content_id: Any) -> Any:
        """A content id as the art app keeps it, from either form a client may send."""
        if self.listed_id_suffix and isinstance(content_id, str):
            return content_id.removesuffix(self.listed_id_suffix)
        return content_id

    # -- the WebSocket side supplies these ------------------------------------------
    async def _send(self, client: Any, message: dict[str, Any] | str) -> None:
        raise NotImplementedError

    def _art_clients(self) -> list[Any]:
        raise NotImplementedError

    # -- envelope ----------------------------------------------------------------
    async def _d2d(self, client: Any | None, body: dict[str, Any]) -> None:
        """Send one art app message; a reply whose requester has gone is broadcast."""
        event = body.get("event")
        body = {**body, **self.reply_fields.get(event, {})}
        frame: dict[str, Any] | str = self.reply_frame.get(event) or {
            "data": self.reply_data.get(event, json.dumps(body, indent=2) + "\n"),
            "event": "d2d_service_message",
            "from": self.host_id,
        }
        if client is not None and client in self._art_clients():
            await self._send(client, frame)
            return
        for other in self._art_clients():
            await self._send(other, frame)

    async def _reply(self, client: Any, request: dict, event: str, **fields: Any) -> None:
        body = {"event": event, "request_id": request.get("request_id", request.get("id"))}
        await self._d2d(client, {**body, "target_client_id": client.id, **fields})

    async def _error(self, client: Any, request: dict, raw: str, code: str | int) -> None:
        if self.bare_errors:
            await self._d2d(client, {"event": "error", "error_code": code})
            return
        await self._d2d(client, {
            "event": "error", "request_id": request.get("request_id", request.get("id")),
            "request_data": raw, "error_code": code, "target_client_id": client.id,
        })

    async def _art_request(self, client: Any, raw: Any) -> None:
        try:
            request = json.loads(raw)
        except (TypeError, ValueError):
            await self._error(client, {}, str(raw), "-6")
            return
        name = request.get("request")
        self.requests.append(name)
        if self.silent_after.get(name) == 0:
            self.no_answer = True
        elif name in self.silent_after:
            self.silent_after[name] -= 1
        if self.no_answer or name == "get_api_version":
            return  # 2022-24 firmware never answers the old get_api_version
        if name in self.error_codes:
            await self._error(client, request, raw, self.error_codes[name])
            return
        known = isinstance(name, str) and name not in self.unknown_requests
        handler = getattr(self, f"_on_{name}", None) if known else None
        if handler is None:
            await self._error(client, request, raw, "-9")
            return
        await handler(client, request, raw)

    # -- requests ----------------------------------------------------------------
    async def _on_api_version(self, client, request, raw):
        version = API_VERSION_2025 if self.firmware_2025 else API_VERSION
        await self._reply(client, request, "api_version", version=version)

    async def _on_get_device_info(self, client, request, raw):
        await self._reply(
            client, request, "get_device_info", current_rotation_status="1",
            support_brightness_sensor="true", support_motion_sensor="false",
            resolution_type="uhd", support_color_tone="true", tv_flash_size="8",
            support_myshelf="true", server_sync_state="done", support_subscription_hub="true",
        )

    async def _on_get_content_list(self, client, request, raw):
        entries = self._content_list()
        if request.get("category_id"):  # `category`, which samsungtvws sends, is ignored
            entries = [e for e in entries if e["category_id"] == request["category_id"]]
        await self._reply(
            client, request, "get_content_list", content_list=json.dumps(entries) + "\n"
        )

    async def _on_get_current_artwork(self, client, request, raw):
        entries = self._content_list()
        # The picture shown was deleted: the TV goes back to its own art.
        entry = next((e for e in entries if self._own_id(e["content_id"]) == self._art.current),
                     entries[0])
        await self._reply(
            client, request, "get_current_artwork", content_id=entry["content_id"],
            matte_id=entry["matte_id"], portrait_matte_id=entry["portrait_matte_id"],
            category_id=entry["category_id"], content_type=entry["content_type"],
        )

    async def _on_select_image(self, client, request, raw):
        content_id = self._own_id(request.get("content_id"))
        self.select_calls.append({
            "content_id": content_id, "category_id": request.get("category_id"),
            "show": request.get("show"),
        })
        entry = next(
            (e for e in self._content_list() if self._own_id(e["content_id"]) == content_id), None
        )
        if entry is None:
            await self._error(client, request, raw, "-7")
            return
        self._art.current = content_id
        shown = "Yes" if self.art_mode and request.get("show", True) else "No"
        details = {
            "content_id": content_id, "category_id": entry["category_id"],
            "sub_category_id": "", "matte_id": entry["matte_id"],
            "portrait_matte_id": entry["portrait_matte_id"],
        }
        await self._reply(client, request, "select_image", is_shown=shown, **details)
        await self._d2d(None, {"event": "image_selected", "is_shown": shown, **details})

    async def _on_delete_image_list(self, client, request, raw):
        wanted = request.get("content_id_list") or []
        if isinstance(wanted, str):
            wanted = json.loads(wanted)
        deleted = [
            {"content_id": item["content_id"]}
            for item in wanted
            if self._own_id(item.get("content_id")) not in self.undeletable
            and self._art.photos.pop(self._own_id(item.get("content_id")), None) is not None
        ]
        self._art.favourites -= {self._own_id(item["content_id"]) for item in deleted}
        listed = json.dumps(deleted)
        await self._reply(client, request, "delete_image_list", content_id_list=listed)
        if deleted:
            await self._d2d(None, {"event": "image_deleted", "content_id_list": listed})

    async def _on_get_matte_list(self, client, request, raw):
        await self._reply(
            client, request, "get_matte_list",
            matte_type_list=json.dumps([{"matte_type": t} for t in MATTE_TYPES], indent=2),
            matte_color_list=json.dumps([{"color": c} for c in MATTE_COLORS], indent=2),
        )

    def _matte_refused(self, width: int, height: int, matte_id: Any, portrait: Any) -> bool:
        """Whether this set will not frame a picture of this size with these mattes."""
        shape = shape_of(width, height)
        shown = portrait if shape == "portrait" else matte_id
        if shown == "none":
            return False
        if self.mattes_need_panel_size and (width, height) not in (PANEL, PANEL[::-1]):
            return True
        return (shown, shape) in self.refused_mattes

    async def _on_change_matte(self, client, request, raw):
        if self.firmware_2025:
            await self._error(client, request, raw, "-9")  # a matte only with the upload
            return
        photo = self._art.photos.get(self._own_id(request.get("content_id")))
        portrait = request.get("portrait_matte_id", request.get("matte_id"))
        if (photo is None or not _valid_matte(request.get("matte_id"))
                or not _valid_matte(portrait)
                or self._matte_refused(photo.width, photo.height, request["matte_id"], portrait)):
            await self._error(client, request, raw, "-7")
            return
        photo.matte_id, photo.portrait_matte_id = request["matte_id"], portrait
        details = {
            "content_id": request["content_id"], "matte_id": photo.matte_id,
            "portrait_matte_id": photo.portrait_matte_id,
        }
        await self._reply(client, request, "change_matte", **details)
        await self._d2d(None, {"event": "matte_changed", **details})

    async def _on_change_favorite(self, client, request, raw):
        content_id, status = self._own_id(request.get("content_id")), request.get("status")
        if content_id not in self._art.photos or status not in ("on", "off"):
            await self._error(client, request, raw, "-7")
            return
        if status == "on":
            self._art.favourites.add(content_id)
        else:
            self._art.favourites.discard(content_id)
        # The answer is the sub-event samsungtvws waits for (frame-tv-protocol.md, 5).
        await self._reply(client, request, "favorite_changed",
                          content_id=request["content_id"], status=status)

    async def _on_get_artmode_status(self, client, request, raw):
        await self._reply(
            client, request, "get_artmode_status", value="on" if self.art_mode else "off"
        )

    async def _on_set_artmode_status(self, client, request, raw):
        wanted = request.get("value")
        if wanted not in ("on", "off"):
            await self._error(client, request, raw, "-7")
            return
        if (wanted == "on") == self.art_mode:
            return  # a redundant switch gets no reply at all
        self.art_mode = wanted == "on"
        await self._reply(client, request, "set_artmode_status", value=wanted)
        await self._d2d(None, {"event": "art_mode_changed", "status": wanted})

    async def _on_get_slideshow_status(self, client, request, raw):
        await self._reply(client, request, "get_slideshow_status", **self.slideshow)

    async def _on_set_slideshow_status(self, client, request, raw):
        wanted = {key: request.get(key) for key in ("value", "category_id", "type")}
        if (wanted["value"] not in ("off", *SLIDESHOW_MINUTES)
                or wanted["category_id"] not in (MY_PHOTOS, FAVOURITES)
                or wanted["type"] not in ("slideshow", "shuffleslideshow")):
            await self._error(client, request, raw, "-7")
            return
        self.slideshow = wanted
        await self._reply(client, request, "set_slideshow_status", **wanted)
        await self._d2d(None, {"event": "slideshow_changed", **wanted})

    # -- upload ------------------------------------------------------------------
    async def _on_send_image(self, client, request, raw):
        if self.error_on_send_image:
            code = self.error_on_send_image
            await self._error(client, request, raw, code if isinstance(code, str) else "-1")
            return
        size, file_type = request.get("file_size"), request.get("file_type")
        conn_info = request.get("conn_info")
        if (
            file_type not in ("jpg", "png") or not isinstance(size, int) or size <= 0
            or not isinstance(conn_info, dict)
        ):
            await self._error(client, request, raw, "-7")
            return
        if self.capacity is not None and len(self._art.photos) >= self.capacity:
            await self._error(client, request, raw, "-11")
            return
        if size > self.max_upload_bytes:
            await self._error(client, request, raw, "-1")  # size is checked at this step
            return
        upload = _Upload(
            client=client, request_id=request.get("request_id", request.get("id")), size=size,
            key="".join(random.choices(string.ascii_lowercase + string.digits, k=8)),
            file_type=file_type, matte_id=request.get("matte_id") or "none",
            portrait_matte_id=request.get("portrait_matte_id") or "none",
            image_date=request.get("image_date") or "",
        )
        upload.listener = await asyncio.start_server(
            lambda r, w: self._receive(upload, r, w), self.host, 0,
            ssl=self._d2d_ssl if self.d2d_secured else None,
        )
        self._d2d_listeners.add(upload.listener)
        asyncio.get_running_loop().call_later(
            self.d2d_accept_timeout, self._close_listener, upload.listener
        )
        self.uploads_started += 1
        info = {
            "contentInfo": json.dumps({
                "d2d_mode": "socket", "connection_id": conn_info.get("connection_id"),
                "request_id": upload.request_id, "id": conn_info.get("id"),
            }),
            "event": "get_d2d_connection", "ip": self.host,
            "port": str(upload.listener.sockets[0].getsockname()[1]),
            "key": upload.key, "stat": "ok", "mode": "socket",
        }
        if self.d2d_secured:
            info["secured"] = True
        await self._reply(client, request, "ready_to_use", conn_info=json.dumps(info))

    def _close_listener(self, listener: asyncio.Server) -> None:
        listener.close()
        self._d2d_listeners.discard(listener)

    async def _receive(self, upload: _Upload, reader, writer) -> None:
        if upload.accepted:  # one transfer per send_image
            writer.transport.abort()
            return
        upload.accepted = True
        self._close_listener(upload.listener)
        self._d2d_writers.add(writer)
        self.transfers_active += 1
        self.max_concurrent_transfers = max(self.max_concurrent_transfers, self.transfers_active)
        try:
            data = await self._read_transfer(upload, reader)
        except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
            data = None
        finally:
            self.transfers_active -= 1
            self._d2d_writers.discard(writer)
            writer.transport.abort()
        if data is None:
            return  # a failed transfer: the real TV says nothing at all
        width, height = image_size(data)
        if self._matte_refused(width, height, upload.matte_id, upload.portrait_matte_id):
            await self._d2d(upload.client, {
                "event": "error", "request_id": upload.request_id, "error_code": "-7",
                "request_data": json.dumps({"request": "send_image"}),
                "target_client_id": upload.client.id,
            })
            return
        shown = upload.portrait_matte_id if height > width else upload.matte_id
        content_id = self._store(
            data, matte_id=upload.matte_id, portrait_matte_id=upload.portrait_matte_id,
            image_date=upload.image_date, file_type=upload.file_type,
            fails_to_show=shown in MATTES_THAT_FAIL,
        )
        if self.lose_confirmation:
            return
        if self.stray_error:
            # A late error for a client that has gone is broadcast to every client.
            await self._d2d(None, {
                "event": "error", "request_id": str(uuid.uuid4()), "error_code": "-7",
                "request_data": json.dumps({"request": "select_image"}),
            })
        photo = self._art.photos[content_id]
        await self._d2d(None, {
            "event": "image_added", "request_id": upload.request_id,
            "target_client_id": upload.client.id, "content_id": content_id,
            "category_id": MY_PHOTOS, "matte_id": photo.matte_id,
            "portrait_matte_id": photo.portrait_matte_id,
            "width": photo.width, "height": photo.height,
        })

    async def _read_transfer(self, upload: _Upload, reader) -> bytes | None:
        header_length = int.from_bytes(await reader.readexactly(4), "big")
        if header_length > 65536:
            return None
        header = json.loads(await reader.readexactly(header_length))
        if header.get("secKey") != upload.key or header.get("fileLength") != upload.size:
            return None
        # close_mid_transfer: the socket closes after half the picture.
        limit = upload.size // 2 if self.close_mid_transfer else upload.size
        rate = self.slow_transfer
        step = max(1, rate // 20) if rate else 65536
        data = bytearray()
        while len(data) < limit:
            chunk = await reader.read(min(limit - len(data), step))
            if not chunk:
                return None
            data += chunk
            self._count(len(chunk))
            if rate:
                await self._pace(len(chunk), rate)
        if len(data) < upload.size:
            return None
        return bytes(data)

    def _count(self, size: int) -> None:
        self.last_byte_at = time.time()
        if self.first_byte_at is None:
            self.first_byte_at = self.last_byte_at
        self.bytes_received += size

    async def _pace(self, size: int, rate: int) -> None:
        """Wait until the TV may read again: one clock for every transfer, and time spent
        reading counts, so the TV reads `rate` bytes a second, not less, not more."""
        now = time.monotonic()
        self._paced_until = max(self._paced_until, now) + size / rate
        await asyncio.sleep(self._paced_until - now)

    async def _close_transfers(self) -> None:
        for listener in list(self._d2d_listeners):
            self._close_listener(listener)
        for writer in list(self._d2d_writers):
            with contextlib.suppress(OSError):
                writer.transport.abort()
