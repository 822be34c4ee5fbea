"""A fake Immich server over real HTTP, shaped after Immich's OpenAPI document 1.134.0.

A ThreadingHTTPServer on 127.0.0.1 and a free port, in a background thread, serving
the routes Docent uses under `/api` as Immich 1.134.0 answers them (the document's
schemas are what the generated client `immich-python-sdk` 1.134.0 parses, and
tests/test_immich_fake.py drives this fake with it):

- `GET /api/server/ping` -> `{"res": "pong"}` and `GET /api/server/version` ->
  `{"major", "minor", "patch"}` (both without a key), `GET /api/server/about`
  (ServerAboutResponseDto; permission `server.about`);
- `GET /api/albums` (AlbumResponseDto[], `assets` empty) and `GET /api/albums/{id}`
  (with the album's assets unless `withoutAssets=true`; permission `album.read`);
- `POST /api/search/metadata` (MetadataSearchDto: `page` from 1, `size` 1..1000,
  `type`, `order`, `withExif`, `visibility`, `withDeleted`; answers SearchResponseDto
  `{albums, assets: {items, nextPage, total, count, facets}}` where, as Immich does,
  `total` and `count` are the items of this page and `nextPage` is the next page
  number as text or null; permission `asset.read`);
- `GET /api/assets/{id}` (AssetResponseDto; `asset.read`), `GET
  /api/assets/{id}/thumbnail?size=thumbnail|preview` (WebP of 250 px or JPEG of
  1440 px, Immich's defaults; `asset.view`) and `GET /api/assets/{id}/original`
  (the file's bytes and MIME type; `asset.download`).

`album_assets_inline=False` answers as Immich 2 and later do: albums carry no
`assets` and `/search/metadata` takes `albumIds`.

Errors carry Immich's JSON (`message`, `error`, `statusCode`, `correlationId`): no key
-> 401 "Authentication required", a wrong or revoked key -> 401 "Invalid API key", a
key without the route's permission -> 403 "Missing required permission: …", an id
that is not a UUID -> 400 (validation), an asset or album that does not exist (or
was purged) -> 400 "Not found or no asset.read access" (Immich's access check), an
unknown route -> 404 "Cannot GET …", a thumbnail Immich could not make (a corrupt
original) -> 404. A trashed asset leaves listings but `GET /api/assets/{id}` still
answers it, with `isTrashed: true`, as Immich's trash does.

The key is read from the `x-api-key` header only. Every request is recorded
(method, path, query, JSON body, headers without the key, where the key came
from). Faults, switchable at any time: `stop()`/`start()` (down, same port),
`slow` (seconds before each answer), `fail_paths` (500 for paths starting with
a prefix), `cut_downloads` (an original's full length announced, half sent, then
the connection dropped), `revoke_key()`, `permissions` (None: all; else a set such as
{"album.read"}), `trash(id)`, `purge(id)`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import re
import secrets
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pillow_heif
from PIL import Image, ImageOps

from tests import imaging_corpus
from tests.fakes.httpserver import FakeHandler, FakeServer

pillow_heif.register_heif_opener()

SPEC_VERSION = "1.134.0"
OWNER_ID = "6b2f3f5e-2f39-4b0f-9d2a-1f8d3e0c7a11"
TAKEN = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
THUMBNAIL_SIZES = {
    "thumbnail": (250, "WEBP", "image/webp"), "preview": (1440, "JPEG", "image/jpeg"),
}
PERMISSIONS = {
    "albums": "album.read", "album": "album.read", "search": "asset.read",
    "asset": "asset.read", "thumbnail": "asset.view", "original": "asset.download",
    "about": "server.about",
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ERROR_NAMES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    500: "Internal Server Error",
}


@dataclass(eq=False)
class FakeAsset:
    id: str
    type: str  # IMAGE, VIDEO
    file_name: str
    mime_type: str
    data: bytes
    taken_at: datetime
    width: int | None = None
    height: int | None = None
    visibility: str = "timeline"  # hidden for a live photo's motion part
    live_photo_video_id: str | None = None
    trashed: bool = False
    favorite: bool = False


@dataclass(eq=False)
class FakeAlbum:
    id: str
    name: str
    description: str = ""
    asset_ids: list[str] = field(default_factory=list)
    created_at: datetime = TAKEN


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    key_in: str | None  # "header", "query" or None


class FakeImmich(FakeServer):
    """An Immich server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self, *, key: str | None = None, version: str = SPEC_VERSION,
                 album_assets_inline: bool = True) -> None:
        super().__init__(handler=_Handler, name="fake-immich")
        self.key = key or f"fake-immich-key-{secrets.token_hex(12)}"
        self.version = version
        self.album_assets_inline = album_assets_inline
        self.assets: dict[str, FakeAsset] = {}
        self.albums: dict[str, FakeAlbum] = {}
        self.purged: set[str] = set()
        # faults
        self.key_revoked = False
        self.permissions: set[str] | None = None
        self.cut_downloads = False  # originals: full Content-Length, half the body, hang up
        # records

    # -- content ----------------------------------------------------------------------
    def add_image(self, name: str, data: bytes, *, mime_type: str = "image/jpeg",
                  taken_at: datetime = TAKEN, album: FakeAlbum | None = None,
                  motion: bool = False) -> FakeAsset:
        width = height = None
        with contextlib.suppress(Exception), Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        asset = FakeAsset(
            id=str(uuid.uuid4()), type="IMAGE", file_name=name, mime_type=mime_type,
            data=data, taken_at=taken_at, width=width, height=height,
        )
        if motion:
            part = self.add_video(f"{name.rsplit('.', 1)[0]}.MOV", taken_at=taken_at)
            part.visibility, part.mime_type = "hidden", "video/quicktime"
            asset.live_photo_video_id = part.id
        self.assets[asset.id] = asset
        if album is not None:
            album.asset_ids.append(asset.id)
        return asset

    def add_video(self, name: str, *, taken_at: datetime = TAKEN,
                  album: FakeAlbum | None = None) -> FakeAsset:
        asset = FakeAsset(
            id=str(uuid.uuid4()), type="VIDEO", file_name=name, mime_type="video/mp4",
            data=b"\x00\x00\x00\x18ftypmp42" + bytes(64), taken_at=taken_at,
            width=1920, height=1080,
        )
        self.assets[asset.id] = asset
        if album is not None:
            album.asset_ids.append(asset.id)
        return asset

    def add_album(self, name: str, description: str = "") -> FakeAlbum:
        album = FakeAlbum(id=str(uuid.uuid4()), name=name, description=description)
        self.albums[album.id] = album
        return album

    # -- faults -----------------------------------------------------------------------
    def revoke_key(self) -> None:
        self.key_revoked = True

    def trash(self, asset_id: str) -> None:
        self.assets[asset_id].trashed = True

    def purge(self, asset_id: str) -> None:
        """Deleted for good (emptied from the trash): every route answers as for no asset."""
        self.purged.add(asset_id)

    def requests_to(self, prefix: str) -> list[FakeRequest]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    # -- answers ----------------------------------------------------------------------
    def _live(self, asset_id: str) -> FakeAsset | None:
        if asset_id in self.purged:
            return None
        return self.assets.get(asset_id)

    def asset_json(self, asset: FakeAsset, *, exif: bool = True) -> dict[str, Any]:
        stamp = _iso(asset.taken_at)
        answer: dict[str, Any] = {
            "id": asset.id,
            "checksum": _checksum(asset.data),
            "deviceAssetId": f"{asset.file_name}-{len(asset.data)}",
            "deviceId": "docent-fake-phone",
            "duration": "0:00:00.00000" if asset.type == "IMAGE" else "0:00:03.00000",
            "fileCreatedAt": stamp,
            "fileModifiedAt": stamp,
            "localDateTime": _iso(asset.taken_at.replace(tzinfo=None), local=True),
            "updatedAt": stamp,
            "hasMetadata": True,
            "isArchived": asset.visibility == "archive",
            "isFavorite": asset.favorite,
            "isOffline": False,
            "isTrashed": asset.trashed,
            "livePhotoVideoId": asset.live_photo_video_id,
            "originalFileName": asset.file_name,
            "originalMimeType": asset.mime_type,
            "originalPath": f"/usr/src/app/upload/library/admin/2024/{asset.file_name}",
            "ownerId": OWNER_ID,
            "thumbhash": None,
            "type": asset.type,
            "visibility": asset.visibility,
            "people": [],
            "tags": [],
            "stack": None,
            "duplicateId": None,
        }
        if exif:
            answer["exifInfo"] = {
                "exifImageWidth": asset.width, "exifImageHeight": asset.height,
                "fileSizeInByte": len(asset.data), "dateTimeOriginal": stamp,
                "orientation": None, "make": None, "model": None, "description": "",
                "timeZone": "UTC", "city": None, "country": None, "state": None,
            }
        return answer

    def album_json(self, album: FakeAlbum, *, with_assets: bool) -> dict[str, Any]:
        assets = self._album_assets(album)
        times = [a.taken_at for a in assets]
        answer = {
            "id": album.id,
            "albumName": album.name,
            "description": album.description,
            "albumThumbnailAssetId": assets[0].id if assets else None,
            "albumUsers": [],
            "assetCount": len(assets),
            "createdAt": _iso(album.created_at),
            "updatedAt": _iso(album.created_at),
            "startDate": _iso(min(times)) if times else None,
            "endDate": _iso(max(times)) if times else None,
            "lastModifiedAssetTimestamp": _iso(max(times)) if times else None,
            "hasSharedLink": False,
            "isActivityEnabled": True,
            "order": "desc",
            "owner": _owner(),
            "ownerId": OWNER_ID,
            "shared": False,
        }
        if self.album_assets_inline:
            answer["assets"] = [self.asset_json(a) for a in assets] if with_assets else []
        return answer

    def _album_assets(self, album: FakeAlbum) -> list[FakeAsset]:
        assets = [a for i in album.asset_ids if (a := self._live(i)) and not a.trashed]
        return sorted(assets, key=lambda a: a.taken_at, reverse=True)

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        page, size = body.get("page", 1), body.get("size", 250)
        if not _number(page) or page < 1:
            raise _ImmichError(400, ["page must not be less than 1"])
        if not _number(size) or not 1 <= size <= 1000:
            raise _ImmichError(400, ["size must not be greater than 1000"])
        if body.get("order", "desc") not in ("asc", "desc"):
            raise _ImmichError(400, ["order must be one of the following values: asc, desc"])
        kind = body.get("type")
        if kind is not None and kind not in ("IMAGE", "VIDEO", "AUDIO", "OTHER"):
            raise _ImmichError(400, [
                "type must be one of the following values: IMAGE, VIDEO, AUDIO, OTHER"])
        visibility = body.get("visibility")
        found = [a for i, a in self.assets.items() if i not in self.purged]
        if not body.get("withDeleted"):
            found = [a for a in found if not a.trashed]
        if visibility:
            found = [a for a in found if a.visibility == visibility]
        else:
            found = [a for a in found if a.visibility in ("timeline", "archive")]
        if kind:
            found = [a for a in found if a.type == kind]
        if not self.album_assets_inline and body.get("albumIds"):
            wanted = set(body["albumIds"])
            found = [a for a in found if any(
                a.id in album.asset_ids for album in self.albums.values() if album.id in wanted)]
        found.sort(key=lambda a: (a.taken_at, a.id), reverse=body.get("order", "desc") == "desc")
        start = (int(page) - 1) * int(size)
        items = found[start:start + int(size)]
        more = start + int(size) < len(found)
        return {
            "albums": {"total": 0, "count": 0, "items": [], "facets": []},
            "assets": {
                "total": len(items), "count": len(items), "facets": [],
                "items": [self.asset_json(a, exif=bool(body.get("withExif"))) for a in items],
                "nextPage": str(int(page) + 1) if more else None,
            },
        }

    def thumbnail(self, asset: FakeAsset, size: str) -> tuple[bytes, str]:
        edge, fmt, mime = THUMBNAIL_SIZES[size]
        if asset.type == "VIDEO":
            image = Image.new("RGB", (160, 90), (20, 20, 20))
        else:
            try:
                image = ImageOps.exif_transpose(Image.open(io.BytesIO(asset.data)))
                image.load()
            except Exception:
                raise _ImmichError(404, "Asset media not found") from None
        image = image.convert("RGB")
        image.thumbnail((edge, edge))
        out = io.BytesIO()
        image.save(out, fmt, quality=80)
        return out.getvalue(), mime


def add_standard_content(fake: FakeImmich) -> FakeImmich:
    """Two albums and a timeline with every kind of asset the client must tell apart.

    "Summer" holds three JPEGs, a video, a live photo (a HEIC whose motion part is a
    hidden video) and a HEIC; "Empty" holds nothing. Outside albums: one PNG.
    """
    summer = fake.add_album("Summer", "Beach days")
    fake.add_album("Empty")
    for n in range(3):
        fake.add_image(
            f"IMG_{n:04}.jpg", _jpeg((640 + 16 * n, 480), seed=n),
            taken_at=TAKEN - timedelta(days=n), album=summer,
        )
    fake.add_video("clip.mp4", taken_at=TAKEN - timedelta(days=3), album=summer)
    fake.add_image("live.heic", _heic((320, 240)), mime_type="image/heic",
                   taken_at=TAKEN - timedelta(days=4), album=summer, motion=True)
    fake.add_image("still.heic", _heic((400, 300)), mime_type="image/heic",
                   taken_at=TAKEN - timedelta(days=5), album=summer)
    fake.add_image("screenshot.png", _png((300, 200)), mime_type="image/png",
                   taken_at=TAKEN - timedelta(days=6))
    return fake


def _jpeg(size: tuple[int, int], seed: int = 0) -> bytes:
    out = io.BytesIO()
    imaging_corpus.camera_like(size, seed=seed + 1).save(out, "JPEG", quality=85)
    return out.getvalue()


def _heic(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    imaging_corpus.marked(size).save(out, "HEIF", quality=80)
    return out.getvalue()


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    imaging_corpus.marked(size).save(out, "PNG")
    return out.getvalue()


def _owner() -> dict[str, Any]:
    return {
        "id": OWNER_ID, "name": "Admin", "email": "admin@example.com", "avatarColor": "primary",
        "profileImagePath": "", "profileChangedAt": _iso(TAKEN),
    }


def _iso(moment: datetime, *, local: bool = False) -> str:
    text = moment.isoformat(timespec="milliseconds")
    return text + "Z" if local else text.replace("+00:00", "Z")


def _checksum(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode()


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- HTTP ----------------------------------------------------------------------------------


class _ImmichError(Exception):
    def __init__(self, status: int, message: str | list[str]) -> None:
        self.status, self.message = status, message


_ROUTES = [
    ("GET", re.compile(r"/api/server/ping"), "ping"),
    ("GET", re.compile(r"/api/server/version"), "version"),
    ("GET", re.compile(r"/api/server/about"), "about"),
    ("GET", re.compile(r"/api/albums"), "albums"),
    ("GET", re.compile(r"/api/albums/([^/]+)"), "album"),
    ("POST", re.compile(r"/api/search/metadata"), "search"),
    ("GET", re.compile(r"/api/assets/([^/]+)"), "asset"),
    ("GET", re.compile(r"/api/assets/([^/]+)/thumbnail"), "thumbnail"),
    ("GET", re.compile(r"/api/assets/([^/]+)/original"), "original"),
]
_PUBLIC = {"ping", "version"}


class _Handler(FakeHandler):
    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path).rstrip("/")
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        header_key = self.headers.get("x-api-key")
        fake.requests.append(FakeRequest(
            method=method, path=path, query=query, body=body,
            headers={k: v for k, v in self.headers.items() if k.lower() != "x-api-key"},
            key_in="header" if header_key else "query" if "apiKey" in query else None,
        ))
        if fake.slow:
            time.sleep(fake.slow)
        try:
            if any(path.startswith(prefix) for prefix in fake.fail_paths):
                raise _ImmichError(500, "Internal server error")
            name, args = self._route(method, path)
            if name not in _PUBLIC:
                self._authorize(fake, header_key, name)
            self._answer(fake, name, args, query, body)
        except _ImmichError as exc:
            self._error(exc.status, exc.message)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            fake.errors.append(traceback.format_exc())
            self._error(500, "Internal server error")

    def _route(self, method: str, path: str) -> tuple[str, tuple[str, ...]]:
        for verb, pattern, name in _ROUTES:
            if (match := pattern.fullmatch(path)) and verb == method:
                return name, match.groups()
        raise _ImmichError(404, f"Cannot {method} {path}")

    def _authorize(self, fake: FakeImmich, key: str | None, name: str) -> None:
        if not key:
            raise _ImmichError(401, "Authentication required")
        if fake.key_revoked or not secrets.compare_digest(key, fake.key):
            raise _ImmichError(401, "Invalid API key")
        permission = PERMISSIONS.get(name)
        if fake.permissions is not None and permission not in fake.permissions:
            raise _ImmichError(403, f"Missing required permission: {permission}")

    def _answer(self, fake: FakeImmich, name: str, args: tuple[str, ...],
                query: dict[str, str], body: Any) -> None:
        if name == "ping":
            return self._json({"res": "pong"})
        if name == "version":
            major, minor, patch = (int(p) for p in fake.version.split("."))
            return self._json({"major": major, "minor": minor, "patch": patch})
        if name == "about":
            return self._json({
                "version": f"v{fake.version}", "licensed": False,
                "versionUrl": f"https://github.com/immich-app/immich/releases/tag/v{fake.version}",
            })
        if name == "albums":
            return self._json([
                fake.album_json(a, with_assets=False) for a in fake.albums.values()])
        if name == "album":
            album = fake.albums.get(_uuid(args[0]))
            if album is None:
                raise _ImmichError(400, "Not found or no album.read access")
            return self._json(fake.album_json(
                album, with_assets=query.get("withoutAssets") != "true"))
        if name == "search":
            if not isinstance(body, dict):
                raise _ImmichError(400, ["body must be an object"])
            return self._json(fake.search(body))
        asset = fake._live(_uuid(args[0]))
        if asset is None:
            permission = PERMISSIONS[name]
            raise _ImmichError(400, f"Not found or no {permission} access")
        if name == "asset":
            return self._json(fake.asset_json(asset))
        if name == "thumbnail":
            size = query.get("size", "thumbnail")
            if size not in THUMBNAIL_SIZES:
                raise _ImmichError(400, [
                    "size must be one of the following values: fullsize, preview, thumbnail"])
            data, mime = fake.thumbnail(asset, size)
            return self._bytes(data, mime)
        ext = asset.file_name.rpartition(".")[2]
        if fake.cut_downloads:
            self.send_response(200)
            self.send_header("Content-Type", asset.mime_type)
            self.send_header("Content-Length", str(len(asset.data)))
            self.end_headers()
            self.wfile.write(asset.data[:len(asset.data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        return self._bytes(asset.data, asset.mime_type, {
            "Content-Disposition": f'attachment; filename="{asset.id}.{ext}"'})

    def _json(self, payload: Any, status: int = 200) -> None:
        self._bytes(json.dumps(payload).encode(), "application/json; charset=utf-8",
                    status=status)

    def _bytes(self, data: bytes, content_type: str, headers: dict[str, str] | None = None,
               status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str | list[str]) -> None:
        self._json({
            "message": message, "error": _ERROR_NAMES.get(status, "Error"),
            "statusCode": status, "correlationId": secrets.token_hex(4),
        }, status=status)


def _uuid(value: str) -> str:
    if not _UUID.match(value):
        raise _ImmichError(400, ["id must be a UUID"])
    return value.lower()
