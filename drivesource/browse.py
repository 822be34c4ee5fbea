"""Browsing the shared Drive folder: a page of a folder's subfolders and pictures, each
picture with its import state and a preview served by Docent. Read-only."""

from dataclasses import dataclass, field

from django.templatetags.static import static
from django.urls import reverse

from docentsite.artwork.errors import NotFound
from docentsite.sources import imports
from docentsite.sources.browse import BrowseItemBase
from docentsite.sources.imports import chunks
from drivesource import folders
from drivesource.importing import drive_source
from drivesource.thumbnails import version_of

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, kw_only=True)
class BrowseItem(BrowseItemBase):
    drive_file_id: str
    type: str  # "album" (a folder: what the shared browse page opens) or "photo"


@dataclass(frozen=True)
class Container:
    """The shared folder, as the browse page's picker lists it (its only entry)."""

    id: str
    title: str
    photo_count: int | None = None


@dataclass(frozen=True)
class Album:
    """A folder below the shared one, with the path down to it for breadcrumbs."""

    id: str
    title: str
    path: list[dict]  # [{"id": None, "title": <the shared folder>}, {"id", "title"}...]


@dataclass(frozen=True)
class BrowsePage:
    library: Container
    album: Album | None
    page: int
    page_size: int
    total: int
    items: list[BrowseItem] = field(default_factory=list)


def drive_containers() -> list[Container]:
    """What the browse page's picker offers: the shared folder."""
    root = folders.drive_root()
    return [Container(id=root.id, title=root.title)]


def drive_browse(*, container_id: str, album: str | None = None, page: int = 1,
                 page_size: int = 50, hide_imported: bool = False) -> BrowsePage:
    """One page of the shared folder (`container_id`, or "root") or of a folder below it
    (`album`): its subfolders first, then its pictures, by name. One listing of Drive a
    minute per folder, one query per 500 pictures for their import states."""
    root = folders.drive_root()
    if container_id not in ("root", root.id):
        raise NotFound(f"There is no shared Google Drive folder {container_id}; the one "
                       f"DRIVE_FOLDER_URL names is {root.id}.")
    listing = folders.drive_folder_listing(folder_id=album or root.id)
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
    folder_picture = static("drivesource/folder.svg")
    items = []
    for entry in shown:
        status = None if entry.is_folder else states.get(entry.id)
        thumbnail = folder_picture if entry.is_folder else (
            f"{head}{entry.id}{tail}?v={version_of(entry)}")
        items.append(BrowseItem(
            drive_file_id=entry.id, type="album" if entry.is_folder else "photo",
            title=entry.name, thumbnail_url=thumbnail, width=entry.width, height=entry.height,
            taken_at=entry.taken_at, imported=status == "done", import_status=status))
    shown_album = None
    if album:
        path = [{"id": None, "title": root.title},
                *({"id": crumb.id, "title": crumb.title} for crumb in listing.path[1:])]
        shown_album = Album(id=listing.folder.id, title=listing.folder.title, path=path)
    return BrowsePage(library=Container(id=root.id, title=root.title), album=shown_album,
                      page=page, page_size=page_size, total=len(everything), items=items)


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
