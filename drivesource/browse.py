"""Browsing the shared Drive folder: a page of a folder's subfolders and pictures, each
picture with its import state and a preview served by Docent. Read-only."""

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from docentsite.sources import imports
from docentsite.sources.imports import chunks
from drivesource import folders
from drivesource.importing import drive_source
from drivesource.thumbnails import version_of

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class BrowseItem:
    drive_file_id: str
    type: str  # "folder" or "photo"
    title: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


@dataclass(frozen=True)
class BrowsePage:
    folder: folders.Crumb
    path: list[folders.Crumb]
    page: int
    page_size: int
    total: int
    items: list[BrowseItem] = field(default_factory=list)


def drive_browse(*, folder_id: str | None = None, page: int = 1, page_size: int = 50,
                 hide_imported: bool = False) -> BrowsePage:
    """One page of a folder of the shared tree (default: the shared folder): its
    subfolders first, then its pictures, by name. One listing of Drive a minute per
    folder, one query per 500 pictures for their import states."""
    listing = folders.drive_folder_listing(folder_id=folder_id)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    source = drive_source()
    pictures = list(listing.pictures)
    if hide_imported:
        states = _states(source, [entry.id for entry in pictures])
        pictures = [entry for entry in pictures if states.get(entry.id) != "done"]
    everything = [*listing.folders, *pictures]
    shown = everything[(page - 1) * page_size: page * page_size]
    if not hide_imported:
        states = _states(source, [entry.id for entry in shown if not entry.is_folder])
    head, tail = _thumbnail_route()
    items = []
    for entry in shown:
        status = None if entry.is_folder else states.get(entry.id)
        thumbnail = "" if entry.is_folder else (
            f"{head}{entry.id}{tail}?v={version_of(entry)}")
        items.append(BrowseItem(
            drive_file_id=entry.id, type="folder" if entry.is_folder else "photo",
            title=entry.name, thumbnail_url=thumbnail, width=entry.width, height=entry.height,
            taken_at=entry.taken_at, imported=status == "done", import_status=status))
    return BrowsePage(folder=listing.folder, path=list(listing.path), page=page,
                      page_size=page_size, total=len(everything), items=items)


def _states(source, refs: list[str]) -> dict[str, str]:
    states = {}
    for chunk in chunks(refs):
        states.update(imports.source_import_states(source=source, refs=chunk))
    return states


_PLACEHOLDER = "1PLACEHOLDERPLACEHOLDER"


def _thumbnail_route() -> tuple[str, str]:
    url = reverse("api:drive_thumbnail", kwargs={"drive_file_id": _PLACEHOLDER})
    head, _, tail = url.rpartition(_PLACEHOLDER)
    return head, tail
