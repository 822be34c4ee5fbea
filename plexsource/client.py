"""The only module that talks HTTP to a Plex Media Server (docs/plex-photo-api.md).

What it takes care of, so its callers never have to:

- The token travels in the `X-Plex-Token` header only: never in a query string, an
  exception message or a log line. Messages name the server's address and the path,
  never a URL with its query.
- JSON is asked for with `Accept: application/json` exactly; answers are parsed
  defensively (missing keys, numbers sent as text, `totalSize` absent).
- The token goes to PLEX_URL's server and nowhere else: every path Plex hands back
  (`Part@key`, `thumb`) is joined to PLEX_URL like a relative URL and refused
  (PlexOffServer) when the result names another scheme, host or port.
- Every call has (connect, read) time-outs and every read is bounded in size and in
  time: answers too large, too slow or growing past what was announced are cut off
  at once; every failure becomes one of the types below, which say whether to retry
  later (PlexUnavailable) or to tell a person.
- Lists are paged and advance by the number of items received, because the server may
  return shorter pages than asked (§5); an answer that is not paged is the whole list,
  and a total sent only in the `X-Plex-Container-Total-Size` header counts. Every
  paging loop ends, whatever the server sends. Albums nest: `all_photos` uses the flat
  `clusterZoomLevel=1` list, `album_photos` recurses through `/children` (§4.5, §4.7).
- Clips (videos in a photo library) come back with kind "clip" from `browse` and are
  skipped by `all_photos` and `album_photos` (§6.3).
- Downloads stream to a temporary file next to the destination, are checked against
  `Content-Length` (else `Part@size`) and only then renamed into place (§8.7). A file
  that changed since Plex's scan (whole, but not `Part@size` long) is kept, with a
  warning in the log.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3
from urllib3.util import parse_url

from docentsite.artwork.errors import NeedsAttention, NotFound, Rejected, Unavailable
from docentsite.sources import http
from docentsite.sources.http import as_int as _int
from docentsite.sources.http import as_text as _text

logger = logging.getLogger(__name__)

PRODUCT = "Docent"
VERSION = "0.1.0"
CONNECT_TIMEOUT = 5.0
MAX_PAGE = 1000  # §8.5: keep pages to a few thousand at most
PHOTO_SECTION = "photo"
#: Largest JSON answer read: a page of 1000 photos is about 2 MB.
MAX_JSON_BYTES = 32 << 20
#: Largest thumbnail read: the transcoder's JPEGs of a few hundred pixels are tens of KB.
MAX_THUMBNAIL_BYTES = 4 << 20
#: Largest original read when neither Content-Length nor Part@size says how big it is.
MAX_ORIGINAL_BYTES = 2 << 30
#: Seconds a thumbnail may take in all: the browse grid waits for sixty of them.
THUMBNAIL_TIMEOUT = 8.0
#: Items one paging loop reads before it gives up on a server that never ends its list.
MAX_LISTED = 1_000_000
#: Albums one album walk opens, for the same reason.
MAX_ALBUMS = 100_000


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


class PlexOffServer(Rejected):
    """Plex sent a path leading to another server: the token is not sent there."""


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
    parent_title: str = ""
    grandparent_rating_key: str = ""  # the album holding that album, if any
    grandparent_title: str = ""


@dataclass(frozen=True)
class _Listing:
    container: dict[str, Any]
    entries: list[dict[str, Any]]  # the page asked for
    total: int | None  # None when Plex did not say
    paged: bool  # False: the server sent the whole list at once, in `everything`
    everything: list[dict[str, Any]] | None = None


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
        download_timeout: float = 900,
        min_rate: float = 16 << 10,
        client_identifier: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if min(timeout, download_timeout) <= 0:
            raise ValueError("Plex time-outs must be positive: a silent server would block forever")
        self.base_url, self.url_note = _server_url(url)
        parts = urlsplit(self.base_url)
        port = f":{parts.port}" if parts.port else ""
        self.address = f"{parts.scheme}://{parts.hostname}{port}"  # no user:password@
        self._origin = _origin(self.base_url)
        self._prefix = parts.path  # a reverse proxy's, e.g. /plex; usually ""
        self._token = token
        self.verify_ssl = verify_ssl
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.download_timeout = download_timeout
        #: Bytes per second below which a download, once `rate_window` seconds old, is
        #: given up as stalled (a transient failure that frees the worker).
        self.min_rate = min_rate
        self.rate_window = 30.0
        self.client_identifier = client_identifier or (
            f"docent-{uuid.uuid5(uuid.NAMESPACE_URL, 'docent:' + self.base_url)}"
        )
        self._session = session or _pooled_session()
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
        counted = self._listing(
            f"/library/sections/{_segment(key)}/all", params={"clusterZoomLevel": "1"},
            start=0, size=0, what=f"library {key}",
        )
        return Library(
            key=key, title=_text(entry.get("title")), uuid=_text(entry.get("uuid")),
            photo_count=counted.total,
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
        path, what = self._folder(library_key, album_key)
        listing = self._listing(path, start=offset, size=limit, what=what)
        return Page(
            items=self._items(listing.container, listing.entries, library_key=str(library_key)),
            offset=offset, total=listing.total,
        )

    def folder(
        self, *, library_key: str, album_key: str | None = None, batch: int = 200
    ) -> Iterator[Item]:
        """Every item of the library's top folder or of an album (not below), page by page."""
        path, _what = self._folder(library_key, album_key)
        return self._paged(path, {}, batch, str(library_key))

    def _folder(self, library_key: str, album_key: str | None) -> tuple[str, str]:
        if album_key is None:
            return f"/library/sections/{_segment(library_key)}/all", f"library {library_key}"
        return f"/library/metadata/{_segment(album_key)}/children", f"album {album_key}"

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
                    if len(seen) >= MAX_ALBUMS:
                        raise PlexUnavailable(
                            f"Plex at {self.address} lists more than {MAX_ALBUMS} albums "
                            f"inside {album.title!r}; Docent stopped walking them"
                        )
                    seen.add(item.rating_key)
                    pending.append((item.rating_key, (*path, item.title)))
                elif item.kind == "photo":
                    yield _with_album_path(item, path)

    def _paged(
        self, path: str, params: dict[str, str], batch: int, library_key: str
    ) -> Iterator[Item]:
        """Every item of a list, page by page. Ends whatever the server sends: an
        un-paged answer is the whole list, an empty page or the total ends it, and a
        page with nothing new (a server ignoring Start) or an endless list is an error."""
        if not 1 <= batch <= MAX_PAGE:
            raise ValueError(f"batch must be between 1 and {MAX_PAGE}")
        start, seen = 0, set()
        while True:
            listing = self._listing(path, params=params, start=start, size=batch)
            if not listing.paged:
                yield from self._items(listing.container, listing.everything[start:],
                                       library_key=library_key)
                return
            keys = {_text(entry.get("ratingKey")) for entry in listing.entries}
            if listing.entries and keys <= seen:
                raise PlexUnavailable(f"Plex at {self.address} repeats the same page of {path}")
            seen |= keys
            yield from self._items(listing.container, listing.entries, library_key=library_key)
            start += len(listing.entries)  # §5: the server may send fewer than asked
            if not listing.entries or (listing.total is not None and start >= listing.total):
                return
            if start >= MAX_LISTED:
                raise PlexUnavailable(
                    f"Plex at {self.address} lists more than {MAX_LISTED} items in {path}; "
                    "Docent stopped reading them"
                )

    def _listing(
        self, path: str, *, params: dict[str, str] | None = None, start: int, size: int,
        what: str | None = None,
    ) -> _Listing:
        """One page of a list (§5), however the server pages it: the total may come in
        `totalSize` or only in the X-Plex-Container-Total-Size header, and a server that
        does not page sends the whole list, which is then cut to the page asked for."""
        container, headers = self._answer(
            path, params=params, headers=_paging(start, size), what=what
        )
        entries = _list(container.get("Metadata"))
        offset = _int(container.get("offset"))
        if offset is None:
            offset = _int(headers.get("X-Plex-Container-Start"))
        total = _int(container.get("totalSize"))
        if total is None:
            total = _int(headers.get("X-Plex-Container-Total-Size"))
        if offset is None and total is None:
            page = entries[start:start + size]
            return _Listing(container, page if size else [], len(entries), paged=False,
                            everything=entries)
        if offset is not None and offset != start:
            raise PlexUnavailable(
                f"Plex at {self.address} answered from item {offset} when asked for item "
                f"{start} of {path}"
            )
        return _Listing(container, entries, total, paged=True)

    def item(self, rating_key: str) -> Item:
        container = self._json(
            f"/library/metadata/{_segment(rating_key)}", what=f"item {rating_key}"
        )
        items = self._items(container, _list(container.get("Metadata")), library_key="")
        if not items:
            raise PlexNotFound(f"Plex at {self.address} has no item {rating_key}")
        return items[0]

    def items(self, rating_keys: list[str], *, batch: int = 100) -> dict[str, Item]:
        """The items of these rating keys, `batch` to a request (§4.6 takes a list of
        ids), keyed by the rating key asked for; those Plex does not have are left out."""
        if not 1 <= batch <= MAX_PAGE:
            raise ValueError(f"batch must be between 1 and {MAX_PAGE}")
        found: dict[str, Item] = {}
        for start in range(0, len(rating_keys), batch):
            found.update(self._items_of(rating_keys[start:start + batch]))
        return found

    def _items_of(self, rating_keys: list[str]) -> dict[str, Item]:
        path = "/library/metadata/" + ",".join(_segment(key) for key in rating_keys)
        try:
            container = self._json(path, what=f"{len(rating_keys)} item(s)")
        except PlexNotFound:
            # One id Plex does not have may fail the whole list: each half is asked
            # for, down to the missing ones.
            if len(rating_keys) == 1:
                return {}
            half = len(rating_keys) // 2
            return {**self._items_of(rating_keys[:half]), **self._items_of(rating_keys[half:])}
        sent = self._items(container, _list(container.get("Metadata")), library_key="")
        by_key = {_id(item.rating_key): item for item in sent}
        return {key: by_key[_id(key)] for key in rating_keys if _id(key) in by_key}

    def _items(
        self, container: dict[str, Any], entries: list[dict[str, Any]], *, library_key: str
    ) -> list[Item]:
        section = _text(container.get("librarySectionID")) or library_key
        items = (_item(entry, section) for entry in entries)
        return [item for item in items if item is not None]

    # -- files ------------------------------------------------------------------------
    def download(self, item: Item, dest: Path) -> Path:
        """Stream the original file to `dest`: to a temporary file beside it first, kept
        only when whole, so `dest` is whole or absent.

        Whole means as long as Content-Length says (else Part@size): a file changed
        since Plex's scan arrives whole with a new length and is kept, with a warning.
        Reading stops at once past the announced length, past `download_timeout`, or
        below `min_rate`; those are transient (PlexUnavailable).
        """
        if not item.part_key:
            raise PlexNotFound(f"{item.title!r} on Plex at {self.address} has no file")
        what = f"the file of {item.title!r}"
        path = self._server_path(item.part_key, what)
        dest = Path(dest)
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
        with self._get(
            path, params={"download": "1"}, headers=headers, stream=True, what=what,
        ) as response:
            length = _int(response.headers.get("Content-Length"))
            expected = length if length is not None else item.part_size
            limit = expected if expected is not None else MAX_ORIGINAL_BYTES
            with http.partial_file(dest) as out:
                received = http.write_blocks(out, self._blocks(
                    response, what=what, limit=limit, deadline=self.download_timeout,
                    min_rate=self.min_rate))
                if expected is not None and received < expected:
                    raise PlexUnavailable(
                        f"The download of {item.title!r} from Plex at {self.address} was cut "
                        f"short: {received} of {expected} bytes"
                    )
        if item.part_size is not None and received != item.part_size:
            logger.warning(
                "The file of %r on Plex at %s has %d bytes, not the %d Plex listed: it changed "
                "since Plex's last scan; Docent kept the new file", item.title, self.address,
                received, item.part_size,
            )
        return dest

    def thumbnail(self, *, thumb_path: str, width: int, height: int) -> bytes:
        """A JPEG made by Plex's transcoder that covers width x height (one side may
        overflow), never enlarged. The token goes in the header, not in `url=`; the
        answer must come within THUMBNAIL_TIMEOUT and MAX_THUMBNAIL_BYTES."""
        if not thumb_path:
            raise PlexNotFound(f"This item on Plex at {self.address} has no thumbnail")
        if width < 1 or height < 1:
            raise ValueError("thumbnail sizes must be positive")
        source = self._server_path(thumb_path, "a thumbnail")
        params = {
            "url": source, "width": str(width), "height": str(height), "minSize": "1",
            "upscale": "0", "format": "jpg",
        }
        timeout = min(self.timeout[1], THUMBNAIL_TIMEOUT)
        what = f"a thumbnail of {source}"
        with self._get(
            "/photo/:/transcode", params=params, headers={"Accept": "image/jpeg, image/*"},
            what=what, stream=True, timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
        ) as response:
            kind = response.headers.get("Content-Type", "")
            data = b"".join(self._blocks(response, what=what, limit=MAX_THUMBNAIL_BYTES,
                                         deadline=timeout))
        if not kind.startswith("image/") or not data:
            raise PlexUnavailable(f"Plex at {self.address} sent no image for a thumbnail")
        return data

    # -- HTTP -------------------------------------------------------------------------
    def _json(
        self, path: str, *, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, auth: bool = True, what: str | None = None,
    ) -> dict[str, Any]:
        """GET `path`; the answer's MediaContainer (an empty dict when it has none)."""
        return self._answer(path, params=params, headers=headers, auth=auth, what=what)[0]

    def _answer(
        self, path: str, *, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, auth: bool = True, what: str | None = None,
    ) -> tuple[dict[str, Any], requests.structures.CaseInsensitiveDict]:
        """GET `path`: the answer's MediaContainer (an empty dict when it has none), and
        its headers. At most MAX_JSON_BYTES, within a few read time-outs in all."""
        with self._get(
            path, params=params, headers=headers, auth=auth, what=what, stream=True
        ) as response:
            data = b"".join(self._blocks(
                response, what=what or path, limit=MAX_JSON_BYTES, deadline=4 * self.timeout[1]
            ))
        try:
            body = json.loads(data)
        except ValueError:
            raise PlexUnavailable(
                f"Plex at {self.address} sent an answer Docent could not read for {path}"
            ) from None
        if not isinstance(body, dict):
            raise PlexUnavailable(f"Plex at {self.address} sent an unexpected answer for {path}")
        container = body.get("MediaContainer")
        return (container if isinstance(container, dict) else {}), response.headers

    def _blocks(
        self, response: requests.Response, *, what: str, limit: int, deadline: float,
        min_rate: float = 0,
    ) -> Iterator[bytes]:
        """The body within `limit` bytes and `deadline` seconds (and, after `rate_window`
        seconds, `min_rate` bytes a second): http.body_blocks, in Plex's words."""
        try:
            yield from http.body_blocks(response, limit=limit, deadline=deadline,
                                        min_rate=min_rate, rate_window=self.rate_window)
        except http.BodyCut as cut:
            raise PlexUnavailable(
                f"The answer of Plex at {self.address} for {what} was cut short: the "
                f"connection broke after {cut.received} bytes ({cut.cause})"
            ) from None
        except http.BodyTooLarge as large:
            raise PlexUnavailable(
                f"Plex at {self.address} sent more than {large.megabytes} MB for {what}; "
                "Docent stopped reading"
            ) from None
        except http.BodyTooSlow as slow:
            raise PlexUnavailable(
                f"Plex at {self.address} took more than {slow.deadline:g} s to send {what}; "
                "it is tried again later"
            ) from None
        except http.BodyBelowRate as slow:
            raise PlexUnavailable(
                f"Plex at {self.address} sends {what} at {slow.rate / 1024:.1f} KB/s, below "
                f"{slow.min_rate / 1024:g} KB/s; it is tried again later"
            ) from None

    def _server_path(self, key: str, what: str) -> str:
        """The path on PLEX_URL's server a key from Plex leads to, without its query
        (which may carry a token); PlexOffServer when it leads to any other server."""
        path = parse_url(self._url(key, what)).path or "/"
        return path[len(self._prefix):] if path.startswith(self._prefix + "/") else path

    def _url(self, path: str, what: str | None = None) -> str:
        """`path` joined to PLEX_URL as a relative URL is (§1 "Keys"); refused unless the
        result is on PLEX_URL's scheme, host and port, as requests will parse it."""
        if path.startswith("/") and not path.startswith("//"):
            url = self.base_url + path  # under a reverse proxy's prefix too
        else:
            url = urljoin(self.base_url + "/", path)
        try:
            origin = _origin(url)
        except urllib3.exceptions.LocationParseError:
            origin = None
        if origin != self._origin:
            raise PlexOffServer(
                f"Plex at {self.address} sent a path for {what or 'a request'} that leads to "
                f"another server ({path[:80]!r}); Docent sends the Plex token to "
                f"{self.address} only"
            )
        return url

    def _get(
        self, path: str, *, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, auth: bool = True, stream: bool = False,
        what: str | None = None, timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        url = self._url(path, what)
        sent = dict(headers or {})
        if auth:
            sent["X-Plex-Token"] = self._token
        timeout = timeout or self.timeout
        try:
            response = self._session.get(
                url, params=params, headers=sent, timeout=timeout,
                # No redirects: requests would carry the token header to wherever they lead.
                verify=self.verify_ssl, stream=stream, allow_redirects=False,
            )
        except requests.Timeout:
            raise PlexUnavailable(
                f"Plex at {self.address} did not answer within {timeout[1]:g} s ({path})"
            ) from None
        except requests.exceptions.SSLError as exc:
            raise PlexUnavailable(self._ssl_advice(exc)) from None
        except requests.ConnectionError:
            hint = "" if urlsplit(self.base_url).port else (
                "; Plex usually listens on port 32400 (http://<server>:32400)")
            raise PlexUnavailable(f"Plex at {self.address} cannot be reached{hint}") from None
        except requests.RequestException as exc:
            raise PlexUnavailable(
                f"The request to Plex at {self.address} failed ({type(exc).__name__})"
            ) from None
        logger.debug("Plex GET %r: %s", path, response.status_code)
        if response.status_code == 200:
            return response
        response.close()
        raise self._status_error(response, path, what)

    def _ssl_advice(self, exc: Exception) -> str:
        if re.search(r"WRONG_VERSION_NUMBER|record layer failure|unknown protocol", str(exc)):
            plain = self.address.replace("https://", "http://", 1)
            return (
                f"Plex at {self.address} does not speak HTTPS on that port: use "
                f"PLEX_URL={plain}"
            )
        return (
            f"The HTTPS connection to Plex at {self.address} failed; for a self-signed "
            "certificate set PLEX_VERIFY_SSL=false"
        )

    def _status_error(self, response: requests.Response, path: str, what: str | None
                      ) -> Exception:
        status, subject = response.status_code, what or path
        if status == 401:
            secure = "" if self.address.startswith("https://") else (
                " (or, if Plex's Settings > Network > Secure connections is Required, use "
                f"{self.address.replace('http://', 'https://', 1)} in PLEX_URL)"
            )
            return PlexAuthError(
                f"Plex at {self.address} refused the token: check PLEX_TOKEN{secure}"
            )
        if status == 403:
            return PlexForbidden(
                f"Plex at {self.address} does not allow this user to fetch {subject}"
            )
        if status == 404:
            return PlexNotFound(f"Plex at {self.address} does not have {subject} (any more)")
        location = response.headers.get("Location", "")
        if 300 <= status < 400 and location.startswith("https://"):
            return PlexUnavailable(
                f"Plex at {self.address} sends Docent to HTTPS: use https:// in PLEX_URL"
            )
        return PlexUnavailable(f"Plex at {self.address} answered {status} for {subject}")


def from_settings() -> PlexClient:
    """The Plex server configured in settings (PLEX_URL, PLEX_TOKEN and friends).

    One client per process and settings, shared by every request and thread: its
    connections to Plex stay open between requests (no new TCP connection, or TLS
    handshake, per page or thumbnail). Other settings (tests change them) get a
    client of their own.
    """
    from django.conf import settings

    url = (getattr(settings, "PLEX_URL", "") or "").strip()
    token = (getattr(settings, "PLEX_TOKEN", "") or "").strip()
    if not url or not token:
        raise PlexNotConfigured(
            "Plex is not configured: set PLEX_URL=http://<server>:32400 and PLEX_TOKEN=<token> "
            "in .env"
        )
    options = {
        "url": url, "token": token, "verify_ssl": getattr(settings, "PLEX_VERIFY_SSL", True),
        "timeout": getattr(settings, "PLEX_TIMEOUT", 15),
        "download_timeout": getattr(settings, "PLEX_DOWNLOAD_TIMEOUT", 900),
        "min_rate": getattr(settings, "PLEX_DOWNLOAD_MIN_RATE", 16) * 1024,
    }
    return _shared.get(options, PlexClient,
                       invalid=lambda exc: PlexNotConfigured(f"PLEX_URL in .env: {exc}"))


#: Connections kept open to Plex by one shared client: a web process serves up to
#: eight requests at once, and a browse grid loads six thumbnails at a time.
POOL_SIZE = 16
#: Shared clients kept per process, for as many different settings.
MAX_SHARED = 4
_shared: http.SharedClients[PlexClient] = http.SharedClients(
    most=MAX_SHARED, close=lambda client: client._session.close())


def _pooled_session() -> requests.Session:
    return http.pooled_session(pool_size=POOL_SIZE)


_PLEX_WEB = re.compile(r"/web(/.*)?$")


def _server_url(url: str) -> tuple[str, str]:
    """PLEX_URL as the server's root URL, and a note when it had to be read as such.

    A URL pasted from the browser's address bar while Plex Web is open
    (http://host:32400/web/index.html#!/...) names the server whose root Docent
    needs; queries and fragments are dropped (a pasted URL may carry ?X-Plex-Token=…).
    """
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError(f"the port in {parts.netloc!r} is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the Plex URL must look like http://192.168.1.10:32400")
    if parts.hostname == "plex.tv" or parts.hostname.endswith(".plex.tv"):
        raise ValueError(
            f"{parts.hostname} is Plex's web site, not your server: use your server's own "
            "address, e.g. http://192.168.1.10:32400"
        )
    path, note = parts.path.rstrip("/"), ""
    if web := _PLEX_WEB.search(path):
        path = path[:web.start()]
        note = (
            f"PLEX_URL is the address of Plex Web in a browser; Docent uses the server at "
            f"{parts.scheme}://{parts.netloc}{path} (set PLEX_URL to that)"
        )
    return f"{parts.scheme}://{parts.netloc}{path}", note


def _origin(url: str) -> tuple[str | None, str | None, int | None]:
    """Scheme, host and port of `url` as requests (urllib3) will read it."""
    parts = parse_url(url)
    scheme = (parts.scheme or "").lower()
    return scheme, (parts.host or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


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
        parent_title=parents[1],
        grandparent_rating_key=_text(entry.get("grandparentRatingKey")),
        grandparent_title=parents[0],
    )


def _with_album_path(item: Item, path: tuple[str, ...]) -> Item:
    return replace(item, album_path=path)


def _list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


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


def _id(rating_key: str) -> str:
    """A rating key as Plex reads it: as a number when it is one ("01021" is 1021)."""
    return str(int(rating_key)) if rating_key.isascii() and rating_key.isdigit() else rating_key


def _segment(value: str) -> str:
    """A rating key or section key as one path segment (they are opaque strings)."""
    return quote(str(value), safe="")
