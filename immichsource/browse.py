"""Browsing Immich for the shared browse page: its picker lists "All photos" (every
picture by date taken) and then the albums; a page of either shows pictures marked
with their import's state. Reads only: browsing writes nothing."""

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from docentsite.sources.browse import BrowseItemBase
from docentsite.sources.imports import source_import_states
from docentsite.sources.models import ImportStatus
from docentsite.sources.registry import source_get
from immichsource import client as immich

MAX_PAGE_SIZE = 200
#: The picker's first entry: not an album but every picture, newest first.
ALL_PHOTOS = "all"


@dataclass(frozen=True, kw_only=True)
class BrowseItem(BrowseItemBase):
    asset_id: str
    file_name: str
    type: str = "photo"


@dataclass(frozen=True)
class Container:
    id: str  # an album id, or ALL_PHOTOS
    title: str
    #: Assets in the album as Immich counts them (its videos too); None for All photos,
    #: which Immich does not count.
    photo_count: int | None
    description: str = ""
    thumbnail_url: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class BrowsePage:
    library: Container
    page: int
    page_size: int
    total: int | None  # None for All photos
    has_next: bool
    items: list[BrowseItem] = field(default_factory=list)
    album: None = None  # Immich's albums do not nest


def immich_albums(*, client: immich.ImmichClient | None = None) -> list[Container]:
    """All photos, then every album the key's owner has or is shared, by name."""
    albums = sorted((client or immich.from_settings()).albums(),
                    key=lambda album: album.name.casefold())
    return [Container(ALL_PHOTOS, "All photos", None), *(_container(a) for a in albums)]


def immich_browse(*, album_id: str, page: int = 1, page_size: int = 50,
                  hide_imported: bool = False,
                  client: immich.ImmichClient | None = None) -> BrowsePage:
    """One page of All photos (as Immich pages it: with `hide_imported` a page shows
    fewer, never another page's) or of an album's pictures, newest first."""
    client = client or immich.from_settings()
    if album_id == ALL_PHOTOS:
        result = client.photos_page(page=page, size=page_size)
        return BrowsePage(library=Container(ALL_PHOTOS, "All photos", None), page=page,
                          page_size=page_size, total=None, has_next=result.next_page is not None,
                          items=_marked(result.items, hide_imported=hide_imported))
    album, photos = client.album(album_id)
    items = _marked(photos, hide_imported=hide_imported)
    start = (page - 1) * page_size
    return BrowsePage(library=_container(album), page=page, page_size=page_size,
                      total=len(items), has_next=start + page_size < len(items),
                      items=items[start:start + page_size])


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


def _container(album: immich.Album) -> Container:
    return Container(
        id=album.id, title=album.name, photo_count=album.asset_count,
        description=album.description,
        thumbnail_url=thumbnail_url(album.thumbnail_asset_id) if album.thumbnail_asset_id
        else None,
        start=album.start.date() if album.start else None,
        end=album.end.date() if album.end else None,
    )


def thumbnail_url(asset_id: str, size: str = "thumbnail") -> str:
    return f"{reverse('api:immich_thumbnail', kwargs={'asset_id': asset_id})}?size={size}"
