"""A fake Plex Media Server over real HTTP, following docs/plex-photo-api.md.

A ThreadingHTTPServer on 127.0.0.1 and a free port, in a background thread. One
data model (sections, albums, photos, clips) rendered two ways: JSON when the
request's `Accept` is exactly `application/json` (what PlexClient sends), XML
otherwise, as PMS does by default; python-plexapi sends no `Accept` of its own
(requests' `*/*`) and parses XML.

Endpoints: `/identity` (no token), `/`, `/library`, `/library/sections` (and
`/library/sections/all`), `/library/sections/{id}/all`, `/library/metadata/{ids}`,
`/library/metadata/{id}/children`, `/library/metadata/{id}/thumb/{stamp}`,
`/library/parts/{part}/{stamp}/file.{ext}` (original bytes, `?download=1` adds
Content-Disposition) and `/photo/:/transcode` (a real JPEG made with Pillow).
Anything else is 404.

Listing rules (§4.5, §5): no parameters lists the top folder; `type=13/14/12`
filters the top folder only; a `title=` filter searches every level;
`clusterZoomLevel=1` is the flat list of every photo and clip, in depth-first
order. `X-Plex-Container-Start/Size` are read from headers, then the query;
`max_page` makes the server cut pages short; `limit=` caps the collection;
`sort` and `includeGuids` are accepted and ignored. Paged answers carry
`offset` and `totalSize` (unless `send_total_size` is False); un-paged ones only
`size`.

Token: `X-Plex-Token` as header or query argument, as real Plex accepts; every
request is recorded (`requests`: path, query, raw query string, headers without
the token, where the token came from, and the client's address and port, one per
connection) so tests can assert where it travelled and what was kept alive.
A missing or wrong token gets the real 91-byte HTML 401 (on `/` too, where real PMS
adds a redirect script).

Faults, switchable at any time: `stop()`/`start()` (down, same port), `slow`
(seconds before each answer), `fail_paths` (500 for paths starting with any
prefix), `reset_downloads` (headers and half the body, then the connection is
dropped), `forbid_downloads` (403 on parts), `revoke_token()` (401 from then on),
`replace_file(rating_key, data)` (a new, readable version of a photo),
`delete(rating_key)` (metadata, children, thumbnails and part answer 404; the item
stays in listings, as a file removed from disk does until the next scan, §8.8),
`json_strings` (every JSON number and boolean sent as text), `ignore_start` (a
broken server that always answers the first page), `unpaged` (whole lists, no
`offset`/`totalSize`), `total_in_header_only` (the total in
`X-Plex-Container-Total-Size` only), `secure_required` (Secure connections:
Required; plain HTTP gets the 401 page), `slow_thumbnails` (seconds per transcode),
`download_rate` (bytes a second), `growing_downloads` (a file still being written:
chunked, no length, longer than listed), `thumbnail_padding` / `json_padding`
(huge answers, chunked; `streamed` records how much got out before the client
hung up), `change_file_behind_plex(rating_key, data)` (listings keep the old
size), and per item `listed_part_key` / `listed_thumb` (what a hostile server
hands out). Ids are read as numbers, as Plex does: `01021` is item 1021.

The transcoder cannot decode a corrupt file; what real PMS answers then is not
documented: the fake answers 404.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import secrets
import socket
import struct
import tempfile
import traceback
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.etree import ElementTree

import pillow_heif
from PIL import Image, ImageOps

from tests import imaging_corpus
from tests.fakes.httpserver import FakeHandler, FakeServer

pillow_heif.register_heif_opener()

UNAUTHORIZED = (
    b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)
ADDED_AT = 1_700_000_000  # 2023-11-14
PART_IDS = 1_000_000  # part id = rating key + PART_IDS
MEDIA_IDS = 2_000_000
IDENTIFIER = "com.plexapp.plugins.library"
TAG_PREFIX = "/system/bundle/media/flags/"
TAG_VERSION = "1700000000"
TYPE_NUMBERS = {"1": "movie", "8": "artist", "12": "clip", "13": "photo", "14": "album"}
CONTENT_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "heic": "image/heic",
    "mp4": "video/mp4", "mkv": "video/x-matroska", "mp3": "audio/mpeg",
}


# -- the data model --------------------------------------------------------------------


@dataclass(eq=False)
class FakeSection:
    key: str
    title: str
    type: str  # photo, movie, artist
    uuid: str
    location: str
    top: list[FakeItem] = field(default_factory=list)

    def listing(self) -> Sequence[FakeItem]:
        """The top folder."""
        return self.top

    def everything(self) -> Sequence[FakeItem]:
        """Every item at every depth, albums included, depth-first."""
        return list(_walk(self.top))

    def flat(self) -> Sequence[FakeItem]:
        """clusterZoomLevel=1: every photo and clip of the section."""
        return [item for item in _walk(self.top) if item.kind in ("photo", "clip")]

    def find(self, rating_key: str) -> FakeItem | None:
        return None


@dataclass(eq=False)
class FakeItem:
    rating_key: str
    kind: str  # album, photo, clip, movie, artist
    title: str
    section: FakeSection
    parent: FakeItem | None = None
    children: list[FakeItem] = field(default_factory=list)
    data: bytes = b""
    file: str = ""
    container: str = ""
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    taken: date | None = None
    added_at: int = ADDED_AT
    index: int = 1
    broken: bool = False  # a corrupt file: no sizes, no thumbnail
    # What listings say instead of the truth, when set: a stale scan or a hostile server.
    listed_size: int | None = None
    listed_part_key: str | None = None
    listed_thumb: str | None = None

    @property
    def updated_at(self) -> int:
        return self.added_at + 60

    @property
    def key(self) -> str:
        suffix = "/children" if self.kind in ("album", "artist") else ""
        return f"/library/metadata/{self.rating_key}{suffix}"

    @property
    def part_id(self) -> int:
        return int(self.rating_key) + PART_IDS

    @property
    def part_key(self) -> str:
        extension = self.file.rpartition(".")[2] if "." in self.file else self.container
        return f"/library/parts/{self.part_id}/{self.updated_at}/file.{extension}"

    @property
    def thumb(self) -> str | None:
        if self.broken:
            return None
        return f"/library/metadata/{self.rating_key}/thumb/{self.updated_at}"

    @property
    def ancestors(self) -> list[FakeItem]:
        """The albums above this item, outermost first."""
        chain, parent = [], self.parent
        while parent is not None:
            chain.insert(0, parent)
            parent = parent.parent
        return chain


def _walk(items: Sequence[FakeItem]) -> Iterator[FakeItem]:
    for item in items:
        yield item
        yield from _walk(item.children)


class SyntheticSection(FakeSection):
    """A photo library of `count` photos at its root, made up on demand: metadata comes
    from the index and every photo serves the same small JPEG."""

    def __init__(self, *, base: int, count: int, clip_every: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base, self.count, self.clip_every = base, count, clip_every
        self._items = _LazyItems(self)

    def listing(self) -> Sequence[FakeItem]:
        return self._items

    def everything(self) -> Sequence[FakeItem]:
        return self._items

    def flat(self) -> Sequence[FakeItem]:
        return self._items

    def find(self, rating_key: str) -> FakeItem | None:
        with contextlib.suppress(ValueError):
            index = int(rating_key) - self.base
            if 0 <= index < self.count:
                return self.make(index)
        return None

    def make(self, index: int) -> FakeItem:
        number = index + 1
        if self.clip_every and number % self.clip_every == 0:
            kind, data, file, container = "clip", _clip_bytes(), f"VID_{number:05d}.mp4", "mp4"
        else:
            kind, data, file, container = "photo", _small_jpeg(), f"IMG_{number:05d}.jpg", "jpeg"
        return FakeItem(
            rating_key=str(self.base + index), kind=kind, title=file.rpartition(".")[0],
            section=self, data=data, file=f"{self.location}/{file}", container=container,
            width=64, height=48, orientation=1 if kind == "photo" else None,
            taken=date(2015, 1, 1) + timedelta(days=index // 50), added_at=ADDED_AT + index,
            index=number,
        )


class _LazyItems(Sequence):
    def __init__(self, section: SyntheticSection) -> None:
        self.section = section

    def __len__(self) -> int:
        return self.section.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.section.make(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.section.make(index)


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]  # as sent, token included if it was sent there
    query_string: str
    headers: dict[str, str]  # without X-Plex-Token
    token_in: str | None  # "header", "query" or None
    client: tuple[str, int] = ("", 0)  # the connection's other end: one per connection

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def paging(self) -> tuple[int | None, int | None]:
        """(X-Plex-Container-Start, X-Plex-Container-Size), from header or query."""
        start, size = "X-Plex-Container-Start", "X-Plex-Container-Size"
        return (
            _number(self.header(start), self.query.get(start)),
            _number(self.header(size), self.query.get(size)),
        )


@dataclass(frozen=True)
class FakeDownload:
    rating_key: str
    path: str
    download: bool  # ?download=1 was asked
    size: int
    sent: int
    complete: bool


# -- sample files: made once per test session -------------------------------------------


@functools.cache
def sample_files() -> dict[str, bytes]:
    """The originals of the standard library, drawn with tests/imaging_corpus.py."""
    with tempfile.TemporaryDirectory(prefix="fake-plex-") as name:
        directory = Path(name)
        alpha = Image.new("RGBA", (640, 480), (255, 0, 0, 0))
        alpha.paste((0, 0, 255, 255), (0, 0, 320, 240))
        return {
            "big.jpg": _encode(imaging_corpus.photo_like((6000, 4000)), "JPEG", quality=90),
            "portrait.jpg": imaging_corpus.oriented_jpeg(directory, 6, (1500, 2000)).read_bytes(),
            "panorama.jpg": _encode(imaging_corpus.marked((12000, 3000)), "JPEG", quality=90),
            "photo.heic": imaging_corpus.heic(directory, (800, 600)).read_bytes(),
            "alpha.png": _encode(alpha, "PNG"),
            "small.jpg": _encode(imaging_corpus.marked((640, 480)), "JPEG", quality=90),
            "truncated.jpg": imaging_corpus.truncated_jpeg(directory).read_bytes(),
        }


@functools.cache
def _small_jpeg() -> bytes:
    return _encode(imaging_corpus.marked((64, 48)), "JPEG", quality=85)


@functools.cache
def _clip_bytes() -> bytes:
    """Not a playable video, but it starts like an MP4 and is never an image."""
    return struct.pack(">I4s4sI", 24, b"ftyp", b"mp42", 0) + b"mp42isom" + bytes(65_536)


def _encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


# -- the server --------------------------------------------------------------------------


class FakePlex(FakeServer):
    """A Plex Media Server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(
        self, *, token: str | None = None, name: str = "Fake Plex",
        version: str = "1.41.3.9314-a0bfb8370", max_page: int | None = None,
    ) -> None:
        super().__init__(handler=_Handler, name="fake-plex")
        self.token = token or f"fake-plex-token-{secrets.token_hex(8)}"
        self.name, self.version = name, version
        self.machine_identifier = uuid.uuid4().hex
        self.sections: list[FakeSection] = []
        # faults
        self.max_page = max_page
        self.reset_downloads = False
        self.forbid_downloads = False
        self.send_total_size = True
        self.ignore_start = False  # a broken server: every page starts at 0
        self.json_strings = False
        self.unpaged = False  # lists always whole, without offset or totalSize (§5)
        self.total_in_header_only = False  # X-Plex-Container-Total-Size but no totalSize
        self.secure_required = False  # Secure connections: Required; plain HTTP gets 401
        self.slow_thumbnails = 0.0  # seconds before each transcoder answer
        self.download_rate: float | None = None  # bytes a second, sent in small pieces
        self.growing_downloads = 0  # bytes past the file, sent chunked with no length
        self.thumbnail_padding = 0  # bytes after each thumbnail, sent chunked
        self.json_padding = 0  # bytes of padding in each JSON answer
        self.streamed: list[int] = []  # bytes each chunked answer got out before it ended
        self.deleted: set[str] = set()
        self.token_revoked = False
        # records
        self.downloads: list[FakeDownload] = []
        self._items: dict[str, FakeItem] = {}
        self._next_key = 100

    # -- faults ---------------------------------------------------------------------
    def revoke_token(self) -> None:
        """The token stops working (a revoked device, an expired JWT)."""
        self.token_revoked = True

    def delete(self, rating_key: str) -> None:
        self.deleted.add(str(rating_key))

    def change_file_behind_plex(self, rating_key: str, data: bytes) -> None:
        """The file on disk changes but Plex has not scanned it: listings keep the old size."""
        item = self.item(rating_key)
        item.listed_size = len(item.data) if item.listed_size is None else item.listed_size
        item.data = data

    def replace_file(self, rating_key: str, data: bytes) -> None:
        """The owner swaps the photo's file for a readable one; Plex notices on its scan."""
        item = self.item(rating_key)
        with Image.open(io.BytesIO(data)) as image:
            item.width, item.height = image.size
            item.orientation = image.getexif().get(0x0112, 1)
        item.data, item.broken, item.added_at = data, False, item.added_at + 3600

    # -- records ------------------------------------------------------------------
    def requests_to(self, prefix: str) -> list[FakeRequest]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def clear_records(self) -> None:
        self.requests.clear()
        self.downloads.clear()

    # -- content ----------------------------------------------------------------------
    def add_section(self, title: str, type: str = "photo") -> FakeSection:
        key = str(len(self.sections) + 1)
        section = FakeSection(
            key=key, title=title, type=type, uuid=str(uuid.uuid4()),
            location=f"/data/{title.lower().replace(' ', '-')}",
        )
        self.sections.append(section)
        return section

    def add_synthetic_section(
        self, title: str, count: int, *, clip_every: int = 0
    ) -> SyntheticSection:
        """A photo library of `count` photos (every `clip_every`-th a clip), made up lazily."""
        section = SyntheticSection(
            base=self._next_key, count=count, clip_every=clip_every,
            key=str(len(self.sections) + 1), title=title, type="photo",
            uuid=str(uuid.uuid4()), location=f"/data/{title.lower().replace(' ', '-')}",
        )
        self._next_key += count
        self.sections.append(section)
        return section

    def add_album(self, parent: FakeSection | FakeItem, title: str) -> FakeItem:
        return self._add(parent, FakeItem(
            rating_key="", kind="album", title=title, section=_section_of(parent),
        ))

    def add_photo(
        self, parent: FakeSection | FakeItem, title: str, data: bytes, *, file: str,
        container: str = "jpeg", taken: date | None = None, broken: bool = False,
    ) -> FakeItem:
        """A photo; its sizes and EXIF orientation are read from `data` unless broken."""
        width = height = orientation = None
        if not broken:
            with Image.open(io.BytesIO(data)) as image:
                (width, height), orientation = image.size, image.getexif().get(0x0112, 1)
        return self._add(parent, FakeItem(
            rating_key="", kind="photo", title=title, section=_section_of(parent), data=data,
            file=self._path(parent, file), container=container, width=width, height=height,
            orientation=orientation if not broken else 1, taken=taken or date(2019, 3, 14),
            broken=broken,
        ))

    def add_clip(self, parent: FakeSection | FakeItem, title: str, *, file: str) -> FakeItem:
        return self._add(parent, FakeItem(
            rating_key="", kind="clip", title=title, section=_section_of(parent),
            data=_clip_bytes(), file=self._path(parent, file), container="mp4", width=1920,
            height=1080, taken=date(2019, 3, 15),
        ))

    def add_other(self, section: FakeSection, kind: str, title: str, *, file: str = "") -> FakeItem:
        """An item of a movie ("movie") or music ("artist") library."""
        data = _clip_bytes() if kind == "movie" else b""
        return self._add(section, FakeItem(
            rating_key="", kind=kind, title=title, section=section, data=data,
            file=self._path(section, file) if file else "", container="mkv",
        ))

    def find(self, title: str) -> FakeItem:
        """The first item with this title (standard content has unique titles)."""
        return next(item for item in self._items.values() if item.title == title)

    def item(self, rating_key: str) -> FakeItem | None:
        if rating_key.isdigit():
            rating_key = str(int(rating_key))  # Plex reads ids as numbers: 01021 is 1021
        item = self._items.get(str(rating_key))
        for section in self.sections:
            item = item or section.find(str(rating_key))
        return item

    def _add(self, parent: FakeSection | FakeItem, item: FakeItem) -> FakeItem:
        item.rating_key = str(self._next_key)
        self._next_key += 1
        item.added_at = ADDED_AT + int(item.rating_key)
        siblings = parent.top if isinstance(parent, FakeSection) else parent.children
        item.parent = parent if isinstance(parent, FakeItem) else None
        item.index = len(siblings) + 1
        siblings.append(item)
        self._items[item.rating_key] = item
        return item

    @staticmethod
    def _path(parent: FakeSection | FakeItem, name: str) -> str:
        if isinstance(parent, FakeSection):
            return f"{parent.location}/{name}"
        folders = [album.title for album in (*parent.ancestors, parent)]
        return "/".join([parent.section.location, *folders, name])


def _section_of(parent: FakeSection | FakeItem) -> FakeSection:
    return parent if isinstance(parent, FakeSection) else parent.section


def add_standard_content(fake: FakePlex) -> FakePlex:
    """Photos (nested albums, odd files, clips), plus a movie and a music library.

    Photos/                      Harbour at dawn (6000x4000 JPEG), Waves (clip)
      Travel/                    Passport (PNG with alpha)
        2019/                    Airport (JPEG)
          Mexico/                Oaxaca portrait (EXIF orientation 6), Tulum panorama
                                 (12000x3000), Cenote (HEIC), Snorkelling (clip)
      Family/                    Garden (JPEG), Broken (truncated JPEG), Birthday (clip)
    Movies/                      Big Buck Bunny
    Music/                       Some Band
    """
    files = sample_files()
    photos = fake.add_section("Photos")
    fake.add_photo(photos, "Harbour at dawn", files["big.jpg"], file="harbour.jpg")
    fake.add_clip(photos, "Waves", file="waves.mp4")
    travel = fake.add_album(photos, "Travel")
    fake.add_photo(travel, "Passport", files["alpha.png"], file="passport.png", container="png")
    year = fake.add_album(travel, "2019")
    fake.add_photo(year, "Airport", files["small.jpg"], file="airport.jpg")
    mexico = fake.add_album(year, "Mexico")
    fake.add_photo(mexico, "Oaxaca portrait", files["portrait.jpg"], file="IMG_0042.JPG")
    fake.add_photo(mexico, "Tulum panorama", files["panorama.jpg"], file="tulum-pano.jpg")
    fake.add_photo(mexico, "Cenote", files["photo.heic"], file="IMG_0077.HEIC", container="heif")
    fake.add_clip(mexico, "Snorkelling", file="snorkelling.mp4")
    family = fake.add_album(photos, "Family")
    fake.add_photo(family, "Garden", files["small.jpg"], file="garden.jpg")
    fake.add_photo(family, "Broken", files["truncated.jpg"], file="broken.jpg", broken=True)
    fake.add_clip(family, "Birthday", file="birthday.mp4")
    movies = fake.add_section("Movies", "movie")
    fake.add_other(movies, "movie", "Big Buck Bunny", file="bbb.mkv")
    music = fake.add_section("Music", "artist")
    fake.add_other(music, "artist", "Some Band")
    return fake


# -- rendering: one tree, as XML or JSON --------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, Any]
    children: list[Node] = field(default_factory=list)
    group: str | None = None  # the JSON array it goes in; its tag when None


def _xml(node: Node) -> bytes:
    def build(n: Node) -> ElementTree.Element:
        element = ElementTree.Element(n.tag, {
            k: ("1" if v else "0") if isinstance(v, bool) else str(v)
            for k, v in n.attrs.items() if v is not None
        })
        element.extend(build(child) for child in n.children)
        return element

    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(build(node))


def _json(node: Node, *, strings: bool) -> bytes:
    def build(n: Node) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in n.attrs.items():
            if v is None:
                continue
            if strings and isinstance(v, bool):
                v = "1" if v else "0"
            elif strings and isinstance(v, int | float):
                v = str(v)
            out[k] = v
        for child in n.children:
            out.setdefault(child.group or child.tag, []).append(build(child))
        return out

    return json.dumps({"MediaContainer": build(node)}).encode()


def _section_node(section: FakeSection) -> Node:
    agents = {
        "photo": ("com.plexapp.agents.none", "Plex Photo Scanner", "xn"),
        "movie": ("tv.plex.agents.movie", "Plex Movie", "en-US"),
        "artist": ("tv.plex.agents.music", "Plex Music", "en-US"),
    }
    agent, scanner, language = agents.get(section.type, agents["photo"])
    return Node("Directory", {
        "allowSync": True, "art": f"/:/resources/{section.type}-fanart.jpg",
        "composite": f"/library/sections/{section.key}/composite/{ADDED_AT}", "filters": True,
        "refreshing": False, "thumb": f"/:/resources/{section.type}.png", "key": section.key,
        "type": section.type, "title": section.title, "agent": agent, "scanner": scanner,
        "language": language, "uuid": section.uuid, "updatedAt": ADDED_AT,
        "createdAt": ADDED_AT, "scannedAt": ADDED_AT, "content": True, "directory": True,
        "contentChangedAt": 1234, "hidden": 0,
    }, [Node("Location", {"id": int(section.key) * 10, "path": section.location})])


def _item_node(item: FakeItem, *, detail: bool) -> Node:
    """An album, photo, clip, movie or artist as Plex lists it; `detail` adds the
    librarySection* attributes that /library/metadata carries (§4.6)."""
    attrs: dict[str, Any] = {
        "ratingKey": item.rating_key, "key": item.key, "guid": f"local://{item.rating_key}",
        "type": item.kind if item.kind in ("clip", "movie", "artist") else "photo",
        "title": item.title, "summary": "", "index": item.index,
        "thumb": item.thumb if item.listed_thumb is None else item.listed_thumb,
    }
    ancestors = item.ancestors
    for prefix, album in zip(("parent", "grandparent"), reversed(ancestors), strict=False):
        attrs |= {
            f"{prefix}RatingKey": album.rating_key, f"{prefix}Key": album.key[: -len("/children")],
            f"{prefix}Guid": f"local://{album.rating_key}", f"{prefix}Title": album.title,
            f"{prefix}Thumb": album.thumb,
        }
    if detail:
        attrs |= {
            "librarySectionTitle": item.section.title, "librarySectionID": int(item.section.key),
            "librarySectionKey": f"/library/sections/{item.section.key}",
        }
    if item.taken is not None:
        attrs |= {"year": item.taken.year, "originallyAvailableAt": item.taken.isoformat()}
    attrs |= {"addedAt": item.added_at, "updatedAt": item.updated_at}
    if item.kind in ("album", "artist"):
        attrs["composite"] = f"/library/metadata/{item.rating_key}/composite/{item.updated_at}"
        return Node("Directory", attrs, group="Metadata")
    part = {
        "id": item.part_id, "key": item.listed_part_key or item.part_key, "file": item.file,
        "size": len(item.data) if item.listed_size is None else item.listed_size,
        "container": item.container,
    }
    media = {"id": int(item.rating_key) + MEDIA_IDS, "container": item.container}
    if item.kind == "photo":
        attrs |= {"createdAtAccuracy": "local", "createdAtTZOffset": 0}
        part["orientation"] = item.orientation
        if not item.broken:
            media |= {
                "width": item.width, "height": item.height,
                "aspectRatio": round(item.width / item.height, 2),
            }
        tag = "Photo"
    else:
        attrs |= {"duration": 9416, "subtype": "photo" if item.kind == "clip" else None}
        media |= {
            "duration": 9416, "bitrate": 13728, "width": item.width, "height": item.height,
            "videoCodec": "h264", "audioCodec": "aac", "videoResolution": "1080",
        }
        part["duration"] = 9416
        tag = "Video"
    return Node(tag, attrs, [Node("Media", media, [Node("Part", part)])], group="Metadata")


def _number(*values: str | None) -> int | None:
    for value in values:
        if value is not None and value.strip() != "":
            return int(value)
    return None


# -- HTTP ----------------------------------------------------------------------------------


class _HTTPError(Exception):
    def __init__(self, status: int, body: bytes = b"", content_type: str = "text/html") -> None:
        self.status, self.body, self.content_type = status, body, content_type


_METADATA = re.compile(r"/library/metadata/([^/]+)")
_CHILDREN = re.compile(r"/library/metadata/([^/]+)/children")
_THUMB = re.compile(r"/library/metadata/([^/]+)/(?:thumb|art|composite)(?:/\d+)?")
_SECTION_ALL = re.compile(r"/library/sections/([^/]+)/all")
_PART = re.compile(r"/library/parts/(\d+)/(\d+)/([^/]+)")


class _Handler(FakeHandler):
    def do_GET(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path).rstrip("/") or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        header_token = self.headers.get("X-Plex-Token")
        query_token = query.get("X-Plex-Token")
        fake.requests.append(FakeRequest(
            method="GET", path=path, query=query, query_string=split.query,
            headers={k: v for k, v in self.headers.items() if k.lower() != "x-plex-token"},
            token_in="header" if header_token else "query" if query_token else None,
            client=self.client_address[:2],
        ))
        if not fake._pause():
            self.close_connection = True
            return
        try:
            if any(path.startswith(prefix) for prefix in fake.fail_paths):
                raise _HTTPError(500, b"<html><body><h1>500 Internal Error</h1></body></html>")
            if path != "/identity" and fake.secure_required:
                raise _HTTPError(401, UNAUTHORIZED)
            if path != "/identity":
                token = header_token or query_token
                if fake.token_revoked or token != fake.token:
                    raise _HTTPError(401, UNAUTHORIZED)
            self._route(fake, path, query)
        except _HTTPError as error:
            self._send(error.status, error.body, error.content_type)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            fake.errors.append(traceback.format_exc())
            self._send(500, b"fake plex error", "text/plain")

    # -- routing ------------------------------------------------------------------------
    def _route(self, fake: FakePlex, path: str, query: dict[str, str]) -> None:
        if path == "/identity":
            return self._container(Node("MediaContainer", {
                "size": 0, "claimed": True, "machineIdentifier": fake.machine_identifier,
                "version": fake.version,
            }))
        if path == "/":
            return self._container(self._root(fake))
        if path == "/library":
            return self._container(Node("MediaContainer", {
                "size": 3, "allowSync": False, "art": "/:/resources/library-art.png",
                "content": "", "identifier": IDENTIFIER, "mediaTagPrefix": TAG_PREFIX,
                "mediaTagVersion": TAG_VERSION, "title1": "Plex Library", "title2": "",
            }, [
                Node("Directory", {"key": key, "title": title})
                for key, title in (("sections", "Library Sections"),
                                   ("recentlyAdded", "Recently Added Content"),
                                   ("onDeck", "On Deck Content"))
            ]))
        if path in ("/library/sections", "/library/sections/all"):
            return self._container(Node("MediaContainer", {
                "size": len(fake.sections), "allowSync": False, "identifier": IDENTIFIER,
                "mediaTagPrefix": TAG_PREFIX, "mediaTagVersion": TAG_VERSION,
                "title1": "Plex Library",
            }, [_section_node(section) for section in fake.sections]))
        if match := _SECTION_ALL.fullmatch(path):
            return self._section_all(fake, match[1], query)
        if match := _CHILDREN.fullmatch(path):
            return self._children(fake, match[1])
        if match := _THUMB.fullmatch(path):
            item = self._live_item(fake, match[1])
            return self._image(fake, item, 480, 480, cover=False, upscale=False, fmt="jpg")
        if match := _METADATA.fullmatch(path):
            return self._metadata(fake, match[1])
        if match := _PART.fullmatch(path):
            return self._part(fake, int(match[1]), query)
        if path == "/photo/:/transcode":
            return self._transcode(fake, query)
        raise _HTTPError(404, b"<html><body><h1>404 Not Found</h1></body></html>")

    def _root(self, fake: FakePlex) -> Node:
        return Node("MediaContainer", {
            "size": 1, "allowCameraUpload": True, "allowSync": True, "allowMediaDeletion": True,
            "friendlyName": fake.name, "machineIdentifier": fake.machine_identifier,
            "version": fake.version, "platform": "Linux", "platformVersion": "6.1",
            "myPlex": True, "myPlexUsername": "owner@example.com", "multiuser": True,
            "transcoderPhoto": True, "transcoderVideo": True, "updatedAt": ADDED_AT,
        }, [Node("Directory", {"count": 1, "key": "library", "title": "library"})])

    def _section_all(self, fake: FakePlex, key: str, query: dict[str, str]) -> None:
        section = next((s for s in fake.sections if s.key == key), None)
        if section is None:
            raise _HTTPError(404)
        title = query.get("title")
        if query.get("clusterZoomLevel") == "1":
            items: Sequence[FakeItem] = section.flat()
        elif title is not None:  # a filter searches every level (§4.5)
            exact, wanted = title.startswith("="), title.lstrip("=").lower()
            items = [
                item for item in section.everything()
                if (item.title.lower() == wanted if exact else wanted in item.title.lower())
            ]
        else:
            items = section.listing()
        if query.get("type"):
            kind = TYPE_NUMBERS.get(query["type"])
            items = [item for item in items if item.kind == kind]
        if query.get("limit"):
            items = items[: int(query["limit"])]
        titles = {"photo": "All Photos", "movie": "All Movies", "artist": "All Artists"}
        attrs = {
            "allowSync": True, "art": f"/:/resources/{section.type}-fanart.jpg",
            "identifier": IDENTIFIER, "librarySectionID": int(section.key),
            "librarySectionTitle": section.title, "librarySectionUUID": section.uuid,
            "mediaTagPrefix": TAG_PREFIX, "mediaTagVersion": TAG_VERSION, "nocache": True,
            "sortAsc": True, "thumb": f"/:/resources/{section.type}.png",
            "title1": section.title, "title2": titles.get(section.type, "All"),
            "viewGroup": section.type, "viewMode": 458810,
        }
        self._paged(fake, attrs, items)

    def _children(self, fake: FakePlex, rating_key: str) -> None:
        album = self._live_item(fake, rating_key)
        if album.kind not in ("album", "artist"):
            raise _HTTPError(404)
        section = album.section
        attrs = {
            "allowSync": True, "art": album.thumb, "identifier": IDENTIFIER,
            "key": album.rating_key,
            "librarySectionID": int(section.key), "librarySectionTitle": section.title,
            "librarySectionUUID": section.uuid, "mediaTagPrefix": TAG_PREFIX,
            "mediaTagVersion": TAG_VERSION, "nocache": True, "parentIndex": album.index,
            "parentTitle": album.parent.title if album.parent else section.title,
            "title1": section.title, "title2": album.title, "viewGroup": "photo",
            "viewMode": 458810,
        }
        self._paged(fake, attrs, album.children)

    def _metadata(self, fake: FakePlex, ids: str) -> None:
        items = [self._live_item(fake, rating_key) for rating_key in ids.split(",")]
        first = items[0].section
        attrs = {
            "allowSync": True, "identifier": IDENTIFIER, "librarySectionID": int(first.key),
            "librarySectionTitle": first.title, "librarySectionUUID": first.uuid,
            "mediaTagPrefix": TAG_PREFIX, "mediaTagVersion": TAG_VERSION,
        }
        self._paged(fake, attrs, items, detail=True)

    def _paged(
        self, fake: FakePlex, attrs: dict[str, Any], items: Sequence[FakeItem], *,
        detail: bool = False,
    ) -> None:
        """§5: Start/Size from header or query; max_page cuts pages short."""
        try:
            start = _number(
                self.headers.get("X-Plex-Container-Start"),
                self._query().get("X-Plex-Container-Start"),
            )
            size = _number(
                self.headers.get("X-Plex-Container-Size"),
                self._query().get("X-Plex-Container-Size"),
            )
        except ValueError:
            raise _HTTPError(400) from None
        total = len(items)
        if fake.unpaged:  # the whole list, whatever was asked
            start = size = None
        paged = not fake.unpaged and (start is not None or size is not None or (
            fake.max_page is not None and total > fake.max_page
        ))
        start = 0 if fake.ignore_start else max(start or 0, 0)
        size = total if size is None else max(size, 0)
        if fake.max_page is not None and not fake.unpaged:
            size = min(size, fake.max_page)
        page = list(items[start: start + size]) if size else []
        attrs = {"size": len(page), **attrs}
        headers = {}
        if paged:
            attrs["offset"] = start
            headers["X-Plex-Container-Start"] = str(start)
            if fake.send_total_size and not fake.total_in_header_only:
                attrs["totalSize"] = total
            if fake.send_total_size:
                headers["X-Plex-Container-Total-Size"] = str(total)
        self._container(
            Node("MediaContainer", attrs, [_item_node(item, detail=detail) for item in page]),
            headers,
        )

    def _part(self, fake: FakePlex, part_id: int, query: dict[str, str]) -> None:
        item = self._live_item(fake, str(part_id - PART_IDS))
        if not item.data:
            raise _HTTPError(404)
        if fake.forbid_downloads:
            raise _HTTPError(403, b"<html><body><h1>403 Forbidden</h1></body></html>")
        data = item.data
        extension = item.file.rpartition(".")[2].lower()
        headers = {}
        download = query.get("download") == "1"
        if download:
            headers["Content-Disposition"] = f'attachment; filename="{Path(item.file).name}"'
        sent = len(data) // 2 if fake.reset_downloads else len(data)
        fake.downloads.append(FakeDownload(
            rating_key=item.rating_key, path=item.part_key, download=download, size=len(data),
            sent=sent, complete=sent == len(data),
        ))
        kind = CONTENT_TYPES.get(extension, "application/octet-stream")
        if fake.growing_downloads:  # a file still being written: no length, more than listed
            return self._stream(kind, [data, *_zeros(fake.growing_downloads)], headers)
        self._start(200, kind, len(data), headers)
        if fake.download_rate:
            return self._trickle(fake, data[:sent], fake.download_rate)
        self.wfile.write(data[:sent])
        if sent < len(data):
            self.wfile.flush()
            # An abortive close: the client sees a reset, not a clean end of the body.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.close_connection = True

    def _transcode(self, fake: FakePlex, query: dict[str, str]) -> None:
        if fake.slow_thumbnails and fake._stopping.wait(fake.slow_thumbnails):
            return
        source = urlsplit(query.get("url", "")).path
        try:
            width, height = int(query["width"]), int(query["height"])
        except (KeyError, ValueError):
            raise _HTTPError(400) from None
        if match := _THUMB.fullmatch(source) or _METADATA.fullmatch(source):
            item = self._live_item(fake, match[1])
        elif match := _PART.fullmatch(source):
            item = self._live_item(fake, str(int(match[1]) - PART_IDS))
        else:
            raise _HTTPError(404)
        self._image(
            fake, item, width, height, cover=query.get("minSize") == "1",
            upscale=query.get("upscale") == "1", fmt=query.get("format", "jpg"),
        )

    def _image(
        self, fake: FakePlex, item: FakeItem, width: int, height: int, *, cover: bool,
        upscale: bool, fmt: str,
    ) -> None:
        image = _scaled(item, width, height, cover=cover, upscale=upscale)
        if image is None:
            raise _HTTPError(404)
        if fmt == "png":
            body, kind = _encode(image, "PNG"), "image/png"
        else:
            body, kind = _encode(image.convert("RGB"), "JPEG", quality=80), "image/jpeg"
        if fake.thumbnail_padding:
            return self._stream(kind, [body, *_zeros(fake.thumbnail_padding)])
        self._send(200, body, kind)

    # -- helpers ------------------------------------------------------------------------
    def _query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    @staticmethod
    def _live_item(fake: FakePlex, rating_key: str) -> FakeItem:
        item = fake.item(rating_key)
        if item is None or item.rating_key in fake.deleted:
            raise _HTTPError(404, b"<html><body><h1>404 Not Found</h1></body></html>")
        return item

    def _container(self, node: Node, headers: dict[str, str] | None = None) -> None:
        fake = self.server.fake
        if self.headers.get("Accept", "").strip().lower() == "application/json":
            body = _json(node, strings=fake.json_strings)
            if fake.json_padding:  # a long attribute, streamed
                head = body[:-1] + b', "padding": "'
                pieces = [head, *_zeros(fake.json_padding, b" "), b'"}']
                return self._stream("application/json", pieces, headers)
            self._send(200, body, "application/json", headers)
        else:
            self._send(200, _xml(node), "text/xml;charset=utf-8", headers)

    def _start(
        self, status: int, content_type: str, length: int, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Plex-Protocol", "1.0")
        self.send_header("Cache-Control", "no-cache")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _stream(
        self, content_type: str, pieces: Iterable[bytes], headers: dict[str, str] | None = None
    ) -> None:
        """A 200 answer in chunks with no Content-Length; `streamed` records how much of it
        got out before the client stopped reading."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        sent = 0
        try:
            for piece in pieces:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            self.server.fake.streamed.append(sent)

    def _trickle(self, fake: FakePlex, data: bytes, rate: float) -> None:
        """`data` at `rate` bytes a second, ten pieces a second."""
        piece = max(1, int(rate / 10))
        try:
            for at in range(0, len(data), piece):
                if fake._stopping.wait(0.1):
                    break
                self.wfile.write(data[at:at + piece])
                self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._start(status, content_type, len(body), headers)
        self.wfile.write(body)


def _zeros(count: int, byte: bytes = b"\0") -> Iterator[bytes]:
    """`count` bytes in pieces of 1 MB."""
    block = byte * (1 << 20)
    for at in range(0, count, len(block)):
        yield block[: count - at]


def _scaled(
    item: FakeItem, width: int, height: int, *, cover: bool, upscale: bool
) -> Image.Image | None:
    """The transcoder: the picture upright, scaled to fit (or, with `cover`, to cover) the
    box, never enlarged unless `upscale`; None when the file does not decode."""
    image = _source(item)
    if image is None:
        return None
    try:
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        upright = image.size[::-1] if turned else image.size
        scales = (width / upright[0], height / upright[1])
        scale = max(scales) if cover else min(scales)
        if not upscale:
            scale = min(scale, 1.0)
        size = (max(1, round(upright[0] * scale)), max(1, round(upright[1] * scale)))
        image.draft("RGB", size[::-1] if turned else size)  # JPEG only: decode at 1/2, 1/4…
        return ImageOps.exif_transpose(image).resize(size, Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError):
        return None


def _source(item: FakeItem) -> Image.Image | None:
    """What the transcoder starts from: the photo, a frame for a clip, the first photo of
    an album."""
    if item.kind == "clip":
        return imaging_corpus.marked((1920, 1080))
    if item.kind in ("album", "artist"):
        photo = next((i for i in _walk(item.children) if i.kind == "photo" and not i.broken), None)
        return _source(photo) if photo else imaging_corpus.marked((640, 480))
    try:
        return Image.open(io.BytesIO(item.data))
    except (OSError, ValueError, SyntaxError):
        return None
