"""Finding photos in Plex without browsing: an album by its path, a library's or an
album's photos, the names to show for them (the `import_plex` command's lookups)."""

import itertools
from collections.abc import Iterable

from docentsite.artwork.errors import NotFound
from docentsite.sources.imports import chunks
from plexsource import client as plex
from plexsource.browse import MAX_PAGE_SIZE
from plexsource.importing import ImportRequestResult, plex_import_request, remember_photos
from plexsource.models import PlexLibrary, PlexPhoto


def plex_album_find(
    *, library: PlexLibrary, path: str, client: plex.PlexClient | None = None
) -> str:
    """The ratingKey of the album at `path` ("Travel/2019/Mexico") in the library.

    Titles are matched case-insensitively, one level at a time, from the
    library's top folder down.
    """
    titles = [title.strip() for title in path.split("/") if title.strip()]
    if not titles:
        raise NotFound("An album path names albums from the top: Travel/2019/Mexico.")
    client = client or plex.from_settings()
    album_key = None
    for depth, title in enumerate(titles, start=1):
        album_key = _child_album(client, library, album_key, title)
        if album_key is None:
            missing = "/".join(titles[:depth])
            raise NotFound(f"There is no album {missing!r} in {library.title}.")
    return album_key


def _child_album(client: plex.PlexClient, library: PlexLibrary, album_key: str | None,
                 title: str) -> str | None:
    wanted = title.casefold()
    folder = client.folder(library_key=library.section_key, album_key=album_key,
                           batch=MAX_PAGE_SIZE)
    return next((item.rating_key for item in folder
                 if item.kind == "album" and item.title.casefold() == wanted), None)


def plex_photo_list(
    *, library: PlexLibrary, album_key: str | None = None, limit: int | None = None,
    client: plex.PlexClient | None = None,
) -> list[plex.Item]:
    """The library's or the album's photos, in Plex's order, as Plex describes them.

    Nested albums are included and clips never are; `limit` keeps the first
    ones. Plex is asked a thousand at a time; nothing is written.
    """
    client = client or plex.from_settings()
    batch = min(limit or plex.MAX_PAGE, plex.MAX_PAGE)
    if album_key:
        photos = client.album_photos(album_key=album_key, batch=batch)
    else:
        photos = client.all_photos(library_key=library.section_key, batch=batch)
    return list(itertools.islice(photos, limit))


def plex_photos_remember(*, library: PlexLibrary, photos: list[plex.Item]) -> None:
    """Keep Plex's description of photos about to be imported, so that importing
    them need not ask Plex again: a query per 500."""
    for chunk in chunks(photos):
        remember_photos(library, chunk, album_path="")


def plex_photo_names(*, plex_metadata_ids: Iterable[str], listed: Iterable[plex.Item] = ()
                     ) -> dict[str, str]:
    """A name to show for each photo: its file name, else its title; as `listed`
    (just fetched from Plex) says, else as Docent remembers it."""
    names = {item.rating_key: item.part_file or item.title for item in listed}
    for chunk in chunks(key for key in plex_metadata_ids if key not in names):
        photos = PlexPhoto.objects.filter(rating_key__in=chunk).values_list(
            "rating_key", "part_file", "title")
        names.update({key: part_file or title for key, part_file, title in photos})
    return names


def plex_album_import(
    *, library_id: int, album_key: str, analyze: bool | None = None, user=None,
    tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, client: plex.PlexClient | None = None,
) -> ImportRequestResult:
    """Every photo of an album (nested albums included) not imported yet: the browse
    page's "Import the whole album", as `import_plex --album ... --all` does it."""
    library = PlexLibrary.objects.filter(pk=library_id).first()
    if library is None:
        raise NotFound(f"There is no Plex photo library with id {library_id}.")
    client = client or plex.from_settings()
    listed = plex_photo_list(library=library, album_key=album_key, client=client)
    plex_photos_remember(library=library, photos=listed)
    return plex_import_request(
        plex_metadata_ids=[item.rating_key for item in listed], analyze=analyze, user=user,
        client=client, tvs_wanted=tvs_wanted, collection=collection, framing=framing, matte=matte)
