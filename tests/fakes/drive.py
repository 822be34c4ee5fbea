"""A fake Google Drive API v3 over real HTTP, as an API key (no OAuth) sees it.

A ThreadingHTTPServer on 127.0.0.1 and a free port, in a background thread,
shaped after the published reference (developers.google.com/drive/api/reference/rest/v3
and the "Resolve errors" guide):

- `GET /drive/v3/files`: `q` (terms joined by `and`, a parenthesised group of
  terms joined by `or`: `'<id>' in parents`, `trashed = false|true`,
  `mimeType = | != | contains '<x>'`, `name = | contains '<x>'`), `fields`
  (the partial-response syntax: `nextPageToken, files(id, name)`, `files/id`,
  `*`), `pageSize` (1 to 1000, 100 by default) and `pageToken` → `nextPageToken`,
  `orderBy` (`folder`, `name`, `name_natural`, `createdTime`, `modifiedTime`, each
  with `desc`); `supportsAllDrives`, `includeItemsFromAllDrives`, `corpora`,
  `spaces`, `alt=json` and `prettyPrint` are accepted.
- `GET /drive/v3/files/{id}`: metadata with `fields`; `alt=media` sends the
  content, honouring `Range` (206) as google-api-python-client's
  MediaIoBaseDownload asks; a Google Docs file answers 403 `fileNotDownloadable`.
- thumbnails at `/lh3/drive-storage/<token>=s<size>`, standing in for the
  `https://lh3.googleusercontent.com/drive-storage/…=s220` links Drive hands
  out: no key needed, the size is the `=s` suffix (longest side), and a link
  stops working when `expire_thumbnail_links()` is called (Google's are
  short-lived), answering 404.

The key: `X-goog-api-key` header or `key=` query, as Google accepts both;
`requests` records which was used (`key_in`), and the key itself is never kept.
Only files shared "anyone with the link" (a public folder and everything under
it) are visible to a key: `files.get` of anything else answers 404 `notFound`,
and a listing of a private folder's children is empty, as Drive's is.

Errors are Google's JSON: `{"error": {"code", "message", "errors": [{"domain",
"reason", "message", …}], "status"}}`. A wrong key gets 400 `badRequest` with
the `API_KEY_INVALID` detail; `key_refused` answers 403 (`SERVICE_DISABLED`, the API not
enabled; `API_KEY_SERVICE_BLOCKED`, a key restricted to other APIs); no key gets
403 `PERMISSION_DENIED`; `quota`
answers 403 `userRateLimitExceeded` (`rate_limit_reason`: or `rateLimitExceeded`;
`rate_limit_status=429`: 429 `rateLimitExceeded`) to the next N API requests;
`fail_paths` answers 500 `backendError`; `stop()`/`start()` is Drive down;
`slow` delays every answer; `reset_downloads` sends half a file and drops the
connection; `delete(id)` makes a file 404 everywhere; `max_page` cuts pages short
as Drive may; `thumbnail_base` points thumbnailLinks at another server (a hostile answer).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
import secrets
import socket
import struct
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pillow_heif
from PIL import Image, ImageOps

from tests import imaging_corpus
from tests.fakes.httpserver import FakeHandler, FakeServer

pillow_heif.register_heif_opener()

FOLDER = "application/vnd.google-apps.folder"
GOOGLE_DOC = "application/vnd.google-apps.document"
CREATED = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"
DEFAULT_LIST_FIELDS = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)"


# -- the data model --------------------------------------------------------------------


@dataclass(eq=False)
class FakeFile:
    id: str
    name: str
    mime_type: str
    parent: FakeFile | None
    data: bytes = b""
    shared: bool = False  # "anyone with the link" on this file itself
    trashed: bool = False
    created: datetime = CREATED
    width: int | None = None
    height: int | None = None
    rotation: int | None = None
    broken: bool = False  # not decodable: Drive makes no thumbnail
    taken: str = ""  # imageMediaMetadata.time, as Drive reads it from EXIF
    children: list[FakeFile] = field(default_factory=list)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    @property
    def public(self) -> bool:
        """Shared itself or inside a shared folder: what a key may see."""
        node: FakeFile | None = self
        while node is not None:
            if node.shared:
                return True
            node = node.parent
        return False


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]  # without `key`
    headers: dict[str, str]  # without X-goog-api-key
    key_in: str | None  # "header", "query" or None
    client: tuple[str, int] = ("", 0)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class FakeDownload:
    file_id: str
    range: str | None
    sent: int
    complete: bool


# -- sample files: made once per test session -------------------------------------------


@functools.cache
def sample_files() -> dict[str, bytes]:
    """Pictures of every kind the imaging tests use, drawn with tests/imaging_corpus.py."""
    with tempfile.TemporaryDirectory(prefix="fake-drive-") as name:
        directory = Path(name)
        alpha = Image.new("RGBA", (640, 480), (255, 0, 0, 0))
        alpha.paste((0, 0, 255, 255), (0, 0, 320, 240))
        formats = imaging_corpus.format_samples(directory)
        return {
            "big.jpg": _encode(imaging_corpus.photo_like((6000, 4000)), "JPEG", quality=90),
            "portrait.jpg": imaging_corpus.oriented_jpeg(directory, 6, (1500, 2000)).read_bytes(),
            "panorama.png": imaging_corpus.panorama_png(directory, (6000, 1500)).read_bytes(),
            "photo.heic": imaging_corpus.heic(directory, (800, 600)).read_bytes(),
            "alpha.png": _encode(alpha, "PNG"),
            "small.jpg": _encode(imaging_corpus.marked((640, 480)), "JPEG", quality=90),
            "truncated.jpg": imaging_corpus.truncated_jpeg(directory).read_bytes(),
            **{f"format.{path.name}": path.read_bytes() for path in formats.values()},
            "format.marked.bmp": imaging_corpus.unsupported_sample(directory).read_bytes(),
            "notes.txt": imaging_corpus.text_file(directory).read_bytes(),
        }


MIME_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "webp": "image/webp", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
    "heic": "image/heif", "heif": "image/heif", "mpo": "image/jpeg", "txt": "text/plain",
}


def _encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


# -- the server --------------------------------------------------------------------------


class FakeDrive(FakeServer):
    """Google Drive on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self, *, api_key: str | None = None, max_page: int | None = None) -> None:
        super().__init__(handler=_Handler, name="fake-drive")
        self.api_key = api_key or f"AIzaFake{secrets.token_urlsafe(24)}"
        self.files: dict[str, FakeFile] = {}
        # faults
        self.max_page = max_page
        self.quota = 0  # API requests still to refuse for the rate limit
        self.rate_limit_status = 403
        self.rate_limit_reason = "userRateLimitExceeded"  # or rateLimitExceeded
        #: A right key Google refuses all the same: "disabled" (the Drive API is not
        #: enabled in its project) or "blocked" (the key is restricted to other APIs).
        self.key_refused: str | None = None
        self.reset_downloads = False
        self.deleted: set[str] = set()
        self.thumbnail_base: str | None = None  # where thumbnailLinks point, when not here
        # records
        self.downloads: list[FakeDownload] = []
        self._links: dict[str, str] = {}  # thumbnail token -> file id
        self._link_generation = 0

    # -- content --------------------------------------------------------------------
    def add_folder(self, parent: FakeFile | None, name: str, *, shared: bool = False
                   ) -> FakeFile:
        return self._add(FakeFile(id=_new_id(), name=name, mime_type=FOLDER, parent=parent,
                                  shared=shared))

    def add_file(
        self, parent: FakeFile | None, name: str, data: bytes, *, mime_type: str | None = None,
        broken: bool = False,
    ) -> FakeFile:
        """A file; an image's width, height and rotation are read from `data` unless broken."""
        mime_type = mime_type or MIME_TYPES.get(name.rpartition(".")[2].lower(),
                                                "application/octet-stream")
        item = FakeFile(id=_new_id(), name=name, mime_type=mime_type, parent=parent, data=data,
                        broken=broken, created=CREATED + timedelta(minutes=len(self.files)))
        if mime_type.startswith("image/") and not broken:
            with Image.open(io.BytesIO(data)) as image:
                item.width, item.height = image.size
                item.rotation = {3: 2, 6: 1, 8: 3}.get(image.getexif().get(0x0112, 1), 0)
        return self._add(item)

    def _add(self, item: FakeFile) -> FakeFile:
        if item.parent is not None:
            item.parent.children.append(item)
        self.files[item.id] = item
        return item

    def find(self, name: str) -> FakeFile:
        return next(item for item in self.files.values() if item.name == name)

    # -- faults ---------------------------------------------------------------------
    def delete(self, file_id: str) -> None:
        self.deleted.add(file_id)

    def expire_thumbnail_links(self) -> None:
        """Every thumbnailLink handed out so far stops working, as Google's do in hours."""
        self._links.clear()
        self._link_generation += 1

    # -- records ------------------------------------------------------------------
    def requests_to(self, prefix: str) -> list[FakeRequest]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def clear_records(self) -> None:
        self.requests.clear()
        self.downloads.clear()

    # -- answers (called from the handler threads) ------------------------------------
    def visible(self, file_id: str) -> FakeFile | None:
        item = self.files.get(file_id)
        if item is None or file_id in self.deleted or not item.public:
            return None
        return item

    def thumbnail_link(self, item: FakeFile) -> str | None:
        if item.broken or not item.mime_type.startswith("image/"):
            return None
        token = next((t for t, i in self._links.items() if i == item.id), None)
        if token is None:
            token = secrets.token_urlsafe(30)
            self._links[token] = item.id
        return f"{self.thumbnail_base or self.url}/lh3/drive-storage/{token}=s220"

def _new_id() -> str:
    """An id shaped like Drive's: 33 characters of the URL-safe alphabet, starting with 1."""
    return "1" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()[:32]


def add_standard_content(fake: FakeDrive) -> FakeDrive:
    """A shared folder with nested folders, pictures of every kind, a text file, a Google
    Doc and a trashed picture; beside it a private folder.

    Frame art/ (shared)          Harbour (6000x4000 JPEG), Notes (text), Plan (Google Doc),
                                 Old (trashed JPEG)
      Travel/                    Passport (PNG with alpha), Portrait (EXIF orientation 6),
                                 Panorama (6000x1500 PNG), Cenote (HEIC)
        Mexico/                  Airport (JPEG), Broken (truncated JPEG)
      Formats/                   one file per format of imaging_corpus.format_samples
    Private/ (not shared)        Secret (JPEG)
    """
    files = sample_files()
    art = fake.add_folder(None, "Frame art", shared=True)
    fake.add_file(art, "harbour.jpg", files["big.jpg"]).taken = "2019:03:14 07:12:00"
    fake.add_file(art, "notes.txt", files["notes.txt"])
    fake.add_file(art, "Plan", b"", mime_type=GOOGLE_DOC)
    old = fake.add_file(art, "old.jpg", files["small.jpg"])
    old.trashed = True
    travel = fake.add_folder(art, "Travel")
    fake.add_file(travel, "passport.png", files["alpha.png"])
    fake.add_file(travel, "IMG_0042.JPG", files["portrait.jpg"])
    fake.add_file(travel, "panorama.png", files["panorama.png"])
    fake.add_file(travel, "IMG_0077.HEIC", files["photo.heic"])
    mexico = fake.add_folder(travel, "Mexico")
    fake.add_file(mexico, "airport.jpg", files["small.jpg"])
    fake.add_file(mexico, "broken.jpg", files["truncated.jpg"], broken=True)
    formats = fake.add_folder(art, "Formats")
    for key, data in sorted(files.items()):
        if key.startswith("format."):
            fake.add_file(formats, key.partition(".")[2], data)
    private = fake.add_folder(None, "Private")
    fake.add_file(private, "secret.jpg", files["small.jpg"])
    return fake


# -- queries, fields and paging ---------------------------------------------------------


class _Invalid(Exception):
    """A parameter Drive would refuse with 400 `invalid`."""

    def __init__(self, location: str, message: str = "Invalid Value") -> None:
        super().__init__(message)
        self.location, self.message = location, message


_STRING = r"'((?:[^'\\]|\\.)*)'"
_TERMS = [
    (re.compile(rf"{_STRING}\s+in\s+parents", re.I),
     lambda f, v: f.parent is not None and f.parent.id == v),
    (re.compile(r"trashed\s*=\s*(true|false)", re.I),
     lambda f, v: f.trashed == (v.lower() == "true")),
    (re.compile(rf"mimeType\s*=\s*{_STRING}"), lambda f, v: f.mime_type == v),
    (re.compile(rf"mimeType\s*!=\s*{_STRING}"), lambda f, v: f.mime_type != v),
    (re.compile(rf"mimeType\s+contains\s+{_STRING}"), lambda f, v: v in f.mime_type),
    (re.compile(rf"name\s*=\s*{_STRING}"), lambda f, v: f.name == v),
    (re.compile(rf"name\s+contains\s+{_STRING}"), lambda f, v: v.lower() in f.name.lower()),
]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _term(text: str):
    text = text.strip()
    for pattern, test in _TERMS:
        if match := pattern.fullmatch(text):
            value = _unescape(match[1])
            return lambda f, test=test, value=value: test(f, value)
    raise _Invalid("q")


def parse_query(q: str):
    """A predicate for the `q` forms Docent and google-api-python-client send: terms joined
    by `and`, any of them a parenthesised group of terms joined by `or`."""
    clauses = []
    for part in _split(q, " and "):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            options = [_term(option) for option in _split(part[1:-1], " or ")]
            clauses.append(lambda f, options=options: any(test(f) for test in options))
        elif part:
            clauses.append(_term(part))
    return lambda f: all(test(f) for test in clauses)


def _split(text: str, word: str) -> list[str]:
    """`text` split on `word` outside quotes and parentheses (case-insensitive)."""
    parts, depth, quoted, start, at = [], 0, False, 0, 0
    lower = text.lower()
    while at < len(text):
        char = text[at]
        if char == "\\" and quoted:
            at += 2
            continue
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and lower.startswith(word, at):
            parts.append(text[start:at])
            at += len(word)
            start = at
            continue
        at += 1
    if quoted or depth:
        raise _Invalid("q")
    parts.append(text[start:])
    return parts


def parse_fields(mask: str) -> dict[str, Any]:
    """The partial-response mask as a tree: {"files": {"id": {}, "name": {}}}; {} is all."""
    tree: dict[str, Any] = {}
    for part in _split_fields(mask):
        part = part.strip()
        if not part:
            continue
        if "(" in part:
            if not part.endswith(")"):
                raise _Invalid("fields")
            name, inner = part.split("(", 1)
            node = _path(tree, name.strip())
            node.update(parse_fields(inner[:-1]))
        else:
            _path(tree, part)
    return tree


def _path(tree: dict[str, Any], path: str) -> dict[str, Any]:
    node = tree
    for name in path.split("/"):
        if not re.fullmatch(r"[A-Za-z*][A-Za-z0-9_]*|\*", name):
            raise _Invalid("fields")
        node = node.setdefault(name, {})
    return node


def _split_fields(mask: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for at, char in enumerate(mask):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise _Invalid("fields")
        elif char == "," and depth == 0:
            parts.append(mask[start:at])
            start = at + 1
    if depth:
        raise _Invalid("fields")
    parts.append(mask[start:])
    return parts


def select(resource: dict[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    if not tree or "*" in tree:
        return resource
    out = {}
    for name, inner in tree.items():
        if name not in resource:
            continue
        value = resource[name]
        if isinstance(value, list) and inner:
            out[name] = [select(v, inner) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict) and inner:
            out[name] = select(value, inner)
        else:
            out[name] = value
    return out


def _resource(fake: FakeDrive, item: FakeFile) -> dict[str, Any]:
    """Every field Docent may ask for, as Drive v3 writes them (int64 sizes as strings)."""
    stamp = item.created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out: dict[str, Any] = {
        "kind": "drive#file", "id": item.id, "name": item.name, "mimeType": item.mime_type,
        "parents": [item.parent.id] if item.parent else [], "trashed": item.trashed,
        "createdTime": stamp, "modifiedTime": stamp,
        "webViewLink": f"https://drive.google.com/file/d/{item.id}/view?usp=drivesdk",
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{item.mime_type}",
        "hasThumbnail": False,
    }
    if not item.is_folder and not item.mime_type.startswith("application/vnd.google-apps"):
        out |= {
            "size": str(len(item.data)), "originalFilename": item.name,
            "md5Checksum": hashlib.md5(item.data).hexdigest(),
        }
        if "." in item.name:
            out["fileExtension"] = item.name.rpartition(".")[2]
    if link := fake.thumbnail_link(item):
        out |= {"thumbnailLink": link, "hasThumbnail": True}
    if item.width:
        out["imageMediaMetadata"] = {
            "width": item.width, "height": item.height, "rotation": item.rotation or 0,
            **({"time": item.taken} if item.taken else {}),
        }
    return out


_ORDER_KEYS = {
    "folder": lambda f: not f.is_folder, "name": lambda f: f.name,
    "name_natural": lambda f: [int(t) if t.isdigit() else t.lower()
                               for t in re.split(r"(\d+)", f.name)],
    "createdTime": lambda f: f.created, "modifiedTime": lambda f: f.created,
}


def _ordered(items: list[FakeFile], order_by: str) -> list[FakeFile]:
    keys = []
    for part in order_by.split(","):
        words = part.split()
        if not words or words[0] not in _ORDER_KEYS or words[1:] not in ([], ["desc"]):
            raise _Invalid("orderBy")
        keys.append((_ORDER_KEYS[words[0]], words[1:] == ["desc"]))
    for key, reverse in reversed(keys):
        items = sorted(items, key=key, reverse=reverse)
    return items


# -- errors, as Google writes them -------------------------------------------------------


def google_error(code: int, message: str, reason: str, *, domain: str = "global",
                 status: str | None = None, location: str | None = None,
                 details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location:
        entry |= {"location": location, "locationType": "parameter"}
    error: dict[str, Any] = {"code": code, "message": message, "errors": [entry]}
    if status:
        error["status"] = status
    if details:
        error["details"] = details
    return {"error": error}


def _key_invalid() -> dict[str, Any]:
    message = "API key not valid. Please pass a valid API key."
    return google_error(400, message, "badRequest", status="INVALID_ARGUMENT", details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
        "domain": "googleapis.com", "metadata": {"service": "drive.googleapis.com"},
    }])


def _key_refused(why: str) -> dict[str, Any]:
    if why == "disabled":
        message = ("Google Drive API has not been used in project 123456789012 before or it "
                   "is disabled. Enable it by visiting https://console.developers.google.com/"
                   "apis/api/drive.googleapis.com/overview?project=123456789012 then retry.")
        reason, detail = "accessNotConfigured", "SERVICE_DISABLED"
    else:
        message = ("Requests to this API drive.googleapis.com method "
                   "google.apps.drive.v3.DriveFiles.List are blocked.")
        reason, detail = "forbidden", "API_KEY_SERVICE_BLOCKED"
    return google_error(403, message, reason, domain="usageLimits", status="PERMISSION_DENIED",
                        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                  "reason": detail, "domain": "googleapis.com"}])


def _unregistered() -> dict[str, Any]:
    message = (
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API."
    )
    return google_error(403, message, "forbidden", status="PERMISSION_DENIED")


def _not_found(file_id: str) -> dict[str, Any]:
    return google_error(404, f"File not found: {file_id}.", "notFound", location="fileId")


def _rate_limited(status: int, reason: str) -> dict[str, Any]:
    if status == 429:
        return google_error(429, "Rate Limit Exceeded", "rateLimitExceeded",
                            domain="usageLimits", status="RESOURCE_EXHAUSTED")
    message = {"userRateLimitExceeded": "User Rate Limit Exceeded"}.get(
        reason, "Rate Limit Exceeded")
    return google_error(403, message, reason, domain="usageLimits", status="PERMISSION_DENIED")


# -- HTTP ----------------------------------------------------------------------------------


class _Answer(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


_FILE = re.compile(r"/drive/v3/files/([^/]+)")
_THUMBNAIL = re.compile(r"/lh3/drive-storage/([A-Za-z0-9_-]+)=s(\d+)")


class _Handler(FakeHandler):
    def do_GET(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        header_key = self.headers.get("X-goog-api-key")
        query_key = query.pop("key", None)
        fake.requests.append(FakeRequest(
            method="GET", path=path, query=query,
            headers={k: v for k, v in self.headers.items() if k.lower() != "x-goog-api-key"},
            key_in="header" if header_key else "query" if query_key else None,
            client=self.client_address[:2],
        ))
        if not fake._pause():
            self.close_connection = True
            return
        try:
            if match := _THUMBNAIL.fullmatch(path):
                return self._thumbnail(fake, match[1], int(match[2]))
            if not path.startswith("/drive/v3/"):
                raise _Answer(404, google_error(404, "Not Found", "notFound"))
            key = header_key or query_key
            if not key:
                raise _Answer(403, _unregistered())
            if key != fake.api_key:
                raise _Answer(400, _key_invalid())
            if fake.key_refused:
                raise _Answer(403, _key_refused(fake.key_refused))
            if fake.quota > 0:
                fake.quota -= 1
                raise _Answer(fake.rate_limit_status,
                              _rate_limited(fake.rate_limit_status, fake.rate_limit_reason))
            if any(path.startswith(prefix) for prefix in fake.fail_paths):
                raise _Answer(500, google_error(500, "Internal Error", "backendError"))
            if path == "/drive/v3/files":
                return self._list(fake, query)
            if match := _FILE.fullmatch(path):
                return self._get(fake, match[1], query)
            raise _Answer(404, google_error(404, "Not Found", "notFound"))
        except _Answer as answer:
            self._json(answer.status, answer.body)
        except _Invalid as invalid:
            self._json(400, google_error(400, invalid.message, "invalid",
                                         location=invalid.location))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            fake.errors.append(traceback.format_exc())
            self._json(500, google_error(500, "fake drive error", "backendError"))

    # -- files.list and files.get --------------------------------------------------------
    def _list(self, fake: FakeDrive, query: dict[str, str]) -> None:
        tree = parse_fields(query.get("fields") or DEFAULT_LIST_FIELDS)
        test = parse_query(query.get("q", ""))
        try:
            size = int(query.get("pageSize", "100"))
        except ValueError:
            raise _Invalid("pageSize") from None
        if not 1 <= size <= 1000:
            raise _Invalid("pageSize")
        if fake.max_page:
            size = min(size, fake.max_page)
        items = [f for f in fake.files.values()
                 if f.public and f.id not in fake.deleted and test(f)]
        if order := query.get("orderBy"):
            items = _ordered(items, order)
        start = _page_start(query.get("pageToken"), query.get("q", ""))
        page = items[start:start + size]
        answer: dict[str, Any] = {
            "kind": "drive#fileList", "incompleteSearch": False,
            "files": [_resource(fake, item) for item in page],
        }
        if start + size < len(items):
            answer["nextPageToken"] = _page_token(start + size, query.get("q", ""))
        self._json(200, select(answer, tree))

    def _get(self, fake: FakeDrive, file_id: str, query: dict[str, str]) -> None:
        item = fake.visible(file_id)
        if item is None:
            raise _Answer(404, _not_found(file_id))
        if query.get("alt") == "media":
            return self._media(fake, item)
        tree = parse_fields(query.get("fields") or DEFAULT_FILE_FIELDS)
        self._json(200, select(_resource(fake, item), tree))

    def _media(self, fake: FakeDrive, item: FakeFile) -> None:
        if item.is_folder or item.mime_type.startswith("application/vnd.google-apps"):
            message = ("Only files with binary content can be downloaded. Use Export with Docs "
                       "Editors files.")
            raise _Answer(403, google_error(403, message, "fileNotDownloadable",
                                            location="alt"))
        data, status, headers = item.data, 200, {}
        asked = self.headers.get("Range")
        if asked and (match := re.fullmatch(r"bytes=(\d+)-(\d*)", asked.strip())):
            first = int(match[1])
            last = min(int(match[2]) if match[2] else len(data) - 1, len(data) - 1)
            if first >= len(data):
                self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
                return
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            data, status = data[first:last + 1], 206
        sent = len(data) // 2 if fake.reset_downloads else len(data)
        fake.downloads.append(FakeDownload(file_id=item.id, range=asked, sent=sent,
                                           complete=sent == len(data)))
        self._start(status, item.mime_type, len(data), headers)
        self.wfile.write(data[:sent])
        if sent < len(data):
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True

    def _thumbnail(self, fake: FakeDrive, token: str, size: int) -> None:
        file_id = fake._links.get(token)
        item = fake.visible(file_id) if file_id else None
        if item is None:
            self._send(404, b"<html><body>Not Found</body></html>", "text/html")
            return
        with Image.open(io.BytesIO(item.data)) as image:
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((size, size))
            body = _encode(upright.convert("RGB"), "JPEG", quality=80)
        self._send(200, body, "image/jpeg")

    # -- helpers ------------------------------------------------------------------------
    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body, indent=2).encode(), "application/json; charset=UTF-8")

    def _start(self, status: int, content_type: str, length: int,
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Vary", "Origin, X-Origin")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self._start(status, content_type, len(body), headers)
        self.wfile.write(body)


def _page_token(start: int, q: str) -> str:
    raw = json.dumps([start, q]).encode()
    return "~!!~" + base64.urlsafe_b64encode(raw).decode()


def _page_start(token: str | None, q: str) -> int:
    """Where a page token leads; Drive refuses a token made for another query."""
    if not token:
        return 0
    try:
        start, made_for = json.loads(base64.urlsafe_b64decode(token.removeprefix("~!!~")))
    except (ValueError, TypeError):
        raise _Invalid("pageToken") from None
    if made_for != q or not isinstance(start, int) or start < 0:
        raise _Invalid("pageToken")
    return start
