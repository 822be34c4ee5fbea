"""The only module that talks HTTP to a Plex Media Server (docs/plex-photo-api.md).

What it takes care of, so its callers never have to:

- The token travels in the `X-Plex-Token` header only: never in a query string, an
  exception message or a log line. Messages name the server's address and the path,
  never a URL with its query.
- JSON is asked for with `Accept: application/json` exactly; answers are parsed
  defensively (missing keys, numbers sent as text, `totalSize` absent).
- Every call has (connect, read) time-outs; every failure becomes one of the types
  below, which say whether to retry later (PlexUnavailable) or to tell a person.
- Lists are paged and advance by the number of items received, because the server may
  return shorter pages than asked (§5). Albums nest: `all_photos` uses the flat
  `clusterZoomLevel=1` list, `album_photos` recurses through `/children` (§4.5, §4.7).
- Clips (videos in a photo library) come back with kind "clip" from `browse` and are
  skipped by `all_photos` and `album_photos` (§6.3).
- Downloads stream to a temporary file next to the destination, are checked against
  `Part@size` and only then renamed into place (§8.7).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from docentsite.artwork.errors import NeedsAttention, NotFound, Rejected, Unavailable

logger = logging.getLogger(__name__)

PRODUCT = "Docent"
VERSION = "0.1.0"
CONNECT_TIMEOUT = 5.0
MAX_PAGE = 1000  # §8.5: keep pages to a few thousand at most
PHOTO_SECTION = "photo"


class PlexNotConfigured(NeedsAttention):
    """PLEX_URL or PLEX_TOKEN is not set."""


class PlexUnavailable(Unavailable):
    """Plex is down, slow, restarting or dropped the connection: try again later."""


class PlexAuthError(NeedsAttention):
    """Plex refused the token; nothing works until someone fixes PLEX_TOKEN."""


class PlexNotFound(NotFound):
    """The library, item or file is not (or no longer) on the server."""


class PlexForbidden(Rejected):
    """The server's owner does not allow this (e.g. downloads for this user)."""


@dataclass(frozen=True)
class ServerInfo:
    name: str
    version: str
    machine_identifier: str


@dataclass(frozen=True)
class Library:
    key: str
    title: str
    uuid: str
    photo_count: int | None  # photos and clips at every depth; None when Plex did not say


@dataclass(frozen=True)
class Item:
    rating_key: str
    kind: str  # "album", "photo" or "clip"
    title: str
    key: str  # as Plex sent it; an album's ends in /children
    thumb: str  # a server path for thumbnail(), or ""
    taken_at: date | None
    added_at: datetime | None
    updated_at: datetime | None
    width: int | None
    height: int | None
    part_key: str  # path of the original file, "" for albums
    part_size: int | None
    part_file: str  # the original file name, without its folders
    container: str
    orientation: int | None  # EXIF orientation, 1 upright
    album_path: tuple[str, ...]  # titles of the albums above the item, outermost first
    library_key: str
    parent_rating_key: str = ""  # the album holding the item; "" at the library's top


@dataclass(frozen=True)
class Page:
    items: list[Item]
    offset: int
    total: int | None  # None when Plex did not send totalSize


class PlexClient:
    """One Plex Media Server, reached with one token over one requests.Session."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        verify_ssl: bool = True,
        timeout: float = 15,
        client_identifier: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("Plex time-outs must be positive: a silent server would block forever")
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the Plex URL must look like http://192.168.1.10:32400")
        # Queries and fragments are dropped: a pasted URL may carry ?X-Plex-Token=…
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        port = f":{parts.port}" if parts.port else ""
        self.address = f"{parts.scheme}://{parts.hostname}{port}"  # no user:password@
        self._token = token
        self.verify_ssl = verify_ssl
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.client_identifier = client_identifier or (
            f"docent-{uuid.uuid5(uuid.NAMESPACE_URL, 'docent:' + self.base_url)}"
        )
        self._session = session or requests.Session()
        self._session.headers.update({
            "Accept": "application/json",
            "X-Plex-Client-Identifier": self.client_identifier,
            "X-Plex-Product": PRODUCT,
            "X-Plex-Version": VERSION,
        })

    def __repr__(self) -> str:
        return f"PlexClient({self.address})"

    # -- server and libraries ---------------------------------------------------------
    def identity(self) -> ServerInfo:
        """Who the server is. /identity needs no token, so a PlexAuthError from here
        means the server is up and the token is wrong."""
        ident = self._json("/identity", auth=False)
        root = self._json("/")
        return ServerInfo(
            name=_text(root.get("friendlyName")),
            version=_text(ident.get("version")) or _text(root.get("version")),
            machine_identifier=(
                _text(ident.get("machineIdentifier")) or _text(root.get("machineIdentifier"))
            ),
        )

    def photo_libraries(self) -> list[Library]:
        """The photo libraries the token may see (movie, show and music ones are left out),
        each counted with one cheap request."""
        return [self._library(entry) for entry in self._photo_sections()]

    def library(self, key: str) -> Library:
        for entry in self._photo_sections():
            if _text(entry.get("key")) == str(key):
                return self._library(entry)
        raise PlexNotFound(f"Plex at {self.address} has no photo library {key}")

    def _photo_sections(self) -> list[dict[str, Any]]:
        container = self._json("/library/sections")
        return [
            entry for entry in _list(container.get("Directory"))
            if entry.get("type") == PHOTO_SECTION and _text(entry.get("key"))
        ]

    def _library(self, entry: dict[str, Any]) -> Library:
        key = _text(entry.get("key"))
        counted = self._json(
            f"/library/sections/{_segment(key)}/all", params={"clusterZoomLevel": "1"},
            headers=_paging(0, 0), what=f"library {key}",
        )
        return Library(
            key=key, title=_text(entry.get("title")), uuid=_text(entry.get("uuid")),
            photo_count=_int(counted.get("totalSize")),
        )

    # -- listing ------------------------------------------------------------------
    def browse(
        self, *, library_key: str, album_key: str | None = None, offset: int = 0, limit: int = 50
    ) -> Page:
        """One page of the library's top folder, or of an album, in ONE request to Plex.

        Items are albums, photos and clips; clips come back with kind "clip" so the
        caller can drop them (they are videos: no image decoder, no transcoder). The
        page may hold fewer than `limit` items even before the end: Plex may cut
        pages short, so the next page starts at `offset + len(page.items)`.
        """
        if offset < 0 or not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"browse needs offset >= 0 and 1 <= limit <= {MAX_PAGE}")
        if album_key is None:
            path, what = f"/library/sections/{_segment(library_key)}/all", f"library {library_key}"
        else:
            path, what = f"/library/metadata/{_segment(album_key)}/children", f"album {album_key}"
        container = self._json(path, headers=_paging(offset, limit), what=what)
        items = self._items(container, library_key=str(library_key))
        return Page(
            items=items, offset=_int(container.get("offset")) or offset,
            total=_int(container.get("totalSize")),
        )

    def all_photos(self, *, library_key: str, batch: int = 200) -> Iterator[Item]:
        """Every photo of the library, nested albums included, clips skipped, from the flat
        `clusterZoomLevel=1` list in pages of `batch`."""
        path = f"/library/sections/{_segment(library_key)}/all"
        for item in self._paged(path, {"clusterZoomLevel": "1"}, batch, str(library_key)):
            if item.kind == "photo":
                yield item

    def album_photos(self, *, album_key: str, batch: int = 200) -> Iterator[Item]:
        """Every photo of the album and of the albums inside it (clips skipped), with
        `album_path` from this album down."""
        album = self.item(album_key)
        if album.kind != "album":
            raise PlexNotFound(f"{album.title!r} on Plex at {self.address} is not an album")
        pending = [(album.rating_key, (*album.album_path, album.title))]
        seen = {album.rating_key}
        while pending:
            key, path = pending.pop(0)
            children = f"/library/metadata/{_segment(key)}/children"
            for item in self._paged(children, {}, batch, album.library_key):
                if item.kind == "album" and item.rating_key not in seen:
                    seen.add(item.rating_key)
                    pending.append((item.rating_key, (*path, item.title)))
                elif item.kind == "photo":
                    yield _with_album_path(item, path)

    def _paged(
        self, path: str, params: dict[str, str], batch: int, library_key: str
    ) -> Iterator[Item]:
        if not 1 <= batch <= MAX_PAGE:
            raise ValueError(f"batch must be between 1 and {MAX_PAGE}")
        start, previous = 0, None
        while True:
            container = self._json(path, params=params, headers=_paging(start, batch))
            received = _list(container.get("Metadata"))
            keys = [entry.get("ratingKey") for entry in received]
            if keys and keys == previous:  # a server ignoring Start would loop forever
                raise PlexUnavailable(f"Plex at {self.address} repeats the same page of {path}")
            yield from self._items(container, library_key=library_key)
            start += len(received)  # §5: the server may send fewer than asked
            total = _int(container.get("totalSize"))
            if not received or (total is not None and start >= total):
                return
            previous = keys

    def item(self, rating_key: str) -> Item:
        container = self._json(
            f"/library/metadata/{_segment(rating_key)}", what=f"item {rating_key}"
        )
        items = self._items(container, library_key="")
        if not items:
            raise PlexNotFound(f"Plex at {self.address} has no item {rating_key}")
        return items[0]

    def _items(self, container: dict[str, Any], *, library_key: str) -> list[Item]:
        section = _text(container.get("librarySectionID")) or library_key
        items = (_item(entry, section) for entry in _list(container.get("Metadata")))
        return [item for item in items if item is not None]

    # -- files ------------------------------------------------------------------------
    def download(self, item: Item, dest: Path, *, chunk: int = 1 << 20) -> Path:
        """Stream the original file to `dest`: to a temporary file beside it first, kept
        only if its size matches Part@size, so `dest` is whole or absent."""
        if not item.part_key:
            raise PlexNotFound(f"{item.title!r} on Plex at {self.address} has no file")
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        path = _path_only(item.part_key)
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
        with self._get(
            path, params={"download": "1"}, headers=headers, stream=True,
            what=f"the file of {item.title!r}",
        ) as response:
            expected = item.part_size or _int(response.headers.get("Content-Length"))
            fd, temp_name = tempfile.mkstemp(
                dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
            )
            temp = Path(temp_name)
            try:
                received = 0
                with os.fdopen(fd, "wb") as out:
                    blocks = response.iter_content(chunk)
                    while True:
                        try:
                            block = next(blocks, None)
                        except requests.RequestException as exc:
                            raise PlexUnavailable(
                                f"The download of {item.title!r} from Plex at {self.address} "
                                f"was cut short: the connection broke after {received} bytes "
                                f"({type(exc).__name__})"
                            ) from None
                        if block is None:
                            break
                        out.write(block)
                        received += len(block)
                if expected is not None and received < expected:
                    raise PlexUnavailable(
                        f"The download of {item.title!r} from Plex at {self.address} was cut "
                        f"short: {received} of {expected} bytes"
                    )
                if expected is not None and received > expected:
                    raise PlexUnavailable(
                        f"The file of {item.title!r} on Plex at {self.address} has {received} "
                        f"bytes, not the {expected} Plex lists: it changed, list it again"
                    )
                os.replace(temp, dest)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
                raise
        return dest

    def thumbnail(self, *, thumb_path: str, width: int, height: int) -> bytes:
        """A JPEG made by Plex's transcoder that covers width x height (one side may
        overflow), never enlarged. The token goes in the header, not in `url=`."""
        if not thumb_path:
            raise PlexNotFound(f"This item on Plex at {self.address} has no thumbnail")
        if not thumb_path.startswith("/") or "x-plex-token" in thumb_path.lower():
            raise ValueError("thumb_path must be a server path such as /library/metadata/1/thumb/2")
        if width < 1 or height < 1:
            raise ValueError("thumbnail sizes must be positive")
        params = {
            "url": thumb_path, "width": str(width), "height": str(height), "minSize": "1",
            "upscale": "0", "format": "jpg",
        }
        with self._get(
            "/photo/:/transcode", params=params, headers={"Accept": "image/jpeg, image/*"},
            what=f"a thumbnail of {thumb_path}",
        ) as response:
            data = response.content
            kind = response.headers.get("Content-Type", "")
        if not kind.startswith("image/") or not data:
            raise PlexUnavailable(f"Plex at {self.address} sent no image for a thumbnail")
        return data

    # -- HTTP -------------------------------------------------------------------------
    def _json(
        self, path: str, *, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, auth: bool = True, what: str | None = None,
    ) -> dict[str, Any]:
        """GET `path`; the answer's MediaContainer (an empty dict when it has none)."""
        with self._get(path, params=params, headers=headers, auth=auth, what=what) as response:
            try:
                body = response.json()
            except (ValueError, requests.RequestException):
                raise PlexUnavailable(
                    f"Plex at {self.address} sent an answer Docent could not read for {path}"
                ) from None
        if not isinstance(body, dict):
            raise PlexUnavailable(f"Plex at {self.address} sent an unexpected answer for {path}")
        container = body.get("MediaContainer")
        return container if isinstance(container, dict) else {}

    def _get(
        self, path: str, *, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, auth: bool = True, stream: bool = False,
        what: str | None = None,
    ) -> requests.Response:
        sent = dict(headers or {})
        if auth:
            sent["X-Plex-Token"] = self._token
        try:
            response = self._session.get(
                self.base_url + path, params=params, headers=sent, timeout=self.timeout,
                # No redirects: requests would carry the token header to wherever they lead.
                verify=self.verify_ssl, stream=stream, allow_redirects=False,
            )
        except requests.Timeout:
            raise PlexUnavailable(
                f"Plex at {self.address} did not answer within {self.timeout[1]:g} s ({path})"
            ) from None
        except requests.exceptions.SSLError:
            raise PlexUnavailable(
                f"The HTTPS connection to Plex at {self.address} failed; for a self-signed "
                "certificate set PLEX_VERIFY_SSL=false"
            ) from None
        except requests.ConnectionError:
            raise PlexUnavailable(f"Plex at {self.address} cannot be reached") from None
        except requests.RequestException as exc:
            raise PlexUnavailable(
                f"The request to Plex at {self.address} failed ({type(exc).__name__})"
            ) from None
        logger.debug("Plex GET %r: %s", path, response.status_code)
        if response.status_code == 200:
            return response
        response.close()
        raise self._status_error(response.status_code, path, what)

    def _status_error(self, status: int, path: str, what: str | None) -> Exception:
        subject = what or path
        if status == 401:
            return PlexAuthError(f"Plex at {self.address} refused the token: check PLEX_TOKEN")
        if status == 403:
            return PlexForbidden(
                f"Plex at {self.address} does not allow this user to fetch {subject}"
            )
        if status == 404:
            return PlexNotFound(f"Plex at {self.address} does not have {subject} (any more)")
        return PlexUnavailable(f"Plex at {self.address} answered {status} for {subject}")


def from_settings() -> PlexClient:
    """The Plex server configured in settings (PLEX_URL, PLEX_TOKEN and friends)."""
    from django.conf import settings

    url = (getattr(settings, "PLEX_URL", "") or "").strip()
    token = (getattr(settings, "PLEX_TOKEN", "") or "").strip()
    if not url or not token:
        raise PlexNotConfigured(
            "Plex is not configured: set PLEX_URL=http://<server>:32400 and PLEX_TOKEN=<token> "
            "in .env"
        )
    try:
        return PlexClient(
            url=url, token=token, verify_ssl=getattr(settings, "PLEX_VERIFY_SSL", True),
            timeout=getattr(settings, "PLEX_TIMEOUT", 15),
        )
    except ValueError:
        raise PlexNotConfigured(
            "PLEX_URL in .env must look like http://192.168.1.10:32400"
        ) from None


# -- parsing: every value may be missing, a string or a number ---------------------------


def _item(entry: Any, library_key: str) -> Item | None:
    if not isinstance(entry, dict):
        return None
    rating_key, key, kind = (
        _text(entry.get("ratingKey")), _text(entry.get("key")), entry.get("type")
    )
    if not rating_key:
        return None
    if key.endswith("/children") or kind == "photoalbum":
        kind = "album"
    elif kind not in ("photo", "clip"):
        return None  # a movie, track or show: not ours
    media = next(iter(_list(entry.get("Media"))), {})
    part = next(iter(_list(media.get("Part"))), {})
    parents = (_text(entry.get("grandparentTitle")), _text(entry.get("parentTitle")))
    return Item(
        rating_key=rating_key,
        kind=kind,
        title=_text(entry.get("title")),
        key=key,
        thumb=_text(entry.get("thumb")),
        taken_at=_date(entry.get("originallyAvailableAt")),
        added_at=_datetime(entry.get("addedAt")),
        updated_at=_datetime(entry.get("updatedAt")),
        width=_int(media.get("width")),
        height=_int(media.get("height")),
        part_key=_text(part.get("key")) if kind != "album" else "",
        part_size=_int(part.get("size")),
        part_file=_text(part.get("file")).replace("\\", "/").rpartition("/")[2],
        container=_text(part.get("container")) or _text(media.get("container")),
        orientation=_int(part.get("orientation")) or _int(media.get("orientation")),
        album_path=tuple(title for title in parents if title),
        library_key=_text(entry.get("librarySectionID")) or library_key,
        parent_rating_key=_text(entry.get("parentRatingKey")),
    )


def _with_album_path(item: Item, path: tuple[str, ...]) -> Item:
    return replace(item, album_path=path)


def _list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def _datetime(value: Any) -> datetime | None:
    seconds = _int(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _paging(start: int, size: int) -> dict[str, str]:
    return {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}


def _segment(value: str) -> str:
    """A rating key or section key as one path segment (they are opaque strings)."""
    return quote(str(value), safe="")


def _path_only(key: str) -> str:
    """A server path from an item's key, without any query it may carry (e.g. a token)."""
    return urlsplit(key).path
