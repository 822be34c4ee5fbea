"""The Plex use cases: status, libraries, browse, import requests, retry.

The API, the `import_plex` command and the admin call these and nothing else.
"""

import functools
import itertools
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from docentsite import signedurls
from docentsite.artwork import collections, heartbeat, placements, tvs
from docentsite.artwork import services as artwork_services
from docentsite.artwork.errors import DocentError, NotFound
from docentsite.artwork.fitting import clip_filename, fitted
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Source,
    Status,
)
from docentsite.artwork.services import analyze_by_default
from plexsource import browsecache, thumbnails
from plexsource import client as plex
from plexsource.models import ImportRecord, ImportStatus, ImportStep, PlexLibrary, PlexPhoto

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200
_OPEN = (ImportStatus.QUEUED, ImportStatus.RUNNING)


# -- status and libraries ---------------------------------------------------------

@dataclass(frozen=True)
class PlexStatus:
    configured: bool
    connected: bool
    server: plex.ServerInfo | None = None
    library_count: int | None = None
    error: str | None = None
    #: How PLEX_URL was read, when it was not the server's root (pasted from Plex Web).
    note: str = ""


def plex_status(*, remember: bool = True) -> PlexStatus:
    """Whether Plex is set up and answering; never raises. `remember`: keep the photo
    libraries Plex lists (a request's read-only answer does not)."""
    unusable = plex_settings_status()
    if unusable:
        return unusable
    client = plex.from_settings()
    try:
        server = client.identity()
        libraries = (plex_libraries_refresh(client=client) if remember
                     else client.photo_libraries())
    except DocentError as exc:
        return PlexStatus(configured=True, connected=False, error=str(exc),
                          note=client.url_note)
    return PlexStatus(configured=True, connected=True, server=server,
                      library_count=len(libraries), note=client.url_note)


def plex_settings_status() -> PlexStatus | None:
    """How Plex is when the settings alone tell, without asking Plex: not set up, or
    set up wrong. None when they are usable."""
    try:
        plex.from_settings()
    except plex.PlexNotConfigured as exc:
        # Set but unusable (a plex.tv address, say) is configured, and wrong.
        configured = bool(settings.PLEX_URL and settings.PLEX_TOKEN)
        return PlexStatus(configured=configured, connected=False, error=str(exc))
    return None


def plex_libraries_refresh(*, client: plex.PlexClient | None = None) -> list[PlexLibrary]:
    """Ask Plex for its photo libraries and remember them."""
    client = client or plex.from_settings()
    now = timezone.now()
    libraries = []
    for library in client.photo_libraries():
        row, _ = PlexLibrary.objects.update_or_create(
            section_key=library.key,
            defaults={**fitted(PlexLibrary, title=library.title, uuid=library.uuid),
                      "photo_count": library.photo_count, "last_seen_at": now},
        )
        libraries.append(row)
    return libraries


def plex_libraries() -> list[PlexLibrary]:
    """The photo libraries as last seen, in Plex's order (the order Docent first saw
    them in), without asking Plex: the status check refreshes them in the background
    (plex_libraries_refresh). Plex is asked only when Docent has never seen a
    library, for there is nothing to show yet."""
    libraries = list(PlexLibrary.objects.order_by("pk"))
    if not libraries:
        libraries = plex_libraries_refresh()
    browsecache.libraries.put(libraries)
    return libraries


def plex_library_get(*, library: str) -> PlexLibrary:
    """A photo library by Docent id, Plex section key or title (case-insensitive)."""
    matches = Q(title__iexact=library) | Q(section_key=library)
    if library.isdigit():
        matches |= Q(pk=int(library))
    found = PlexLibrary.objects.filter(matches).first()
    if found is None:
        plex_libraries_refresh()
        found = PlexLibrary.objects.filter(matches).first()
    if found is None:
        raise NotFound(f"There is no Plex photo library called {library!r}.")
    return found


# -- browsing ----------------------------------------------------------------------

@dataclass(frozen=True)
class Crumb:
    id: str | None
    title: str


@dataclass(frozen=True)
class BrowseItem:
    plex_metadata_id: str
    type: str
    title: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


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


#: A browse tile's state for an import whose picture was taken off every TV it was on:
#: it is not "imported" any more, and importing it again puts it back.
REMOVED = "removed"
#: Albums a breadcrumb trail follows up at most, whatever Plex sends.
MAX_DEPTH = 32


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
    """Each photo's import status, or REMOVED for an imported picture taken off every
    TV it was on: one query.

    Written out in SQL: the ORM took 1.5 ms to build this query for a page of 50 (a
    third of the page's own time), the database 0.05 ms to answer it."""
    if not plex_metadata_ids:
        return {}
    on_tv = ", ".join(["%s"] * len(placements.ON_TV_STATUSES))
    ids = ", ".join(["%s"] * len(plex_metadata_ids))
    # Only placeholders and table names are put in the text.
    query = (
        f"SELECT r.plex_metadata_id, r.status,"  # noqa: S608
        f" SUM(CASE WHEN p.status IN ({on_tv}) THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN p.status = %s THEN 1 ELSE 0 END)"
        f" FROM {_table(ImportRecord)} r LEFT JOIN {_table(Placement)} p"
        f" ON p.artwork_id = r.artwork_id"
        f" WHERE r.plex_metadata_id IN ({ids}) GROUP BY r.plex_metadata_id, r.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*placements.ON_TV_STATUSES, PlacementStatus.REMOVED,
                               *plex_metadata_ids])
        records = cursor.fetchall()
    return {key: REMOVED if status == ImportStatus.DONE and taken_off and not on_tv else status
            for key, status, on_tv, taken_off in records}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _remember_photos(library: PlexLibrary, items: list[plex.Item], *, album_path: str) -> None:
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


# -- importing ---------------------------------------------------------------------

@dataclass
class ImportRequestResult:
    queued: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    collection: str | None = None  # the one the photos were put in, by name
    added_to_collection: int = 0  # photos that joined it (the others were in it)


def plex_import_request(
    *, plex_metadata_ids, analyze: bool | None = None, force: bool = False, user=None,
    client: plex.PlexClient | None = None, tvs_wanted=None, collection: str | None = None,
) -> ImportRequestResult:
    """Queue each photo for the TVs named (default: the default TV) unless it is
    already there or on its way.

    `collection`: a collection's name (made if there is none): the photos asked for join
    it, the new ones and those imported before alike.

    One ImportRecord per photo, ever (the field is unique): a photo is
    downloaded, prepared and described once, and placed on each TV asked for;
    sending an imported photo to another TV is not a re-import. A failed import
    is queued again and resumes at the step that failed. `force` imports a
    photo that is already on the TV again, as a second picture.
    """
    analyze = analyze_by_default() if analyze is None else analyze
    chosen = tvs.tvs_for_new_work(tvs_wanted)
    result = ImportRequestResult()
    for photo, existing in _importable(
            plex_metadata_ids, force=force, result=result, chosen=chosen,
            photos_for=lambda keys: _photos_to_import(keys, client=client)):
        if _queue(photo, existing=existing, analyze=analyze, user=user, chosen=chosen,
                  force=force) is None:
            result.skipped.append({"plex_metadata_id": photo.rating_key,
                                   "reason": "import in progress"})
        else:
            result.queued.append(photo.rating_key)
    if collection:
        _collect(plex_metadata_ids, name=collection, result=result)
    return result


def _collect(plex_metadata_ids, *, name: str, result: ImportRequestResult) -> None:
    """The photos' artworks, whatever became of this request for each, join the collection."""
    into = collections.collection_named(name=name, create=True)
    ids = list(dict.fromkeys(str(i).strip() for i in plex_metadata_ids))
    for chunk in _chunks(ids):
        result.added_to_collection += collections.collection_add(
            collection=into, artworks=list(ImportRecord.objects.filter(
                plex_metadata_id__in=chunk, artwork__isnull=False).values_list(
                "artwork_id", flat=True)))
    result.collection = into.name


def _importable(plex_metadata_ids, *, force: bool, result: ImportRequestResult,
                chosen: list[TV], photos_for):
    """Yield (photo, existing record) for each id that may be imported; note the
    others in `result` as skipped (with the reason) or as errors.

    A few queries and at most one request to Plex per hundred photos, whatever
    their number: records, placements and photos (`photos_for`, which answers
    like _photos_to_import) are looked up by the batch."""
    ids = list(dict.fromkeys(str(i).strip() for i in plex_metadata_ids))
    for chunk in _chunks(ids):
        records = {record.plex_metadata_id: record for record in ImportRecord.objects
                   .select_related("artwork").filter(plex_metadata_id__in=chunk)}
        reasons = _skip_reasons(list(records.values()), force=force, chosen=chosen)
        for plex_metadata_id, reason in reasons.items():
            logger.warning("Plex photo %r not imported: %s", plex_metadata_id, reason)
        wanted = [key for key in chunk if key not in reasons]
        photos, errors = photos_for(wanted)
        for plex_metadata_id in chunk:
            if plex_metadata_id in reasons:
                result.skipped.append({"plex_metadata_id": plex_metadata_id,
                                       "reason": reasons[plex_metadata_id]})
            elif plex_metadata_id in errors:
                result.errors.append({"plex_metadata_id": plex_metadata_id,
                                      "error": errors[plex_metadata_id]})
            else:
                yield photos[plex_metadata_id], records.get(plex_metadata_id)


def _skip_reasons(records: list[ImportRecord], *, force: bool, chosen: list[TV]
                  ) -> dict[str, str]:
    """Why each of these records' photos is not imported again, by Plex id; those
    that may be are left out. A query or two for them all."""
    if not records:
        return {}
    open_ids = [record.pk for record in records if record.status in _OPEN]
    stalled = set(_stalled(ImportRecord.objects.filter(pk__in=open_ids)).values_list(
        "pk", flat=True)) if open_ids else set()
    there = _tvs_with([record.artwork_id for record in records if record.artwork_id], chosen)
    reasons, done = {}, []
    for record in records:
        missing = [tv for tv in chosen if tv.pk not in there.get(record.artwork_id, ())]
        if record.status in _OPEN and record.pk not in stalled:
            if not missing:
                reasons[record.plex_metadata_id] = "import in progress"
        elif record.status == ImportStatus.DONE and not force and not missing \
                and record.artwork is not None:
            done.append(record)  # not placed anywhere new: already there
    on = _already_on([record.artwork_id for record in done], chosen)
    reasons.update({record.plex_metadata_id: on[record.artwork_id] for record in done})
    return reasons


def _tvs_with(artwork_ids: list[int], chosen: list[TV]) -> dict[int, set[int]]:
    """The chosen TVs each artwork is on, or on its way to."""
    there = defaultdict(set)
    if artwork_ids and chosen:
        for artwork_id, tv_id in Placement.objects.filter(
                artwork_id__in=artwork_ids, tv__in=chosen, status__in=placements.ON_TV_STATUSES
                + (PlacementStatus.QUEUED,)).values_list("artwork_id", "tv_id"):
            there[artwork_id].add(tv_id)
    return there


def _already_on(artwork_ids: list[int], chosen: list[TV]) -> dict[int, str]:
    """"already on the TV as MY_F0001" for each artwork, naming the TVs once there is
    more than one."""
    if not artwork_ids:
        return {}
    on = defaultdict(list)
    for placement in Placement.objects.filter(artwork_id__in=artwork_ids, tv__in=chosen).exclude(
            content_id=None).select_related("tv").order_by("tv_id"):
        on[placement.artwork_id].append(placement)
    the_only_tv = len(chosen) == 1 and not TV.objects.exclude(
        pk__in=[tv.pk for tv in chosen]).exists()
    reasons = {}
    for artwork_id in artwork_ids:
        placed = on[artwork_id]
        if the_only_tv:
            reasons[artwork_id] = (f"already on the TV as {placed[0].content_id}" if placed
                                   else "already imported")
        else:
            names = ", ".join(f"{p.tv.name} as {p.content_id}" for p in placed)
            reasons[artwork_id] = f"already on {names}" if names else "already imported"
    return reasons


def _photos_to_import(plex_metadata_ids: list[str], *, client
                      ) -> tuple[dict[str, PlexPhoto], dict[str, str]]:
    """Each photo as Docent remembers it, or as Plex describes it now (asked for a
    hundred at a time, then remembered); and why the others cannot be imported."""
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
        _remember_photos(libraries[section_key], library_items, album_path="")
    # Plex's own spelling of the id: it reads "01021" as 1021.
    spelled = {key: items[key].rating_key for key in unknown if key not in errors}
    remembered = {photo.rating_key: photo for photo in PlexPhoto.objects.filter(
        rating_key__in=spelled.values())}
    photos.update({key: remembered[rating_key] for key, rating_key in spelled.items()})
    return photos, errors


def _queue(photo: PlexPhoto, *, existing, analyze: bool, user, chosen: list[TV],
           force: bool) -> ImportRecord | None:
    """Create or re-arm the record and its artwork, place it on the chosen TVs and
    queue the work on commit. None when another request got there first.
    """
    now = timezone.now()
    with transaction.atomic():
        if existing is None:
            try:
                with transaction.atomic():
                    record = ImportRecord.objects.create(
                        plex_metadata_id=photo.rating_key, photo=photo, analyze=analyze,
                        requested_by=_user(user), requested_at=now,
                    )
            except IntegrityError:
                return None  # a concurrent request created it a moment ago
        elif existing.status in _OPEN and not _stalled(
                ImportRecord.objects.filter(pk=existing.pk), now=now):
            # Still on its way: the TVs asked for now join it.
            placements.artwork_place(artworks=[existing.artwork], tvs_wanted=chosen)
            return existing
        else:
            # An ended import, or one whose worker died: this request takes it over.
            this = ImportRecord.objects.filter(pk=existing.pk)
            rearmed = (
                this.filter(status__in=[ImportStatus.FAILED, ImportStatus.DONE])
                | _stalled(this.filter(status__in=_OPEN), now=now)
            ).update(status=ImportStatus.QUEUED, step=ImportStep.QUEUED, analyze=analyze,
                     last_error="", note="", heartbeat_at=None, waiting_reason="",
                     next_attempt_at=None, finished_at=None, requested_at=now,
                     requested_by=_user(user), photo=photo, updated_at=now)
            if not rearmed:
                return None
            record = ImportRecord.objects.select_related("artwork").get(pk=existing.pk)
        artwork = record.artwork
        if artwork is None or (force and existing is not None
                               and existing.status == ImportStatus.DONE):
            # New, or forced: a fresh artwork; the one on the TV stays as it is.
            name = photo.part_file or f"{photo.rating_key}.jpg"
            artwork = Artwork.objects.create(
                **fitted(Artwork, title=photo.title or photo.rating_key),
                source=Source.PLEX, source_ref=photo.rating_key,
                original_filename=clip_filename(
                    name, Artwork._meta.get_field("original_filename").max_length),
                analysis_status=AnalysisStatus.PENDING if analyze else AnalysisStatus.NONE,
                created_by=_user(user),
            )
            ImportRecord.objects.filter(pk=record.pk).update(artwork=artwork)
        else:
            _rearm_artwork(artwork, analyze=analyze)
        placements.artwork_place(artworks=[artwork], tvs_wanted=chosen)
        transaction.on_commit(lambda: _enqueue(record.pk, artwork.pk))
    return record


def _rearm_artwork(artwork: Artwork, *, analyze: bool) -> None:
    """A failed or stalled artwork resumes at the step that failed or stopped; its
    failed placements are queued again."""
    # Taken over: no live step works on it (see _stalled), so nothing is analysing it.
    Artwork.objects.filter(pk=artwork.pk, analysis_status=AnalysisStatus.RUNNING).update(
        analysis_status=AnalysisStatus.PENDING, heartbeat_at=None)
    if artwork.status == Status.FAILED:
        resume_at = Status.PREPARED if artwork.image else Status.PENDING
        Artwork.objects.filter(pk=artwork.pk).update(status=resume_at, last_error="")
        if not artwork.image and artwork.original:
            # Downloaded but not readable: the owner may have replaced the file in
            # Plex since, so fetch it again rather than fail on the same bytes.
            artwork.original.delete(save=False)
            Artwork.objects.filter(pk=artwork.pk).update(original="")
    placements.placements_retry(artworks=Artwork.objects.filter(pk=artwork.pk))
    if analyze and artwork.analysis_status in (AnalysisStatus.NONE, AnalysisStatus.FAILED):
        Artwork.objects.filter(pk=artwork.pk).update(analysis_status=AnalysisStatus.PENDING)


def _enqueue(record_id: int, artwork_id: int) -> None:
    from plexsource import tasks

    tasks.import_chain(record_id, artwork_id).delay()


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def plex_import_retry(*, records) -> ImportRequestResult:
    """Queue failed imports again; each resumes at the step that failed.

    Stalled imports (their worker died) are taken over the same way.
    """
    retryable = records.filter(status=ImportStatus.FAILED) | _stalled(
        records.filter(status__in=_OPEN))
    ids = retryable.values_list("plex_metadata_id", flat=True)
    return plex_import_request(plex_metadata_ids=list(ids), analyze=None)


def plex_import_reanalyze(*, records) -> int:
    """Describe the imported pictures again; how many were queued."""
    return artwork_services.artwork_reanalyze(
        artworks=Artwork.objects.filter(plex_import__in=records)
    )


def plex_fetch_original(*, record_id: int, client: plex.PlexClient | None = None) -> None:
    """Download the photo's original file into the artwork, unless already there."""
    record = ImportRecord.objects.select_related("artwork").get(pk=record_id)
    artwork = record.artwork
    if artwork.original or artwork.status != Status.PENDING:
        return
    _record_step(record.pk, ImportStep.DOWNLOADING, new_attempt=True)
    client = client or plex.from_settings()
    item = client.item(record.plex_metadata_id)
    if item.kind != "photo":
        raise NotFound(f"Plex item {record.plex_metadata_id} is no longer a photo.")
    name = f"originals/plex/{_safe(item.rating_key)}/{_safe_name(item)}"
    path = client.download(item, Path(settings.MEDIA_ROOT) / name)
    Artwork.objects.filter(pk=artwork.pk).update(original=name, updated_at=timezone.now())
    size = path.stat().st_size
    if item.part_size is not None and size != item.part_size:
        ImportRecord.objects.filter(pk=record.pk).update(note=(
            f"The file changed after Plex's last scan (Plex lists {item.part_size:,} bytes; "
            f"it sent {size:,}): imported as sent."))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64]


def _safe_name(item: plex.Item) -> str:
    stem, dot, suffix = (item.part_file or "photo").rpartition(".")
    return f"{_safe(stem or suffix)}.{_safe(suffix)}" if dot else _safe(suffix)


def plex_import_failed(*, record_id: int, error: str) -> None:
    """Give up on a record after its step failed for good."""
    record = ImportRecord.objects.select_related("artwork").get(pk=record_id)
    now = timezone.now()
    ImportRecord.objects.filter(pk=record_id).update(
        status=ImportStatus.FAILED, last_error=error, waiting_reason="", next_attempt_at=None,
        finished_at=now, updated_at=now)
    if record.artwork and record.artwork.status == Status.PENDING:
        Artwork.objects.filter(pk=record.artwork.pk).update(
            status=Status.FAILED, last_error=error, updated_at=now)
    logger.warning("Plex import of %r failed: %r", record.plex_metadata_id, error)


def plex_import_note(*, record_id: int, error: str, retry_in: float | None = None) -> None:
    """Show why a step is waiting to be retried (Plex down, say), and when it is."""
    now = timezone.now()
    ImportRecord.objects.filter(pk=record_id).update(
        last_error=error, waiting_reason=error, updated_at=now,
        next_attempt_at=None if retry_in is None else now + timedelta(seconds=retry_in))


@contextmanager
def plex_import_step(*, record_id: int):
    """Run the import's own step (the download): its heartbeat shows it alive
    meanwhile, and once it succeeds nothing is waiting any more."""
    rows = ImportRecord.objects.filter(pk=record_id)
    with heartbeat.beating(rows):
        yield
    rows.update(waiting_reason="", next_attempt_at=None)


def _record_step(record_id: int, step: str, *, new_attempt: bool = False) -> None:
    changes = {"status": ImportStatus.RUNNING, "step": step, "updated_at": timezone.now()}
    if new_attempt:
        changes["attempts"] = F("attempts") + 1
    ImportRecord.objects.filter(pk=record_id).exclude(
        status__in=[ImportStatus.DONE, ImportStatus.FAILED]).update(**changes)


_STEP_OF = {"preparing": ImportStep.PREPARING, "uploading": ImportStep.UPLOADING,
            "analyzing": ImportStep.ANALYZING}


def plex_import_progress(*, artwork: Artwork, step: str, error: str = "",
                         next_attempt_at=None) -> None:
    """Follow an artwork's pipeline on its import record (artwork_progress signal)."""
    record = ImportRecord.objects.filter(artwork=artwork).only("pk").first()
    if record is None:
        return
    now = timezone.now()
    if step == "done":
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportStatus.DONE, step=ImportStep.DONE, last_error="", waiting_reason="",
            next_attempt_at=None, finished_at=now, updated_at=now)
    elif step == "failed":
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED, last_error=error or artwork.last_error, waiting_reason="",
            next_attempt_at=None, finished_at=now, updated_at=now)
    elif step == "waiting":
        # The artwork's step (or a TV's lane) waits for a retry, or no longer does.
        if error:
            ImportRecord.objects.filter(pk=record.pk).update(
                waiting_reason=error, next_attempt_at=next_attempt_at)
        else:
            ImportRecord.objects.filter(pk=record.pk).update(
                waiting_reason=artwork.waiting_reason, next_attempt_at=artwork.next_attempt_at)
    elif step in _STEP_OF:
        _record_step(record.pk, _STEP_OF[step])


def plex_import_resume_stalled() -> int:
    """Take over the imports whose work stopped without reaching an end.

    A worker killed mid-download leaves its record running, its heartbeat
    silent; the download is started again. From the prepare on, the work is
    the artwork's and the core's sweep (artwork_resume_stalled) takes it over;
    here only a record whose artwork ended while the record did not is settled.
    """
    open_records = ImportRecord.objects.filter(status__in=_OPEN, artwork__isnull=False)
    downloading = Q(artwork__status=Status.PENDING, artwork__original="")
    working = Q(artwork__status=Status.PENDING) | Q(
        artwork__analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING]) | Q(
        artwork__placements__status__in=placements.OPEN)
    ended = Q(artwork__status__in=[Status.PREPARED, Status.FAILED]) & ~working
    taken = 0
    for record in _stalled(open_records.filter(downloading | ended)).select_related(
            "artwork").distinct():
        now = timezone.now()
        if not _stalled(ImportRecord.objects.filter(pk=record.pk), now=now).update(
                heartbeat_at=None, next_attempt_at=None, updated_at=now):
            continue  # another sweep took it a moment ago
        taken += 1
        if record.artwork.status == Status.FAILED:
            plex_import_progress(artwork=record.artwork, step="failed")
            continue
        if record.artwork.status == Status.PREPARED:
            placements.artwork_settle(artwork_id=record.artwork_id)
            continue
        logger.info("Taking over Plex import %s, whose work had stopped", record.pk)
        transaction.on_commit(lambda r=record.pk, a=record.artwork_id: _enqueue(r, a))
    return taken


def _stalled(records, *, now=None):
    """The records no live step moves: theirs stopped, and their artwork's is not running
    nor waiting for a retry."""
    return records.filter(heartbeat.stalled(now=now)).exclude(
        heartbeat.alive("artwork__", now=now))


# -- importing from the command line, with or without a worker -------------------

#: Seconds a worker has to answer a ping. The embedded queue is read once a
#: second, so its workers answer after about one; with none, we wait it all.
WORKER_PING_TIMEOUT = 2.0
#: Tries of a step that fails transiently when no worker runs the import.
INLINE_ATTEMPTS = 3
#: The first wait, doubling, between two tries in this process: someone may be watching.
INLINE_FIRST_DELAY = 5.0
_ENDED = (ImportStatus.DONE, ImportStatus.FAILED)
_CHUNK = 500  # ids per query, well under SQLite's limit on parameters


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
    for chunk in _chunks(photos):
        _remember_photos(library, chunk, album_path="")


def plex_import_plan(
    *, plex_metadata_ids, force: bool = False, client: plex.PlexClient | None = None,
    tvs_wanted=None, listed: Iterable[plex.Item] = (),
) -> ImportRequestResult:
    """What plex_import_request would do with these photos, without doing it.

    `queued` lists the photos it would queue; `skipped` and `errors` carry the
    same reasons. No record or artwork is created and nothing is queued. The
    photos of `listed` (just listed by plex_photo_list) are taken as Plex
    described them; Plex's description of any other photo Docent did not know
    is asked for and remembered, as an import request does.
    """
    result = ImportRequestResult()
    chosen = tvs.tvs_for_new_work(tvs_wanted)
    known = {item.rating_key: item for item in listed}

    def photos_for(keys: list[str]):
        photos, errors = _photos_to_import([key for key in keys if key not in known],
                                           client=client)
        return {**photos, **{key: known[key] for key in keys if key in known}}, errors

    for photo, _existing in _importable(plex_metadata_ids, force=force, result=result,
                                        chosen=chosen, photos_for=photos_for):
        result.queued.append(photo.rating_key)
    return result


def plex_photo_names(*, plex_metadata_ids: Iterable[str], listed: Iterable[plex.Item] = ()
                     ) -> dict[str, str]:
    """A name to show for each photo: its file name, else its title; as `listed`
    (just fetched from Plex) says, else as Docent remembers it."""
    names = {item.rating_key: item.part_file or item.title for item in listed}
    for chunk in _chunks(key for key in plex_metadata_ids if key not in names):
        photos = PlexPhoto.objects.filter(rating_key__in=chunk).values_list(
            "rating_key", "part_file", "title")
        names.update({key: part_file or title for key, part_file, title in photos})
    return names


def plex_import_records(*, plex_metadata_ids: Iterable[str]) -> list[ImportRecord]:
    """The import records of these photos, in the order given."""
    ids, found = list(dict.fromkeys(plex_metadata_ids)), {}
    for chunk in _chunks(ids):
        records = ImportRecord.objects.select_related("artwork", "photo").filter(
            plex_metadata_id__in=chunk)
        found.update({record.plex_metadata_id: record for record in records})
    return [found[i] for i in ids if i in found]


def plex_import_follow(
    *, record_ids: Iterable[int], interval: float = 1.0, timeout: float | None = None
) -> Iterator[ImportRecord]:
    """Each record, as soon as a worker has ended it (done or failed).

    With `timeout` (seconds), stops following then; the work goes on in the worker.
    """
    pending = set(record_ids)
    deadline = None if timeout is None else time.monotonic() + timeout
    while pending:
        for chunk in _chunks(sorted(pending)):
            ended = ImportRecord.objects.select_related("artwork", "photo").filter(
                pk__in=chunk, status__in=_ENDED).order_by("finished_at", "pk")
            for record in ended:
                pending.discard(record.pk)
                yield record
        if not pending:
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return
        time.sleep(interval if left is None else min(interval, left))


def plex_workers_running(*, timeout: float = WORKER_PING_TIMEOUT) -> bool:
    """Whether any Celery worker answers a ping within `timeout` seconds."""
    from docentsite.celery import app

    try:
        return bool(app.control.ping(timeout=timeout, limit=1))
    except Exception:  # noqa: BLE001 - a broker that can't broadcast has no worker for us
        return False


def plex_import_run_inline(
    *, record_id: int, attempts: int = INLINE_ATTEMPTS, client: plex.PlexClient | None = None,
) -> ImportRecord:
    """Run a queued import's steps in this process, for when no worker is running.

    The steps and their failure handling are the chain's: a permanent error
    fails the record with its message, a transient one is tried `attempts`
    times in all and then fails it with "Gave up after N attempts: ...", and
    analysis failing never keeps a picture off the TV. Every step skips work
    already done, so the chain still queued for the record is a no-op when a
    worker runs it later.
    """
    record = ImportRecord.objects.get(pk=record_id)
    artwork_id = record.artwork_id
    if artwork_id is None or record.status in _ENDED:
        return _record(record_id)
    error = _try(lambda: plex_fetch_original(record_id=record_id, client=client),
                 attempts=attempts,
                 on_retry=lambda message: plex_import_note(record_id=record_id, error=message))
    if error:
        plex_import_failed(record_id=record_id, error=error)
        return _record(record_id)
    error = _try(lambda: artwork_services.artwork_prepare(artwork_id=artwork_id),
                 attempts=attempts)
    if error:
        # A step records its own permanent failure, not our giving up.
        if not Artwork.objects.filter(pk=artwork_id, status=Status.FAILED).exists():
            artwork_services.artwork_record_failure(artwork_id=artwork_id, error=error)
        return _record(record_id)
    placements.artwork_upload_inline(
        artwork_id=artwork_id, attempts=attempts,
        first_delay=min(settings.TASK_RETRY_DELAY, INLINE_FIRST_DELAY))
    error = _try(lambda: artwork_services.artwork_analyze(artwork_id=artwork_id),
                 attempts=attempts)
    if error and Artwork.objects.filter(pk=artwork_id, analysis_status__in=[
            AnalysisStatus.PENDING, AnalysisStatus.RUNNING]).exists():
        artwork_services.artwork_record_analysis_failure(artwork_id=artwork_id, error=error)
    artwork_services.artwork_finish(artwork_id=artwork_id, inline=True)
    return _record(record_id)


def _record(record_id: int) -> ImportRecord:
    return ImportRecord.objects.select_related("artwork", "photo").get(pk=record_id)


def _try(step, *, attempts: int, on_retry=None) -> str | None:
    """Call `step` until it succeeds, fails for good, or fails transiently
    `attempts` times; the error to record, or None."""
    for attempt in itertools.count(1):
        try:
            step()
            return None
        except DocentError as exc:
            if not exc.transient:
                return str(exc)
            if attempt >= attempts:
                return f"Gave up after {attempt} attempts: {exc}"
            logger.info("%r; trying again", str(exc))
            if on_retry:
                on_retry(str(exc))
            time.sleep(min(settings.TASK_RETRY_DELAY, INLINE_FIRST_DELAY) * 2 ** (attempt - 1))


def _chunks(items: Iterable, size: int = _CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
