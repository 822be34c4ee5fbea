"""Importing Drive pictures: what the core's import machinery asks of the Drive source
(which pictures the ids name, and their originals), and the use cases the API, the
admin and `import_drive` call, each the core's (docentsite.sources) for Drive.

The records are the core's shared SourceImport (unique by source and Drive file id):
a picture is imported once, whatever asks for it. Each artwork keeps the folder's
`drive_sync_id` (Artwork.extra), which artwork_meta.json carries as the original
Docent writes it.
"""

import uuid
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from django.utils import timezone

from docentsite.artwork.errors import DocentError, NotFound, Rejected
from docentsite.sources import imports, inline
from docentsite.sources.imports import ImportRequestResult, Item, Original, safe
from docentsite.sources.registry import Source, source_get
from drivesource import client as drive
from drivesource import folders
from drivesource.models import DriveSync

__all__ = ["ImportRequestResult"]


def drive_source() -> Source:
    return source_get("google_drive")


# -- what the core asks of the source -----------------------------------------------

def drive_lookup(*, refs: list[str], listed: Iterable[drive.Entry] = ()
                 ) -> tuple[dict[str, Item], dict[str, str]]:
    """Each picture as a listing just showed it, or as Drive describes it now; and why
    the others cannot be imported (not a picture, not in the shared folder, gone)."""
    known = {entry.id: entry for entry in listed}
    items, errors = {}, {}
    try:
        sync_id = drive_sync_id()
    except DocentError as exc:
        return {}, dict.fromkeys(refs, str(exc))
    for at, ref in enumerate(refs):
        try:
            entry = known.get(ref) or folders.drive_file_in_tree(file_id=ref)
        except drive.DriveUnavailable as exc:
            errors.update(dict.fromkeys(refs[at:], str(exc)))
            break
        except DocentError as exc:
            errors[ref] = str(exc)
            continue
        if not entry.is_image:
            errors[ref] = f"{entry.name!r} on Google Drive is not a picture ({entry.mime_type})."
        elif entry.trashed:
            errors[ref] = f"{entry.name!r} is in the Google Drive trash."
        else:
            items[ref] = Item(ref=entry.id, title=PurePosixPath(entry.name).stem or entry.name,
                              filename=entry.name, artwork_extra={"drive_sync_id": sync_id})
    return items, errors


def drive_fetch_original(*, ref: str, dest_dir: Path) -> Original:
    """Download the picture's original file into `dest_dir`."""
    client = drive.from_settings()
    entry = client.file(ref)
    if not entry.is_image or entry.trashed:
        raise Rejected(f"{entry.name!r} on Google Drive is no longer a picture Docent may "
                       "import (moved to the trash, or replaced by another kind of file).")
    path = dest_dir / _safe_name(entry.name)
    size = client.download(ref, path)
    note = ""
    if entry.size is not None and size != entry.size:
        note = (f"The file changed while Docent read it (Drive listed {entry.size:,} bytes; "
                f"it sent {size:,}): imported as sent.")
    return Original(path, note)


def _safe_name(name: str) -> str:
    stem, dot, suffix = (name or "picture").rpartition(".")
    return f"{safe(stem or suffix)}.{safe(suffix)}" if dot else safe(suffix)


def drive_sync_id() -> str:
    """The drive_sync_id of DRIVE_FOLDER_URL's folder, without writing anything: its
    row's, else the one its row will be made with."""
    root = folders.drive_root()
    kept = DriveSync.objects.filter(folder_id=root.id).values_list("sync_id", flat=True)
    return kept.first() or sync_id_for(root.id)


def sync_id_for(folder_id: str) -> str:
    """A folder's sync id, the same every time it is worked out (the original Docent's
    are random: adopted pictures keep theirs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://drive.google.com/drive/folders/"
                                              f"{folder_id}"))


def drive_sync_current() -> DriveSync:
    """The row of DRIVE_FOLDER_URL's folder, made the first time something is imported
    from it: its sync_id marks every picture imported from it."""
    root = folders.drive_root()
    sync, made = DriveSync.objects.get_or_create(
        folder_id=root.id, defaults={"name": root.title[:255], "sync_id": sync_id_for(root.id)})
    if not made and sync.name != root.title[:255]:
        DriveSync.objects.filter(pk=sync.pk).update(name=root.title[:255],
                                                    updated_at=timezone.now())
    return sync


# -- the use cases ---------------------------------------------------------------------

def drive_import_request(
    *, drive_file_ids, analyze: bool | None = None, force: bool = False, user=None,
    tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, listed: Iterable[drive.Entry] = (),
) -> ImportRequestResult:
    """Queue each picture for the TVs named (default: the default TV) unless it is
    already there or on its way (docentsite.sources.imports.source_import_request)."""
    listed = list(listed)
    drive_sync_current()
    return imports.source_import_request(
        source=drive_source(), refs=drive_file_ids, analyze=analyze, force=force, user=user,
        tvs_wanted=tvs_wanted, collection=collection, framing=framing, matte=matte,
        lookup=lambda refs: drive_lookup(refs=refs, listed=listed))


def drive_import_plan(*, drive_file_ids, force: bool = False, tvs_wanted=None
                      ) -> ImportRequestResult:
    """What drive_import_request would do with these pictures, without doing it."""
    return imports.source_import_plan(
        source=drive_source(), refs=drive_file_ids, force=force, tvs_wanted=tvs_wanted)


def drive_folder_pictures(*, folder_id: str | None = None, subfolders: bool = False
                          ) -> list[drive.Entry]:
    """The pictures of a folder of the shared tree (default: the shared folder itself),
    and with `subfolders` of every folder below it, as Drive lists them now."""
    folder_id = folder_id or folders.drive_root().id
    return [entry for _path, entry in folders.drive_pictures_below(
        folder_id=folder_id, subfolders=subfolders)]


def drive_folder_import(
    *, folder_id: str | None = None, subfolders: bool = False, analyze: bool | None = None,
    user=None, tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, dry_run: bool = False,
) -> ImportRequestResult:
    """"Sync this folder": import every picture of the folder not imported yet (those
    imported before are skipped, failed ones tried again), optionally into a collection."""
    pictures = drive_folder_pictures(folder_id=folder_id, subfolders=subfolders)
    refs = [entry.id for entry in pictures]
    if dry_run:
        return imports.source_import_plan(
            source=drive_source(), refs=refs, tvs_wanted=tvs_wanted,
            lookup=lambda asked: drive_lookup(refs=asked, listed=pictures))
    result = drive_import_request(drive_file_ids=refs, analyze=analyze, user=user,
                                  tvs_wanted=tvs_wanted, collection=collection,
                                  framing=framing, matte=matte, listed=pictures)
    drive_sync_ran()
    return result


def drive_sync_ran() -> None:
    """The shared folder's row says a sync (an import of a whole folder) ran now."""
    now = timezone.now()
    DriveSync.objects.filter(pk=drive_sync_current().pk).update(last_synced_at=now,
                                                              updated_at=now)


def drive_folder_find(*, text: str) -> str:
    """The id of a folder of the shared tree, named by its link, its id, or its path of
    names from the shared folder down ("Travel/Mexico", any case)."""
    text = text.strip()
    if text.startswith(("http://", "https://")) or (len(text) >= 25 and "/" not in text
                                                    and " " not in text):
        try:
            folder_id = drive.parse_folder_id(text)
        except ValueError as exc:
            raise NotFound(str(exc)) from None
        folders.drive_folder_path(folder_id=folder_id)
        return folder_id
    folder_id = folders.drive_root().id
    names = [name.strip() for name in text.split("/") if name.strip()]
    for depth, name in enumerate(names, start=1):
        listing = folders.drive_folder_listing(folder_id=folder_id)
        found = next((f for f in listing.folders if f.name.casefold() == name.casefold()), None)
        if found is None:
            raise NotFound(f"There is no folder {'/'.join(names[:depth])!r} in the shared "
                           f"Google Drive folder {listing.path[0].title!r}.")
        folder_id = found.id
    return folder_id


def drive_import_records(*, drive_file_ids: Iterable[str]) -> list:
    return imports.source_import_records(source=drive_source(), refs=drive_file_ids)


def drive_import_follow(*, record_ids: Iterable[int], interval: float = 1.0,
                        timeout: float | None = None):
    """Each record, as soon as a worker has ended it (done or failed)."""
    return inline.source_import_follow(source=drive_source(), record_ids=record_ids,
                                       interval=interval, timeout=timeout)


def drive_import_run_inline(*, record_id: int, attempts: int = inline.INLINE_ATTEMPTS):
    """Run a queued import's steps in this process, for when no worker is running."""
    return inline.source_import_run_inline(source=drive_source(), record_id=record_id,
                                           attempts=attempts)
