"""Browsing a Plex photo library: one page of a library or of an album, each photo's
import state, and the thumbnail URLs the browser asks Docent (never Plex) for."""

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import get_script_prefix, reverse

from docentsite import signedurls
from docentsite.artwork.errors import NotFound
from docentsite.sources.browse import BrowseItemBase
from docentsite.sources.imports import REMOVED, source_import_states
from docentsite.sources.models import ImportStatus
from docentsite.sources.registry import source_get
from plexsource import browsecache, thumbnails
from plexsource import client as plex
from plexsource.models import PlexLibrary

MAX_PAGE_SIZE = 200
#: Albums a breadcrumb trail follows up at most, whatever Plex sends.
MAX_DEPTH = 32

__all__ = ["REMOVED", "BrowseItem", "BrowsePage", "Crumb", "plex_browse", "thumbnail_url"]


@dataclass(frozen=True)
class Crumb:
    id: str | None
    title: str


@dataclass(frozen=True, kw_only=True)
class BrowseItem(BrowseItemBase):
    plex_metadata_id: str
    type: str


@dataclass(frozen=True)
class BrowsePage:
    library: PlexLibrary
    album: Crumb | None
    path: list[Crumb]
    page: int
    page_size: int
    total: int
    items: list[BrowseItem] = field(default_factory=list)


def plex_browse(
    *, library_id: int, album: str | None = None, page: int = 1, page_size: int = 50,
    hide_imported: bool = False,
) -> BrowsePage:
    """One page of a library's top folder or of an album: one request to Plex, and
    one more for an album this process has not seen listed yet (its breadcrumbs).

    Read-only: one query for the page's import states (and one for the library,
    once a minute). `total` counts what Plex holds there (albums and photos; video
    clips are never offered). With `hide_imported`, imported photos are left out
    of the page, so a page can hold fewer than `page_size` items.
    """
    library = _library(library_id)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    client = plex.from_settings()
    chain = browsecache.album_chains.get(library, album) if album else ()
    found = client.browse(library_key=library.section_key, album_key=album or None,
                          offset=(page - 1) * page_size, limit=page_size)
    shown = [item for item in found.items if item.kind in ("album", "photo")]
    if chain is None:
        chain = _album_chain(client, library, album, found.items)
    for item in shown:
        if item.kind == "album":
            browsecache.album_chains.put(library, (*chain, (item.rating_key, item.title)))
    states = _import_states([item.rating_key for item in shown if item.kind == "photo"])
    items = []
    for item in shown:
        status = states.get(item.rating_key)
        imported = status == ImportStatus.DONE
        if hide_imported and imported:
            continue
        items.append(BrowseItem(
            plex_metadata_id=item.rating_key, type=item.kind, title=item.title,
            thumbnail_url=thumbnail_url(item.rating_key, item.thumb), width=item.width,
            height=item.height, taken_at=item.taken_at, imported=imported,
            import_status=status,
        ))
    total = found.total if found.total is not None else found.offset + len(found.items)
    path = [Crumb(None, library.title), *(Crumb(key, title) for key, title in chain)]
    return BrowsePage(library=library, album=path[-1] if album else None, path=path,
                      page=page, page_size=page_size, total=total, items=items)


def _library(library_id: int) -> PlexLibrary:
    library = browsecache.libraries.get(library_id)
    if library is None:
        library = PlexLibrary.objects.filter(pk=library_id).first()
        if library is None:
            raise NotFound(f"There is no Plex photo library with id {library_id}.")
        browsecache.libraries.put([library])
    return library


def _album_chain(client: plex.PlexClient, library: PlexLibrary, album: str,
                 listed: list[plex.Item]) -> tuple[tuple[str, str], ...]:
    """The albums from the library's top down to `album`, as (ratingKey, title), for
    an album no page listed in this process.

    Every item Plex lists names its parent and grandparent albums: an item of the
    album's page (`listed`) names the album and the album's parent; the metadata of
    that parent names two more levels, and so on until the top, or an album whose
    chain is known. An album three deep costs one request beside its page.
    """
    named = next((item for item in listed if item.parent_rating_key == album
                  and item.library_key == library.section_key), None)
    if named is not None:
        chain = _climb(client, library, named, [])
    else:  # an empty page: the album itself says what it is
        item = client.item(album)
        if item.kind != "album" or item.library_key != library.section_key:
            raise NotFound(f"There is no album {album} in {library.title}.")
        chain = _climb(client, library, item, [(item.rating_key, item.title)])
    browsecache.album_chains.put(library, chain)
    return chain


def _climb(client: plex.PlexClient, library: PlexLibrary, item: plex.Item,
           below: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The chain of albums `below` (innermost first) continued from `item`'s parent
    up to the top, or up to an album whose chain is known."""
    while True:
        for key, title in ((item.parent_rating_key, item.parent_title),
                           (item.grandparent_rating_key, item.grandparent_title)):
            if not key or key in dict(below) or len(below) >= MAX_DEPTH:
                return tuple(reversed(below))  # the top (or a loop in Plex's answers)
            if known := browsecache.album_chains.get(library, key):
                return (*known, *reversed(below))
            below.append((key, title))
        item = client.item(key)  # the grandparent names two more levels


def _import_states(plex_metadata_ids: list[str]) -> dict[str, str]:
    return source_import_states(source=source_get("plex"), refs=plex_metadata_ids)


def thumbnail_url(plex_metadata_id: str, thumb: str | None = None) -> str:
    """Docent's URL of a photo's thumbnail; with `thumb`, Plex's path of it (a server
    path, never a URL with the token), so that serving it needs no database row, and
    signed, so that it needs no session either (only the browse page, which needs the
    thumbnails' own permission, gives `thumb`)."""
    head, tail = _thumbnail_route(get_script_prefix())
    url = f"{head}{_quoted(plex_metadata_id)}{tail}"
    if not thumb:
        return url
    signature = signedurls.signature(*thumbnails.signed_as(plex_metadata_id, thumb))
    return f"{url}?t={_quoted(thumb)}&{signedurls.PARAM}={signature}"


_PLACEHOLDER = "plex-metadata-id"
#: What needs no quoting in a path segment or a query value, "/" aside.
_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")


@functools.lru_cache(maxsize=8)
def _thumbnail_route(script_prefix: str) -> tuple[str, str]:
    """The thumbnail route around its id, resolved once, not once an item (a page
    has up to 200 of them)."""
    url = reverse("api:plex_thumbnail", kwargs={"plex_metadata_id": _PLACEHOLDER})
    head, _, tail = url.rpartition(_PLACEHOLDER)
    return head, tail


def _quoted(text: str) -> str:
    """`text` quoted whole, "/" too; a rating key or thumb path is usually plain, and
    quote() costs more than the rest of the URL."""
    return text.replace("/", "%2F") if _PLAIN.fullmatch(text) else quote(text, safe="")
