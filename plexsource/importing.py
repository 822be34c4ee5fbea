"""Importing Plex photos: what the core's import machinery asks of the Plex source
(which photos the ids name, and their originals), and the use cases the API, the admin
and `import_plex` call, each the core's (docentsite.sources) for Plex's records."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils import timezone

from docentsite.artwork.errors import DocentError, NotFound
from docentsite.artwork.fitting import fitted
from docentsite.sources import imports, inline
from docentsite.sources.imports import ImportRequestResult, Item, Original, chunks, safe
from docentsite.sources.registry import Source, source_get
from plexsource import client as plex
from plexsource.libraries import plex_libraries_refresh
from plexsource.models import ImportRecord, PlexLibrary, PlexPhoto

__all__ = ["ImportRequestResult"]


def _plex() -> Source:
    return source_get("plex")


# -- what the core asks of the source -----------------------------------------------

def plex_lookup(*, refs: list[str], client: plex.PlexClient | None = None
                ) -> tuple[dict[str, Item], dict[str, str]]:
    """Each photo as Docent remembers it, or as Plex describes it now (asked for a
    hundred at a time, then remembered); and why the others cannot be imported."""
    photos, errors = _photos_to_import(refs, client=client)
    return {key: _item(photo) for key, photo in photos.items()}, errors


def _item(photo: PlexPhoto) -> Item:
    return Item(ref=photo.rating_key, title=photo.title, filename=photo.part_file,
                record_fields={"photo": photo})


def plex_fetch_to(*, ref: str, dest_dir: Path, client: plex.PlexClient | None = None
                  ) -> Original:
    """Download the photo's original file into `dest_dir`."""
    client = client or plex.from_settings()
    item = client.item(ref)
    if item.kind != "photo":
        raise NotFound(f"Plex item {ref} is no longer a photo.")
    path = client.download(item, dest_dir / _safe_name(item))
    size = path.stat().st_size
    note = ""
    if item.part_size is not None and size != item.part_size:
        note = (f"The file changed after Plex's last scan (Plex lists {item.part_size:,} "
                f"bytes; it sent {size:,}): imported as sent.")
    return Original(path, note)


def _safe_name(item: plex.Item) -> str:
    stem, dot, suffix = (item.part_file or "photo").rpartition(".")
    return f"{safe(stem or suffix)}.{safe(suffix)}" if dot else safe(suffix)


def plex_meta_fields(artwork) -> dict:
    """The artwork_meta.json fields of a Plex photo, as the original Docent writes them."""
    return {"source": "plex", "plex_metadata_id": str(artwork.source_ref)}


def remember_photos(library: PlexLibrary, items: list[plex.Item], *, album_path: str) -> None:
    """Keep Plex's description of photos about to be imported, so that the import
    and the admin's lists need not ask Plex again."""
    if not items:
        return
    now = timezone.now()
    PlexPhoto.objects.bulk_create(
        [_photo_row(library, item, album_path=album_path, seen=now) for item in items],
        update_conflicts=True, unique_fields=["rating_key"],
        update_fields=["library", "album_path", "title", "taken_at", "width", "height",
                       "format", "thumb", "part_key", "part_file", "file_size",
                       "plex_updated_at", "last_seen_at", "updated_at"],
    )


def _photo_row(library, item: plex.Item, *, album_path: str, seen) -> PlexPhoto:
    # Plex's text is outside input: a path too long for its column fails as a
    # missing file later, on its own record, rather than the whole page now.
    return PlexPhoto(
        **fitted(
            PlexPhoto, album_path=album_path or " / ".join(item.album_path), title=item.title,
            format=item.container, thumb=item.thumb, part_key=item.part_key,
            part_file=item.part_file,
        ),
        rating_key=item.rating_key, library=library,
        taken_at=item.taken_at, width=item.width, height=item.height,
        file_size=item.part_size, plex_updated_at=item.updated_at, last_seen_at=seen,
        created_at=seen, updated_at=seen,
    )


def _photos_to_import(plex_metadata_ids: list[str], *, client
                      ) -> tuple[dict[str, PlexPhoto], dict[str, str]]:
    photos = {photo.rating_key: photo for photo in PlexPhoto.objects.filter(
        rating_key__in=plex_metadata_ids)}
    unknown = [key for key in plex_metadata_ids if key not in photos]
    if not unknown:
        return photos, {}
    libraries = {library.section_key: library for library in PlexLibrary.objects.all()}
    try:
        client = client or plex.from_settings()
        items = client.items(unknown)
        if any(item.library_key not in libraries for item in items.values()):
            libraries = {lib.section_key: lib for lib in plex_libraries_refresh(client=client)}
    except DocentError as exc:
        return photos, dict.fromkeys(unknown, str(exc))
    errors, found = {}, defaultdict(list)
    for key in unknown:
        item = items.get(key)
        if item is None:
            errors[key] = f"Plex has no item {key}."
        elif item.kind != "photo":
            kind = {"clip": "a video clip", "album": "an album"}.get(item.kind, item.kind)
            errors[key] = f"Plex item {key} is {kind}, not a photo."
        elif item.library_key not in libraries:
            errors[key] = f"Plex item {key} is not in a Plex photo library."
        else:
            found[item.library_key].append(item)
    for section_key, library_items in found.items():
        remember_photos(libraries[section_key], library_items, album_path="")
    # Plex's own spelling of the id: it reads "01021" as 1021.
    spelled = {key: items[key].rating_key for key in unknown if key not in errors}
    remembered = {photo.rating_key: photo for photo in PlexPhoto.objects.filter(
        rating_key__in=spelled.values())}
    photos.update({key: remembered[rating_key] for key, rating_key in spelled.items()})
    return photos, errors


# -- the use cases ---------------------------------------------------------------------

def plex_import_request(
    *, plex_metadata_ids, analyze: bool | None = None, force: bool = False, user=None,
    client: plex.PlexClient | None = None, tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None,
) -> ImportRequestResult:
    """Queue each photo for the TVs named (default: the default TV) unless it is
    already there or on its way (docentsite.sources.imports.source_import_request).

    One ImportRecord per photo, ever (plex_metadata_id is unique)."""
    return imports.source_import_request(
        source=_plex(), refs=plex_metadata_ids, analyze=analyze, force=force, user=user,
        tvs_wanted=tvs_wanted, collection=collection, framing=framing, matte=matte,
        lookup=lambda refs: plex_lookup(refs=refs, client=client))


def plex_import_plan(
    *, plex_metadata_ids, force: bool = False, client: plex.PlexClient | None = None,
    tvs_wanted=None, listed: Iterable[plex.Item] = (),
) -> ImportRequestResult:
    """What plex_import_request would do with these photos, without doing it.

    The photos of `listed` (just listed by plex_photo_list) are taken as Plex
    described them; Plex's description of any other photo Docent did not know is
    asked for and remembered, as an import request does.
    """
    known = {item.rating_key: Item(ref=item.rating_key, title=item.title,
                                   filename=item.part_file) for item in listed}

    def lookup(keys: list[str]):
        items, errors = plex_lookup(refs=[key for key in keys if key not in known],
                                    client=client)
        return {**items, **{key: known[key] for key in keys if key in known}}, errors

    return imports.source_import_plan(source=_plex(), refs=plex_metadata_ids, force=force,
                                      tvs_wanted=tvs_wanted, lookup=lookup)


def plex_import_retry(*, records) -> ImportRequestResult:
    """Queue failed imports again; each resumes at the step that failed.

    Stalled imports (their worker died) are taken over the same way.
    """
    return imports.source_import_retry(source=_plex(), records=records)


def plex_import_reanalyze(*, records) -> int:
    """Describe the imported pictures again; how many were queued."""
    return imports.source_import_reanalyze(records=records)


def plex_import_records(*, plex_metadata_ids: Iterable[str]) -> list[ImportRecord]:
    """The import records of these photos, in the order given."""
    ids, found = list(dict.fromkeys(plex_metadata_ids)), {}
    for chunk in chunks(ids):
        records = ImportRecord.objects.select_related("artwork", "photo").filter(
            plex_metadata_id__in=chunk)
        found.update({record.plex_metadata_id: record for record in records})
    return [found[i] for i in ids if i in found]


def plex_import_follow(*, record_ids: Iterable[int], interval: float = 1.0,
                       timeout: float | None = None) -> Iterator[ImportRecord]:
    """Each record, as soon as a worker has ended it (done or failed)."""
    return inline.source_import_follow(source=_plex(), record_ids=record_ids,
                                       interval=interval, timeout=timeout,
                                       related=("artwork", "photo"))


def plex_workers_running(*, timeout: float = inline.WORKER_PING_TIMEOUT) -> bool:
    """Whether any Celery worker answers a ping within `timeout` seconds."""
    return inline.workers_running(timeout=timeout)


def plex_import_run_inline(*, record_id: int, attempts: int = inline.INLINE_ATTEMPTS
                           ) -> ImportRecord:
    """Run a queued import's steps in this process, for when no worker is running."""
    inline.source_import_run_inline(source=_plex(), record_id=record_id, attempts=attempts)
    return ImportRecord.objects.select_related("artwork", "photo").get(pk=record_id)


def plex_fetch_original(*, record_id: int) -> None:
    """Download the photo's original file into the artwork, unless already there."""
    imports.source_fetch_original(source=_plex(), record_id=record_id)


def plex_import_resume_stalled() -> int:
    """Take over the Plex imports whose work stopped without reaching an end."""
    return imports.source_import_resume_stalled(source=_plex())
