"""Browsing Immich: its albums, an album's pictures and "All photos" by date, each
picture marked with its import's state. Reads only: browsing writes nothing."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from docentsite.sources.imports import source_import_states
from docentsite.sources.models import ImportStatus
from docentsite.sources.registry import source_get
from immichsource import client as immich

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class BrowseItem:
    asset_id: str
    title: str
    file_name: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


@dataclass(frozen=True)
class AlbumItem:
    id: str
    name: str
    description: str
    asset_count: int
    thumbnail_url: str | None
    start: date | None
    end: date | None


@dataclass(frozen=True)
class BrowsePage:
    album: AlbumItem | None
    page: int
    page_size: int
    total: int | None  # None for All photos: Immich does not count its library
    has_next: bool
    items: list[BrowseItem]


def immich_albums(*, client: immich.ImmichClient | None = None) -> list[AlbumItem]:
    """Every album the key's owner has or is shared, by name."""
    albums = (client or immich.from_settings()).albums()
    return sorted((_album(a) for a in albums), key=lambda a: a.name.casefold())


def immich_album_browse(*, album_id: str, page: int = 1, page_size: int = 50,
                        hide_imported: bool = False,
                        client: immich.ImmichClient | None = None) -> BrowsePage:
    """One page of an album's pictures, newest first."""
    client = client or immich.from_settings()
    album, photos = client.album(album_id)
    items = _marked(photos, hide_imported=hide_imported)
    start = (page - 1) * page_size
    return BrowsePage(album=_album(album), page=page, page_size=page_size, total=len(items),
                      has_next=start + page_size < len(items),
                      items=items[start:start + page_size])


def immich_photos_browse(*, page: int = 1, page_size: int = 50, hide_imported: bool = False,
                         client: immich.ImmichClient | None = None) -> BrowsePage:
    """One page of every picture in the library by date taken, newest first, as Immich
    pages it (with `hide_imported` a page shows fewer, never another page's)."""
    result = (client or immich.from_settings()).photos_page(page=page, size=page_size)
    return BrowsePage(album=None, page=page, page_size=page_size, total=None,
                      has_next=result.next_page is not None,
                      items=_marked(result.items, hide_imported=hide_imported))


def _marked(photos: list[immich.Asset], *, hide_imported: bool) -> list[BrowseItem]:
    states = source_import_states(source=source_get("immich"), refs=[p.id for p in photos])
    items = []
    for photo in photos:
        status = states.get(photo.id)
        imported = status == ImportStatus.DONE
        if hide_imported and imported:
            continue
        items.append(BrowseItem(
            asset_id=photo.id, title=photo.file_name.rpartition(".")[0] or photo.file_name,
            file_name=photo.file_name, thumbnail_url=thumbnail_url(photo.id),
            width=photo.width, height=photo.height,
            taken_at=photo.taken_at.date() if photo.taken_at else None,
            imported=imported, import_status=status,
        ))
    return items


def _album(album: immich.Album) -> AlbumItem:
    return AlbumItem(
        id=album.id, name=album.name, description=album.description,
        asset_count=album.asset_count,
        thumbnail_url=thumbnail_url(album.thumbnail_asset_id) if album.thumbnail_asset_id
        else None,
        start=album.start.date() if album.start else None,
        end=album.end.date() if album.end else None,
    )


def thumbnail_url(asset_id: str, size: str = "thumbnail") -> str:
    return f"{reverse('api:immich_thumbnail', kwargs={'asset_id': asset_id})}?size={size}"
