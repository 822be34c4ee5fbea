"""The shared folder (DRIVE_FOLDER_URL) and the folders below it, as browsing sees them.

Only that folder's tree is browsed: any other folder, even a public one, is NotFound,
so the API cannot be used to read arbitrary Drive folders with Docent's key. A folder's
ancestors up to the shared one give its breadcrumbs; they are learnt from listings
(a listed subfolder names its parent) or, for a folder no listing in this process
showed, by asking Drive for each parent in turn, at most MAX_DEPTH of them.

A folder's listing is kept in this process for LISTING_SECONDS, so that paging through
a large folder asks Drive once; plain memory under a lock, nothing is written.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from docentsite.artwork.errors import NotFound
from drivesource import client as drive
from drivesource import thumbnails

LISTING_SECONDS = 60.0
MAX_LISTINGS = 64
MAX_DEPTH = 32
MAX_FOLDERS = 100_000


@dataclass(frozen=True)
class Crumb:
    id: str
    title: str


@dataclass(frozen=True)
class Listing:
    folder: Crumb
    path: tuple[Crumb, ...]  # from the shared folder down to this one, itself included
    folders: tuple[drive.Entry, ...]
    pictures: tuple[drive.Entry, ...]


def drive_root() -> Crumb:
    """The shared folder DRIVE_FOLDER_URL names, as Drive names it."""
    folder_id = drive.folder_from_settings()
    known = _names.get(folder_id)
    if known is None:
        entry = drive.from_settings().folder(folder_id)
        known = _names.put(entry.id, entry.name, parent="")
    return Crumb(folder_id, known[0])


def drive_folder_listing(*, folder_id: str | None = None) -> Listing:
    """A folder of the shared tree: its subfolders and pictures, by name, and its path."""
    root = drive_root()
    folder_id = folder_id or root.id
    drive.check_id(folder_id)
    path = drive_folder_path(folder_id=folder_id, root=root)
    kept = _listings.get(folder_id)
    if kept is None:
        entries = list(drive.from_settings().children(folder_id))
        for entry in entries:
            if entry.is_folder:
                _names.put(entry.id, entry.name, parent=folder_id)
        thumbnails.links.put(entries)
        _entries.put(entries)
        kept = (tuple(e for e in entries if e.is_folder),
                tuple(e for e in entries if e.is_image))
        _listings.put(folder_id, kept)
    return Listing(folder=path[-1], path=path, folders=kept[0], pictures=kept[1])


def drive_folder_path(*, folder_id: str, root: Crumb | None = None) -> tuple[Crumb, ...]:
    """The folders from the shared one down to `folder_id`; NotFound when it is not in
    the shared folder's tree."""
    root = root or drive_root()
    chain, current = [], folder_id
    client = None
    while current != root.id:
        if len(chain) >= MAX_DEPTH or current in {crumb.id for crumb in chain}:
            raise _outside(folder_id)
        known = _names.get(current)
        if known is None:
            client = client or drive.from_settings()
            try:
                entry = client.file(current)
            except drive.DriveNotFound:
                raise _outside(folder_id) from None
            if not entry.is_folder or not entry.parent_id:
                raise _outside(folder_id)
            known = _names.put(entry.id, entry.name, parent=entry.parent_id)
        name, parent = known
        if not parent:
            raise _outside(folder_id)
        chain.append(Crumb(current, name))
        current = parent
    return (root, *reversed(chain))


def drive_pictures_below(*, folder_id: str, subfolders: bool) -> list[tuple[tuple[str, ...],
                                                                             drive.Entry]]:
    """Every picture of a folder of the shared tree (and, with `subfolders`, of the
    folders below it), with the names of the folders from it down; read from Drive now."""
    drive_folder_path(folder_id=drive.check_id(folder_id))
    client = drive.from_settings()
    if subfolders:
        found = list(client.pictures(folder_id))
    else:
        found = [((), entry) for entry in client.children(folder_id, images_only=True)]
    thumbnails.links.put(entry for _path, entry in found)
    _entries.put(entry for _path, entry in found)
    return found


def drive_file_in_tree(*, file_id: str) -> drive.Entry:
    """The file, if it is in the shared folder's tree (NotFound otherwise): from a
    recent listing, else asked of Drive and its folder's place in the tree checked."""
    drive.check_id(file_id)
    entry = _entries.get(file_id)
    if entry is not None:
        return entry
    entry = drive.from_settings().file(file_id)
    try:
        drive_folder_path(folder_id=entry.parent_id)
    except NotFound:
        raise NotFound(f"{entry.name!r} is not in the shared Google Drive folder.") from None
    return entry


def drive_entry_listed(*, file_id: str) -> drive.Entry | None:
    """The file as a listing of the shared tree in this process showed it, lately."""
    return _entries.get(file_id)


def forget() -> None:
    """Drop what this process keeps (a new DRIVE_FOLDER_URL, a test)."""
    _listings.clear()
    _names.clear()
    _entries.clear()


def _outside(folder_id: str) -> NotFound:
    return NotFound(f"There is no folder {folder_id} in the shared Google Drive folder.")


class _Listings:
    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, folder_id: str):
        with self._lock:
            kept = self._kept.get(folder_id)
        if kept is None or time.monotonic() - kept[0] > LISTING_SECONDS:
            return None
        return kept[1]

    def put(self, folder_id: str, value) -> None:
        with self._lock:
            self._kept[folder_id] = (time.monotonic(), value)
            self._kept.move_to_end(folder_id)
            while len(self._kept) > MAX_LISTINGS:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class _Names:
    """Folder id -> (name, parent id; "" for the shared folder), as last seen."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, folder_id: str) -> tuple[str, str] | None:
        with self._lock:
            return self._kept.get(folder_id)

    def put(self, folder_id: str, name: str, *, parent: str) -> tuple[str, str]:
        with self._lock:
            self._kept[folder_id] = (name, parent)
            while len(self._kept) > MAX_FOLDERS:
                self._kept.popitem(last=False)
        return name, parent

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class _Entries:
    """File id -> its Entry, from listings, for LISTING_SECONDS."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[float, drive.Entry]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, entries) -> None:
        now = time.monotonic()
        with self._lock:
            for entry in entries:
                self._kept[entry.id] = (now, entry)
                self._kept.move_to_end(entry.id)
            while len(self._kept) > MAX_FOLDERS:
                self._kept.popitem(last=False)

    def get(self, file_id: str) -> drive.Entry | None:
        with self._lock:
            kept = self._kept.get(file_id)
        if kept is None or time.monotonic() - kept[0] > LISTING_SECONDS:
            return None
        return kept[1]

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_listings = _Listings()
_names = _Names()
_entries = _Entries()
