"""The only module that talks HTTP to Google Drive (API v3, with an API key, no OAuth).

What it takes care of, so its callers never have to:

- The API key travels in the `X-goog-api-key` header only, and only to DRIVE_API_URL
  (https://www.googleapis.com): never in a query string, a URL, an exception message
  or a log line. Thumbnail links (`https://lh3.googleusercontent.com/…=s220`) are
  fetched without it, server-side, and only from Google's image hosts.
- Thumbnail links are short-lived, so a link that stopped working is asked for again
  once (`files.get` with `fields=thumbnailLink`); the browser only ever sees Docent's
  own thumbnail route, never a link.
- Only what a key may see is visible: files in a folder shared "anyone with the
  link". Drive lists the children of a private folder as an empty list, so a folder
  is looked up first (`folder`) and a private one is a DriveNotFound that says so.
- Every call has (connect, read) time-outs and every read is bounded in size and in
  time; answers are parsed defensively (sizes come as strings, fields may be absent).
  Lists are read page by page to the last `nextPageToken`, and every paging loop
  ends, whatever the server sends.
- Google's error JSON (`{"error": {"code", "message", "errors": [{"reason"}],
  "details"}}`) becomes one of the types below: a wrong or restricted key needs a
  person (DriveKeyRejected), the rate limit and Google's own faults are transient
  (DriveUnavailable), a missing or unshared file is DriveNotFound, a file that is
  not downloadable (a Google Docs file) is DriveForbidden.
- Downloads stream to a temporary file next to the destination, are checked against
  `Content-Length` and only then renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
import urllib3

from docentsite.artwork.errors import NeedsAttention, NotFound, Rejected, Unavailable
from docentsite.sources import http
from docentsite.sources.http import as_int as _int
from docentsite.sources.http import as_text as _text
from docentsite.sources.http import iso_datetime as _datetime

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://www.googleapis.com"
FOLDER_TYPE = "application/vnd.google-apps.folder"
CONNECT_TIMEOUT = 5.0
#: Drive's largest page; fewer round trips for a big folder.
PAGE_SIZE = 1000
#: Largest JSON answer read: a page of 1000 files with these fields is about 1 MB.
MAX_JSON_BYTES = 16 << 20
#: Largest error answer read: Google's are a few hundred bytes.
MAX_ERROR_BYTES = 64 << 10
MAX_THUMBNAIL_BYTES = 4 << 20
MAX_ORIGINAL_BYTES = 2 << 30
#: Seconds a thumbnail may take in all: the browse grid waits for sixty of them.
THUMBNAIL_TIMEOUT = 8.0
THUMBNAIL_SIZES = range(32, 1601)
#: Files one folder listing reads before it gives up on a server that never ends it.
MAX_LISTED = 200_000
#: The hosts Drive's thumbnailLink points at; the API key is never sent there.
THUMBNAIL_HOST = re.compile(r"(?:[a-z0-9-]+\.)*googleusercontent\.com")
FILE_FIELDS = (
    "id,name,mimeType,parents,size,md5Checksum,createdTime,modifiedTime,thumbnailLink,"
    "trashed,imageMediaMetadata(width,height,rotation,time)"
)
LIST_FIELDS = f"nextPageToken,incompleteSearch,files({FILE_FIELDS})"
_ID = re.compile(r"[A-Za-z0-9_-]{10,200}")
KEY_REASONS = {"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"}
KEY_DETAILS = {
    "API_KEY_INVALID", "API_KEY_EXPIRED", "SERVICE_DISABLED", "API_KEY_SERVICE_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED",
}
RATE_REASONS = {
    "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded",
    "sharingRateLimitExceeded", "quotaExceeded",
}


class DriveNotConfigured(NeedsAttention):
    """DRIVE_API_KEY or DRIVE_FOLDER_URL is not set, or not usable."""


class DriveUnavailable(Unavailable):
    """Google is down, slow, over its rate limit or dropped the connection: try later."""


class DriveKeyRejected(NeedsAttention):
    """Google refused the API key (wrong, restricted, or Drive API not enabled)."""


class DriveNotFound(NotFound):
    """No such file or folder, or it is not shared "anyone with the link"."""


class DriveForbidden(Rejected):
    """Drive refuses this file to a key (a Google Docs file, one flagged as abuse)."""


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    mime_type: str
    parent_id: str
    size: int | None
    md5: str
    created_at: datetime | None
    modified_at: datetime | None
    width: int | None
    height: int | None
    rotation: int | None  # quarter turns clockwise, as Drive reads the EXIF orientation
    thumbnail_link: str  # short-lived; kept server-side, never sent to a browser
    taken_at: date | None = None  # the camera's date (EXIF), when Drive read one
    trashed: bool = False

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER_TYPE

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


def parse_folder_id(text: str) -> str:
    """The folder id in what people paste: a share link
    (`https://drive.google.com/drive/folders/<id>?usp=sharing`, `…/drive/u/0/folders/<id>`,
    `…/open?id=<id>`, `…/folderview?id=<id>`) or the bare id. ValueError says why not."""
    text = (text or "").strip()
    if _ID.fullmatch(text):
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "a Google Drive folder is given as its share link, "
            "https://drive.google.com/drive/folders/<id>, or as the id itself"
        )
    if parts.hostname not in ("drive.google.com", "docs.google.com"):
        raise ValueError(f"{parts.hostname} is not Google Drive (drive.google.com)")
    segments = [segment for segment in parts.path.split("/") if segment]
    if "folders" in segments[:-1]:
        candidate = segments[segments.index("folders") + 1]
    elif segments and segments[-1] in ("open", "folderview"):
        candidate = (parse_qs(parts.query).get("id") or [""])[0]
    elif "file" in segments or "d" in segments:
        raise ValueError(
            "this is the link to a file, not to a folder: open the folder in Drive and copy "
            "its link (Share › Copy link)"
        )
    else:
        candidate = ""
    if not _ID.fullmatch(candidate):
        raise ValueError("this Google Drive link names no folder: copy the folder's share link")
    return candidate


def check_id(value: str) -> str:
    """A Drive file or folder id as Docent accepts one (it goes into a query and a path)."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise DriveNotFound(f"{str(value)[:60]!r} is not a Google Drive id")
    return value


class DriveClient:
    """Google Drive's API for one API key, over one requests.Session."""

    def __init__(
        self, *, api_key: str, api_url: str = DEFAULT_API_URL, timeout: float = 15,
        download_timeout: float = 900, min_rate: float = 16 << 10,
        session: requests.Session | None = None,
    ) -> None:
        if min(timeout, download_timeout) <= 0:
            raise ValueError("Drive time-outs must be positive: a silent server would block")
        parts = urlsplit(api_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("the Drive API URL must look like https://www.googleapis.com")
        self.api_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.address = f"{parts.scheme}://{parts.hostname}" + (
            f":{parts.port}" if parts.port else "")
        self._api_key = api_key
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.download_timeout = download_timeout
        #: Bytes per second below which a download, once `rate_window` seconds old, is
        #: given up as stalled (a transient failure that frees the worker).
        self.min_rate = min_rate
        self.rate_window = 30.0
        self._session = session or _pooled_session()

    def __repr__(self) -> str:
        return f"DriveClient({self.address})"

    # -- metadata ---------------------------------------------------------------------
    def file(self, file_id: str) -> Entry:
        """One file's metadata; DriveNotFound when it is gone or not shared."""
        data = self._json(f"/drive/v3/files/{quote(check_id(file_id))}",
                          {"fields": FILE_FIELDS, "supportsAllDrives": "true"},
                          what=f"file {file_id}")
        entry = _entry(data)
        if entry is None:
            raise DriveUnavailable(f"Google Drive sent an unreadable answer for file {file_id}")
        return entry

    def folder(self, folder_id: str) -> Entry:
        """The folder itself: DriveNotFound when it does not exist or is not shared
        "anyone with the link" (Drive says the same for both), DriveForbidden when the
        id is a file's."""
        try:
            entry = self.file(folder_id)
        except DriveNotFound:
            raise DriveNotFound(
                f"Google Drive has no folder {folder_id} that anyone with the link may see: "
                "share it as \"Anyone with the link\" (Viewer), or check the link"
            ) from None
        if not entry.is_folder:
            raise DriveForbidden(f"{entry.name!r} on Google Drive is a file, not a folder")
        return entry

    def children(self, folder_id: str, *, images_only: bool = False) -> Iterator[Entry]:
        """The folder's subfolders and pictures (not below), folders first, by name, read
        to the last page. Anything else (documents, videos, trash) is left out by Drive."""
        kinds = "mimeType contains 'image/'" if images_only else (
            f"mimeType = '{FOLDER_TYPE}' or mimeType contains 'image/'")
        query = f"'{check_id(folder_id)}' in parents and trashed = false and ({kinds})"
        params = {
            "q": query, "fields": LIST_FIELDS, "pageSize": str(PAGE_SIZE),
            "orderBy": "folder,name", "supportsAllDrives": "true",
            "includeItemsFromAllDrives": "true",
        }
        token, seen_tokens, listed = None, set(), 0
        while True:
            page = self._json("/drive/v3/files", {**params, **({"pageToken": token} if token
                                                              else {})},
                              what=f"the contents of folder {folder_id}")
            for data in _list(page.get("files")):
                entry = _entry(data)
                if entry is not None and (entry.is_folder or entry.is_image):
                    listed += 1
                    yield entry
            token = page.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return
            if token in seen_tokens:
                raise DriveUnavailable(
                    f"Google Drive repeats the same page of folder {folder_id}")
            seen_tokens.add(token)
            if listed >= MAX_LISTED:
                raise DriveUnavailable(
                    f"Google Drive lists more than {MAX_LISTED} files in folder {folder_id}; "
                    "Docent stopped reading them"
                )

    def pictures(self, folder_id: str) -> Iterator[tuple[tuple[str, ...], Entry]]:
        """Every picture in the folder and in the folders below, with the names of the
        folders between (outermost first); each folder is opened once."""
        pending, seen = [(check_id(folder_id), ())], {folder_id}
        while pending:
            current, path = pending.pop(0)
            for entry in self.children(current):
                if entry.is_folder and entry.id not in seen:
                    seen.add(entry.id)
                    pending.append((entry.id, (*path, entry.name)))
                elif entry.is_image:
                    yield path, entry

    # -- content ------------------------------------------------------------------------
    def download(self, file_id: str, destination: Path, *,
                 max_bytes: int = MAX_ORIGINAL_BYTES) -> int:
        """The file's content streamed to `destination` (replaced only when whole); the
        number of bytes. Transient failures (cut short, slow, Google down) are
        DriveUnavailable; a file Drive will not send is DriveForbidden."""
        what = f"file {file_id}"
        response = self._get(f"/drive/v3/files/{quote(check_id(file_id))}",
                             {"alt": "media", "supportsAllDrives": "true"}, what=what)
        with response, http.partial_file(Path(destination), prefix=".drive-",
                                         fsync=True) as out:
            received = http.write_blocks(out, self._blocks(
                response, what=what, limit=max_bytes, deadline=self.download_timeout,
                min_rate=self.min_rate))
            expected = _int(response.headers.get("Content-Length"))
            if expected is not None and received != expected:
                raise DriveUnavailable(
                    f"Google Drive sent {received} of {expected} bytes of {what}; it is "
                    "tried again later"
                )
        return received

    def thumbnail(self, file_id: str, *, size: int = 240, link: str = "") -> tuple[bytes, str]:
        """A preview of the picture, `size` pixels on its longest side, and its content
        type. `link` is a thumbnailLink from a listing; when it has expired (or there is
        none) the file's current link is asked for once. The key is not sent with it."""
        if size not in THUMBNAIL_SIZES:
            raise ValueError(f"thumbnail sizes run from {THUMBNAIL_SIZES[0]} to "
                             f"{THUMBNAIL_SIZES[-1]} pixels")
        if link:
            with contextlib.suppress(DriveNotFound, DriveForbidden):
                return self._thumbnail(link, size, file_id)
        entry = self.file(file_id)
        if not entry.thumbnail_link:
            raise DriveNotFound(f"Google Drive has no preview of {entry.name!r}")
        return self._thumbnail(entry.thumbnail_link, size, file_id)

    def _thumbnail(self, link: str, size: int, file_id: str) -> tuple[bytes, str]:
        url, what = self._thumbnail_url(link, size), f"the preview of file {file_id}"
        started = time.monotonic()
        try:
            response = self._session.get(
                url, timeout=(self.timeout[0], THUMBNAIL_TIMEOUT), stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise self._request_error(exc, what) from None
        with response:
            if response.status_code in (403, 404, 410):
                raise DriveNotFound(f"the preview link of file {file_id} has expired")
            if response.status_code != 200:
                raise DriveUnavailable(
                    f"Google's image server answered {response.status_code} for {what}")
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            if not kind.startswith("image/"):
                raise DriveUnavailable(f"Google's image server sent {kind or 'no type'} "
                                       f"for {what}")
            remaining = THUMBNAIL_TIMEOUT - (time.monotonic() - started)
            body = b"".join(self._blocks(response, what=what, limit=MAX_THUMBNAIL_BYTES,
                                         deadline=max(remaining, 0.1), min_rate=0))
        return body, kind

    def _thumbnail_url(self, link: str, size: int) -> str:
        """The link with Google's size suffix (`=s220`) set to `size`. Only Google's image
        hosts (or the API's own, for a proxy or the test suite's fake) are fetched:
        Docent asks no other server for anything on Drive's word."""
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        google = parts.scheme == "https" and THUMBNAIL_HOST.fullmatch(host)
        own = f"{parts.scheme}://{parts.netloc}" == self.address.lower() or (
            link.startswith(self.api_url + "/"))
        if not (google or own) or parts.username or parts.password:
            raise DriveForbidden(
                f"Google Drive sent a preview link to {host or 'nowhere'}; Docent fetches "
                "previews from googleusercontent.com only"
            )
        if re.search(r"=s\d+$", link):
            return re.sub(r"=s\d+$", f"=s{size}", link)
        return f"{link}=s{size}"

    # -- HTTP ----------------------------------------------------------------------------
    def _json(self, path: str, params: dict[str, str], *, what: str) -> dict[str, Any]:
        response = self._get(path, {**params, "alt": "json", "prettyPrint": "false"},
                             what=what)
        with response:
            body = b"".join(self._blocks(response, what=what, limit=MAX_JSON_BYTES,
                                         deadline=self.timeout[1] * 4, min_rate=0))
        try:
            data = json.loads(body)
        except ValueError:
            raise DriveUnavailable(f"Google Drive sent something other than JSON for {what}"
                                   ) from None
        if not isinstance(data, dict):
            raise DriveUnavailable(f"Google Drive sent an unreadable answer for {what}")
        return data

    def _get(self, path: str, params: dict[str, str], *, what: str) -> requests.Response:
        """A streamed answer: its body is read by _blocks, within limits."""
        try:
            response = self._session.get(
                self.api_url + path, params=params,
                headers={"X-goog-api-key": self._api_key}, timeout=self.timeout,
                # No redirects: requests would carry the key header to wherever they lead.
                stream=True, allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise self._request_error(exc, what) from None
        logger.debug("Google Drive GET %s: %s", path, response.status_code)
        if response.status_code == 200:
            return response
        with response:
            raise self._status_error(response, what)

    def _request_error(self, exc: Exception, what: str) -> DriveUnavailable:
        if isinstance(exc, requests.Timeout):
            return DriveUnavailable(f"Google Drive did not answer in time ({what})")
        if isinstance(exc, requests.ConnectionError):
            return DriveUnavailable(f"Google Drive at {self.address} cannot be reached ({what})")
        return DriveUnavailable(f"The request to Google Drive failed ({type(exc).__name__}, "
                                f"{what})")

    def _status_error(self, response: requests.Response, what: str) -> Exception:
        status = response.status_code
        message, reasons = _google_error(response)
        said = f": {message}" if message else ""
        if reasons & (KEY_REASONS | KEY_DETAILS) or (status == 400 and "API key" in message):
            return DriveKeyRejected(
                f"Google refused the API key{said} Check DRIVE_API_KEY, that the Google "
                "Drive API is enabled in the key's project, and the key's restrictions."
            )
        if reasons & RATE_REASONS or status == 429:
            return DriveUnavailable(
                f"Google Drive's rate limit for this API key is reached ({what}); Docent "
                "tries again later"
            )
        if status == 403 and "unregistered callers" in message:
            return DriveKeyRejected("Google Drive asks for an API key: set DRIVE_API_KEY")
        if status == 404:
            return DriveNotFound(
                f"Google Drive has no {what} that anyone with the link may see (deleted, or "
                "no longer shared)"
            )
        if status == 403 and "fileNotDownloadable" in reasons:
            return DriveForbidden(f"Google Drive does not let {what} be downloaded: it is a "
                                  "Google Docs file, not a picture")
        if status in (401, 403):
            return DriveForbidden(f"Google Drive refuses {what} to this API key{said}")
        if 300 <= status < 400:
            return DriveUnavailable(f"Google Drive sent Docent elsewhere ({status}) for {what}")
        if status == 400:
            return DriveForbidden(f"Google Drive refused the request for {what}{said}")
        return DriveUnavailable(f"Google Drive answered {status} for {what}")

    def _blocks(self, response: requests.Response, *, what: str, limit: int, deadline: float,
                min_rate: float) -> Iterator[bytes]:
        """The body in blocks, cut off when larger than `limit` bytes, slower than
        `deadline` seconds in all, or (after `rate_window` s) than `min_rate` bytes a second."""
        try:
            yield from http.body_blocks(response, limit=limit, deadline=deadline,
                                        min_rate=min_rate, rate_window=self.rate_window)
        except http.BodyCut as cut:
            raise DriveUnavailable(
                f"Google Drive's answer for {what} was cut short: the connection broke "
                f"after {cut.received} bytes ({cut.cause})"
            ) from None
        except http.BodyTooLarge as large:
            raise DriveUnavailable(
                f"Google Drive sent more than {large.megabytes} MB for {what}; Docent stopped "
                "reading"
            ) from None
        except http.BodyTooSlow as slow:
            raise DriveUnavailable(
                f"Google Drive took more than {slow.deadline:g} s to send {what}; it is tried "
                "again later"
            ) from None
        except http.BodyBelowRate as slow:
            raise DriveUnavailable(
                f"Google Drive sends {what} at {slow.rate / 1024:.1f} KB/s, below "
                f"{slow.min_rate / 1024:g} KB/s; it is tried again later"
            ) from None


def from_settings() -> DriveClient:
    """The Drive client for DRIVE_API_KEY: one per process and settings, shared by every
    request and thread so its connections stay open."""
    from django.conf import settings

    key = (getattr(settings, "DRIVE_API_KEY", "") or "").strip()
    if not key:
        raise DriveNotConfigured(
            "Google Drive is not configured: set DRIVE_API_KEY=<API key> and "
            "DRIVE_FOLDER_URL=<the folder's share link> in .env"
        )
    options = {
        "api_key": key, "api_url": getattr(settings, "DRIVE_API_URL", "") or DEFAULT_API_URL,
        "timeout": getattr(settings, "DRIVE_TIMEOUT", 15),
        "download_timeout": getattr(settings, "DRIVE_DOWNLOAD_TIMEOUT", 900),
    }
    return _shared.get(options, DriveClient,
                       invalid=lambda exc: DriveNotConfigured(f"DRIVE_API_URL in .env: {exc}"))


def folder_from_settings() -> str:
    """The id of the folder DRIVE_FOLDER_URL names."""
    from django.conf import settings

    text = (getattr(settings, "DRIVE_FOLDER_URL", "") or "").strip()
    if not text:
        raise DriveNotConfigured(
            "No Google Drive folder is set: put its share link in DRIVE_FOLDER_URL in .env")
    try:
        return parse_folder_id(text)
    except ValueError as exc:
        raise DriveNotConfigured(f"DRIVE_FOLDER_URL in .env: {exc}") from None


POOL_SIZE = 16
MAX_SHARED = 4
_shared: http.SharedClients[DriveClient] = http.SharedClients(
    most=MAX_SHARED, close=lambda client: client._session.close())


def _pooled_session() -> requests.Session:
    return http.pooled_session(pool_size=POOL_SIZE, hosts=2)


# -- parsing: every value may be missing or of another type ------------------------------


def _google_error(response: requests.Response) -> tuple[str, set[str]]:
    """Google's message (one line, shortened) and every reason its error JSON names."""
    try:
        body = response.raw.read(MAX_ERROR_BYTES, decode_content=True)
        error = json.loads(body).get("error")
    except (ValueError, AttributeError, OSError, urllib3.exceptions.HTTPError):
        return "", set()
    if not isinstance(error, dict):
        return "", set()
    reasons = {entry.get("reason") for entry in _list(error.get("errors"))}
    reasons |= {entry.get("reason") for entry in _list(error.get("details"))}
    message = re.sub(r"[\x00-\x1f\x7f]+", " ", _text(error.get("message")))[:300].strip()
    return message, {reason for reason in reasons if isinstance(reason, str)}


def _entry(data: Any) -> Entry | None:
    if not isinstance(data, dict) or not _ID.fullmatch(_text(data.get("id"))):
        return None
    image = data.get("imageMediaMetadata")
    image = image if isinstance(image, dict) else {}
    parents = data.get("parents")
    parent = parents[0] if isinstance(parents, list) and parents else ""
    link = _text(data.get("thumbnailLink"))
    return Entry(
        id=_text(data["id"]), name=_text(data.get("name")) or _text(data["id"]),
        mime_type=_text(data.get("mimeType")), parent_id=_text(parent),
        size=_int(data.get("size")), md5=_text(data.get("md5Checksum")),
        created_at=_datetime(data.get("createdTime")),
        modified_at=_datetime(data.get("modifiedTime")),
        width=_int(image.get("width")), height=_int(image.get("height")),
        rotation=_int(image.get("rotation")),
        thumbnail_link=link if link.startswith(("https://", "http://")) else "",
        taken_at=_exif_date(image.get("time")), trashed=data.get("trashed") is True,
    )


def _list(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _exif_date(value: Any) -> date | None:
    """The day of an EXIF time as Drive sends it: "2019:03:14 10:00:00"."""
    if not isinstance(value, str):
        return None
    try:
        return date(*(int(part) for part in value.strip()[:10].split(":")))
    except (TypeError, ValueError):
        return None

