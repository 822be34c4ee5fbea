"""The only module that talks HTTP to an Immich server.

Followed: Immich's OpenAPI document (open-api/immich-openapi-specs.json in
immich-app/immich) at info.version 1.134.0, the version the generated client
`immich-python-sdk` 1.134.0 was made from (tests keep the fake Immich honest with
it). The routes and fields used here are unchanged through Immich 3.2 except one,
handled below: since Immich 2 an album's answer carries no `assets`, and
`POST /search/metadata` takes `albumIds` instead.

What it takes care of, so its callers never have to:

- The API key travels in the `x-api-key` header only, to IMMICH_URL's server only:
  every path is built here from ids checked to be UUIDs, redirects are not followed,
  and no URL, message or log line carries the key.
- Images only: videos, audio and a live photo's motion part (a hidden video asset)
  are never listed; `asset()` refuses them.
- Every call has (connect, read) time-outs, every answer a size limit; downloads
  stream to a temporary file beside the destination, renamed into place only when
  whole (as long as Content-Length says).
- Immich's errors (`{"message", "error", "statusCode", "correlationId"}`) become the
  types below: 401 -> ImmichAuthError, 403 (a key without a permission) ->
  ImmichForbidden, 400 "Not found or no … access" and 404 -> ImmichNotFound, other
  400 -> ImmichRejected, 5xx, 429, time-outs and refused connections ->
  ImmichUnavailable (try again later).
- "All photos" pages with `page`/`size` and stops at `nextPage: null`; Immich's
  `total` is the count of the page, not of the library, so nothing here trusts it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from docentsite.artwork.errors import NeedsAttention, NotFound, Rejected, Unavailable
from docentsite.sources import http
from docentsite.sources.http import as_int as _int
from docentsite.sources.http import iso_datetime as _datetime

logger = logging.getLogger(__name__)

API_VERSION = "1.134.0"
CONNECT_TIMEOUT = 5.0
#: Largest page asked of /search/metadata (the document's maximum is 1000).
MAX_PAGE = 1000
#: Largest JSON answer read; an album of 1.x answers with its assets inline
#: (about 1.5 KB each), so 100,000 assets stay under this.
MAX_JSON_BYTES = 192 << 20
MAX_THUMBNAIL_BYTES = 8 << 20
#: Largest original read when Immich does not say how big it is.
MAX_ORIGINAL_BYTES = 2 << 30
THUMBNAIL_TIMEOUT = 8.0
#: Pages one listing reads before it gives up on a server that never ends.
MAX_PAGES = 10_000
THUMBNAIL_SIZES = ("thumbnail", "preview")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_WEB_PATH = re.compile(r"/(api|photos|albums|search|explore|people|favorites)(/.*)?$")
_NOT_FOUND = re.compile(r"^Not found or no [\w.]+ access$")


class ImmichNotConfigured(NeedsAttention):
    """IMMICH_URL or IMMICH_API_KEY is not set."""


class ImmichUnavailable(Unavailable):
    """Immich is down, slow, restarting or dropped the connection: try again later."""


class ImmichAuthError(NeedsAttention):
    """Immich refused the API key; nothing works until someone fixes IMMICH_API_KEY."""


class ImmichForbidden(NeedsAttention):
    """The API key lacks a permission this needs (Immich names it in the message)."""


class ImmichNotFound(NotFound):
    """The album or asset is not (or no longer) on the server, or is in its trash."""


class ImmichRejected(Rejected):
    """Immich refused the request, or the asset is not a picture."""


@dataclass(frozen=True)
class ServerInfo:
    version: str  # "1.134.0"


@dataclass(frozen=True)
class Album:
    id: str
    name: str
    description: str
    asset_count: int  # every asset, videos included, as Immich counts them
    thumbnail_asset_id: str  # "" when the album is empty
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Asset:
    id: str
    type: str  # IMAGE, VIDEO, AUDIO, OTHER
    file_name: str
    mime_type: str
    taken_at: datetime | None
    width: int | None
    height: int | None
    file_size: int | None
    visibility: str
    live_photo_video_id: str
    trashed: bool
    favorite: bool

    @property
    def is_picture(self) -> bool:
        return self.type == "IMAGE" and self.visibility != "hidden"


@dataclass(frozen=True)
class Page:
    items: list[Asset]  # pictures only
    page: int
    next_page: int | None


@dataclass(frozen=True)
class Original:
    path: Path
    size: int
    mime_type: str


class ImmichClient:
    """One Immich server, reached with one API key over one requests.Session."""

    def __init__(
        self, *, url: str, api_key: str, verify_ssl: bool = True, timeout: float = 15,
        download_timeout: float = 900, session: requests.Session | None = None,
    ) -> None:
        if min(timeout, download_timeout) <= 0:
            raise ValueError("Immich time-outs must be positive: a silent server blocks forever")
        self.base_url = server_url(url)
        parts = urlsplit(self.base_url)
        port = f":{parts.port}" if parts.port else ""
        self.address = f"{parts.scheme}://{parts.hostname}{port}"
        self._key = api_key
        self.verify_ssl = verify_ssl
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.download_timeout = download_timeout
        self._session = session or _pooled_session()

    def __repr__(self) -> str:
        return f"ImmichClient({self.address})"

    # -- server and albums ------------------------------------------------------------
    def server(self) -> ServerInfo:
        """The server's version (a route without a key) and, with `albums()`, proof
        that the key works; used by the status check."""
        answer = self._json("GET", "/server/version", auth=False, what="its version")
        if not isinstance(answer, dict):
            raise ImmichUnavailable(f"Immich at {self.address} sent an unreadable version")
        parts = (_int(answer.get(part)) for part in ("major", "minor", "patch"))
        return ServerInfo(version=".".join(str(part or 0) for part in parts))

    def albums(self) -> list[Album]:
        """The albums the key's owner has and those shared with them."""
        answer = self._json("GET", "/albums", what="its albums")
        return [a for entry in _list(answer) if (a := _album(entry))]

    def album(self, album_id: str) -> tuple[Album, list[Asset]]:
        """The album and its pictures, newest first (no videos, no motion parts, no
        trash). Immich 1.x lists an album's assets in its answer; from Immich 2 on they
        come from the metadata search, by album."""
        answer = self._json("GET", f"/albums/{_id(album_id)}", what=f"album {album_id}",
                            limit=MAX_JSON_BYTES)
        album = _album(answer)
        if album is None:
            raise ImmichUnavailable(f"Immich at {self.address} sent an unreadable album")
        if isinstance(answer.get("assets"), list):
            return album, _pictures(answer["assets"])
        found: list[Asset] = []
        for page in self._pages({"albumIds": [album.id]}):
            found.extend(page.items)
        return album, found

    def album_photos(self, album_id: str) -> list[Asset]:
        """The album's pictures, as album() has them."""
        return self.album(album_id)[1]

    # -- all photos -------------------------------------------------------------------
    def photos_page(self, *, page: int = 1, size: int = 100, order: str = "desc") -> Page:
        """One page of every picture in the library by date taken (`order` desc:
        newest first), as Immich's timeline has them (no archive, no trash)."""
        if page < 1 or not 1 <= size <= MAX_PAGE:
            raise ValueError(f"page starts at 1 and size is 1 to {MAX_PAGE}")
        if order not in ("asc", "desc"):
            raise ValueError("order is asc or desc")
        return self._search({"page": page, "size": size, "order": order})

    def _pages(self, filters: dict[str, Any]) -> Any:
        page = 1
        for _ in range(MAX_PAGES):
            result = self._search({**filters, "page": page, "size": MAX_PAGE, "order": "desc"})
            yield result
            if result.next_page is None or result.next_page <= page:
                return
            page = result.next_page
        raise ImmichUnavailable(f"Immich at {self.address} sent more than {MAX_PAGES} pages")

    def _search(self, body: dict[str, Any]) -> Page:
        body = {**body, "type": "IMAGE", "visibility": "timeline", "withExif": True}
        answer = self._json("POST", "/search/metadata", body=body, what="a page of photos")
        assets = answer.get("assets") if isinstance(answer, dict) else None
        if not isinstance(assets, dict):
            raise ImmichUnavailable(f"Immich at {self.address} sent an unreadable search answer")
        following = _int(assets.get("nextPage"))
        return Page(items=_pictures(assets.get("items")), page=body["page"],
                    next_page=following if following and following > body["page"] else None)

    # -- one asset --------------------------------------------------------------------
    def asset(self, asset_id: str) -> Asset:
        """The asset, if it is a picture that is in the library (not in the trash)."""
        asset = _asset(self._json("GET", f"/assets/{_id(asset_id)}", what=f"asset {asset_id}"))
        if asset is None:
            raise ImmichUnavailable(f"Immich at {self.address} sent an unreadable asset")
        if asset.trashed:
            raise ImmichNotFound(f"Asset {asset_id} is in Immich's trash at {self.address}")
        if not asset.is_picture:
            kind = "a live photo's motion part" if asset.visibility == "hidden" else (
                f"a {asset.type.lower()}")
            raise ImmichRejected(f"Asset {asset_id} on Immich at {self.address} is {kind}, "
                                 "not a picture")
        return asset

    def thumbnail(self, asset_id: str, *, size: str = "thumbnail") -> tuple[bytes, str]:
        """Immich's own thumbnail (WebP or JPEG by the server's settings) and its type."""
        if size not in THUMBNAIL_SIZES:
            raise ValueError(f"size is one of {THUMBNAIL_SIZES}")
        timeout = min(self.timeout[1], THUMBNAIL_TIMEOUT)
        what = f"the thumbnail of asset {asset_id}"
        with self._request(
            "GET", f"/assets/{_id(asset_id)}/thumbnail", params={"size": size},
            headers={"Accept": "image/*"}, stream=True, what=what,
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
        ) as response:
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            data = b"".join(self._blocks(response, what=what, limit=MAX_THUMBNAIL_BYTES,
                                         deadline=timeout))
        if not kind.startswith("image/") or not data:
            raise ImmichUnavailable(f"Immich at {self.address} sent no image for {what}")
        return data, kind

    def download(self, asset_id: str, dest: Path) -> Original:
        """Stream the original file (HEIC as it is) to `dest` through a temporary file
        beside it, so `dest` is whole or absent."""
        what = f"the original of asset {asset_id}"
        dest = Path(dest)
        with self._request(
            "GET", f"/assets/{_id(asset_id)}/original",
            headers={"Accept": "*/*", "Accept-Encoding": "identity"}, stream=True, what=what,
            timeout=(self.timeout[0], self.timeout[1]),
        ) as response:
            length = _int(response.headers.get("Content-Length"))
            mime = response.headers.get("Content-Type", "").split(";")[0].strip()
            with http.partial_file(dest) as out:
                received = http.write_blocks(out, self._blocks(
                    response, what=what, limit=length or MAX_ORIGINAL_BYTES,
                    deadline=self.download_timeout))
                if length is not None and received != length:
                    raise ImmichUnavailable(
                        f"Immich at {self.address} sent {received} of {length} bytes of {what}")
        return Original(path=dest, size=received, mime_type=mime)

    # -- HTTP -------------------------------------------------------------------------
    def _json(self, method: str, path: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None, auth: bool = True, what: str,
              limit: int = 32 << 20) -> Any:
        with self._request(method, path, params=params, body=body, auth=auth, stream=True,
                           headers={"Accept": "application/json"}, what=what) as response:
            data = b"".join(self._blocks(response, what=what, limit=limit,
                                         deadline=max(self.timeout[1] * 4, 60)))
        try:
            return json.loads(data)
        except ValueError:
            raise ImmichUnavailable(
                f"Immich at {self.address} sent something that is not JSON for {what}; is "
                "IMMICH_URL the address of Immich?") from None

    def _request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                 body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 auth: bool = True, stream: bool = False, what: str,
                 timeout: tuple[float, float] | None = None) -> requests.Response:
        sent = dict(headers or {})
        if auth:
            sent["x-api-key"] = self._key
        timeout = timeout or self.timeout
        try:
            response = self._session.request(
                method, f"{self.base_url}/api{path}", params=params, json=body, headers=sent,
                timeout=timeout, verify=self.verify_ssl, stream=stream,
                # No redirects: requests would carry the key header to wherever they lead.
                allow_redirects=False,
            )
        except requests.Timeout:
            raise ImmichUnavailable(
                f"Immich at {self.address} did not answer within {timeout[1]:g} s ({what})"
            ) from None
        except requests.exceptions.SSLError:
            raise ImmichUnavailable(
                f"The HTTPS connection to Immich at {self.address} failed; for a self-signed "
                "certificate set IMMICH_VERIFY_SSL=false") from None
        except requests.ConnectionError:
            hint = "" if urlsplit(self.base_url).port else (
                "; Immich usually listens on port 2283 (http://<server>:2283)")
            raise ImmichUnavailable(f"Immich at {self.address} cannot be reached{hint}") from None
        except requests.RequestException as exc:
            raise ImmichUnavailable(
                f"The request to Immich at {self.address} failed ({type(exc).__name__})"
            ) from None
        logger.debug("Immich %s %s: %s", method, path, response.status_code)
        if response.status_code == 200:
            return response
        try:
            error = self._status_error(response, what)
        finally:
            response.close()
        raise error

    def _blocks(self, response: requests.Response, *, what: str, limit: int,
                deadline: float) -> Iterator[bytes]:
        try:
            yield from http.body_blocks(response, limit=limit, deadline=deadline)
        except http.BodyCut as cut:
            raise ImmichUnavailable(
                f"The answer of Immich at {self.address} for {what} was cut short after "
                f"{cut.received} bytes ({cut.cause})") from None
        except http.BodyTooLarge as large:
            raise ImmichUnavailable(
                f"Immich at {self.address} sent more than {large.megabytes} MB for {what}; "
                "Docent stopped reading") from None
        except http.BodyTooSlow as slow:
            raise ImmichUnavailable(
                f"Immich at {self.address} took more than {slow.deadline:g} s to send {what}"
            ) from None

    def _status_error(self, response: requests.Response, what: str) -> Exception:
        status, message = response.status_code, _message(response)
        said = f" ({message})" if message else ""
        if status == 401:
            return ImmichAuthError(
                f"Immich at {self.address} refused the API key{said}: check IMMICH_API_KEY")
        if status == 403:
            return ImmichForbidden(
                f"Immich at {self.address} does not let this API key fetch {what}{said}; give "
                "the key that permission in Immich (Account Settings > API Keys)")
        if status == 404 or (status == 400 and _NOT_FOUND.match(message)):
            return ImmichNotFound(f"Immich at {self.address} does not have {what} (any more)")
        if status == 400:
            return ImmichRejected(f"Immich at {self.address} refused the request for {what}{said}")
        if 300 <= status < 400 and response.headers.get("Location", "").startswith("https://"):
            return ImmichUnavailable(
                f"Immich at {self.address} sends Docent to HTTPS: use https:// in IMMICH_URL")
        return ImmichUnavailable(f"Immich at {self.address} answered {status} for {what}")


def from_settings() -> ImmichClient:
    """The Immich server configured in settings, one client per process and settings."""
    from django.conf import settings

    url = (getattr(settings, "IMMICH_URL", "") or "").strip()
    key = (getattr(settings, "IMMICH_API_KEY", "") or "").strip()
    if not url or not key:
        raise ImmichNotConfigured(
            "Immich is not configured: set IMMICH_URL=http://<server>:2283 and "
            "IMMICH_API_KEY=<key> in .env")
    options = {
        "url": url, "api_key": key, "verify_ssl": getattr(settings, "IMMICH_VERIFY_SSL", True),
        "timeout": getattr(settings, "IMMICH_TIMEOUT", 15),
        "download_timeout": getattr(settings, "IMMICH_DOWNLOAD_TIMEOUT", 900),
    }
    return _shared.get(options, ImmichClient,
                       invalid=lambda exc: ImmichNotConfigured(f"IMMICH_URL in .env: {exc}"))


POOL_SIZE = 16
# Settings changed: the old client's key is no longer wanted.
_shared: http.SharedClients[ImmichClient] = http.SharedClients(most=1)


def _pooled_session() -> requests.Session:
    # A proxy from the environment would see the key.
    return http.pooled_session(pool_size=POOL_SIZE, trust_env=False)


def server_url(url: str) -> str:
    """IMMICH_URL as the server's root: a pasted `/api` or web-page path is dropped,
    and so are a query and fragment."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError(f"the port in {parts.netloc!r} is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the Immich URL must look like http://192.168.1.10:2283")
    if parts.username or parts.password:
        raise ValueError("the Immich URL must not carry a user name or password")
    path = _WEB_PATH.sub("", parts.path.rstrip("/"))
    return f"{parts.scheme}://{parts.netloc}{path}"


# -- parsing: Immich's answers, read defensively -----------------------------------------


def _message(response: requests.Response) -> str:
    """Immich's `message` (text, or a list of validation messages), cut short and
    printable, or "" when the answer is not Immich's error JSON."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    message = payload.get("message") if isinstance(payload, dict) else None
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message[:3])
    if not isinstance(message, str):
        return ""
    return "".join(c for c in message if c.isprintable())[:200]


def _id(value: str) -> str:
    """An album or asset id, which Immich makes UUIDs; anything else never reaches it."""
    if not isinstance(value, str) or not _UUID.match(value):
        raise ImmichNotFound(f"{str(value)[:40]!r} is not an Immich id")
    return value.lower()


def _album(entry: Any) -> Album | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    return Album(
        id=entry["id"], name=_text(entry.get("albumName")),
        description=_text(entry.get("description")),
        asset_count=_int(entry.get("assetCount")) or 0,
        thumbnail_asset_id=_text(entry.get("albumThumbnailAssetId")),
        start=_datetime(entry.get("startDate")), end=_datetime(entry.get("endDate")),
    )


def _asset(entry: Any) -> Asset | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    exif = entry.get("exifInfo") if isinstance(entry.get("exifInfo"), dict) else {}
    return Asset(
        id=entry["id"], type=_text(entry.get("type")).upper(),
        file_name=_text(entry.get("originalFileName")),
        mime_type=_text(entry.get("originalMimeType")),
        taken_at=(_datetime(exif.get("dateTimeOriginal")) or _datetime(entry.get("fileCreatedAt"))),
        width=_int(entry.get("width")) or _int(exif.get("exifImageWidth")),
        height=_int(entry.get("height")) or _int(exif.get("exifImageHeight")),
        file_size=_int(exif.get("fileSizeInByte")),
        visibility=_text(entry.get("visibility")) or (
            "archive" if entry.get("isArchived") is True else "timeline"),
        live_photo_video_id=_text(entry.get("livePhotoVideoId")),
        trashed=entry.get("isTrashed") is True,
        favorite=entry.get("isFavorite") is True,
    )


def _pictures(entries: Any) -> list[Asset]:
    assets = (_asset(entry) for entry in _list(entries))
    return [a for a in assets if a is not None and a.is_picture and not a.trashed]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""

