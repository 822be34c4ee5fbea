"""Drive previews through Docent: fetched once per file, version and size, then answered
from a cache folder as a static file is.

Drive's `thumbnailLink`s are short-lived capability URLs on Google's image hosts: they
stay in this process (a listing's links are kept for LINK_SECONDS) and are never sent
to a browser. A browse page names each preview by the file's id and its version
(its modifiedTime, `v`): that URL never changes meaning, so browsers keep it for good,
and a warm request needs neither the database nor Google.
"""

import contextlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docentsite.artwork.errors import Rejected
from docentsite.sources import thumbnails
from drivesource import client as drive

THUMBNAIL_SIZES = (240, 480)
#: Google's links last a few hours; a listing's are used for one hour at most.
LINK_SECONDS = 3600.0
MAX_LINKS = 20_000
_VERSION = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True)
class Thumbnail:
    file_id: str
    version: str  # the file's modifiedTime in seconds, "" when the browser did not say
    size: int

    @property
    def versioned(self) -> bool:
        return bool(self.version)

    @property
    def etag(self) -> str:
        return f'"{self.file_id}-{self.version or "latest"}-{self.size}"'

    @property
    def path(self) -> Path:
        return thumbnail_dir() / f"{self.file_id}-{self.version or 'latest'}-{self.size}.jpg"


def version_of(entry: drive.Entry) -> str:
    return str(int(entry.modified_at.timestamp())) if entry.modified_at else ""


def drive_thumbnail(*, file_id: str, size: int = 240, version: str = "") -> Thumbnail:
    """Which preview to answer with, at the cached size nearest `size`."""
    drive.check_id(file_id)
    if version and not _VERSION.fullmatch(version):
        raise Rejected("v takes the version a browse page gives for the preview.")
    size = min(THUMBNAIL_SIZES, key=lambda allowed: abs(allowed - size))
    return Thumbnail(file_id, version, size)


def drive_thumbnail_open(*, thumbnail: Thumbnail) -> BinaryIO:
    """The preview's JPEG, open for reading: from the cache, or fetched from Google
    (by the listing's link while it lasts, else a fresh one), cached when closed."""
    from drivesource.folders import drive_file_in_tree

    if thumbnail.versioned:
        with contextlib.suppress(FileNotFoundError):
            return thumbnail.path.open("rb")
    link = links.get(thumbnail.file_id)
    if not link:
        # Not from a listing of the shared folder: Docent's key previews nothing else.
        link = drive_file_in_tree(file_id=thumbnail.file_id).thumbnail_link
    data, _kind = drive.from_settings().thumbnail(thumbnail.file_id, size=thumbnail.size,
                                                  link=link)
    return thumbnails.Fetched(data, cache_at=thumbnail.path if thumbnail.versioned else None)


class Links:
    """thumbnailLinks from listings, by file id, for LINK_SECONDS; plain memory."""

    def __init__(self) -> None:
        self._links: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, entries: Iterable[drive.Entry]) -> None:
        now = time.monotonic()
        with self._lock:
            for entry in entries:
                if entry.thumbnail_link:
                    self._links[entry.id] = (now, entry.thumbnail_link)
                    self._links.move_to_end(entry.id)
            while len(self._links) > MAX_LINKS:
                self._links.popitem(last=False)

    def get(self, file_id: str) -> str:
        with self._lock:
            kept = self._links.get(file_id)
        if kept is None or time.monotonic() - kept[0] > LINK_SECONDS:
            return ""
        return kept[1]

    def clear(self) -> None:
        with self._lock:
            self._links.clear()


links = Links()


def thumbnail_dir() -> Path:
    return thumbnails.cache_dir("drive")
