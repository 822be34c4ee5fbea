"""Taking a source's pictures to the TVs: the import use cases every source shares.

A source says what its pictures are (its `lookup`) and fetches an original to a file
(its `fetch_original`); everything else is here, once: one import record per picture
(a second request for it is reported as imported or in progress, never uploaded
twice), the pending artwork, the chain (sources.fetch_original, then the artwork's
pipeline), retries, re-arming a failed import at the step that failed, following the
pipeline's progress on the record, and taking over work a dead worker left.
"""

import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from docentsite.artwork import collections, heartbeat, placements, settle, tvs
from docentsite.artwork import services as artwork_services
from docentsite.artwork.fitting import clip_filename, fitted
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)
from docentsite.sources.models import ImportStatus, ImportStep
from docentsite.sources.registry import Source, source_get

logger = logging.getLogger(__name__)

OPEN = (ImportStatus.QUEUED, ImportStatus.RUNNING)
ENDED = (ImportStatus.DONE, ImportStatus.FAILED)
#: A browse tile's state for an import whose picture was taken off every TV it was on:
#: it is not "imported" any more, and importing it again puts it back.
REMOVED = "removed"
_CHUNK = 500  # ids per query, well under SQLite's limit on parameters


@dataclass(frozen=True)
class Item:
    """A picture a source offers, as an import needs it (its `lookup` answers these)."""

    #: The source's own spelling of its id (the record keeps this one).
    ref: str
    title: str = ""
    #: The original's file name, shown in the gallery: "IMG_0042.HEIC".
    filename: str = ""
    #: More fields of the source's own record model (a link to a row of its own).
    record_fields: dict = field(default_factory=dict)
    #: Keys the new artwork keeps in Artwork.extra: written into its artwork_meta.json
    #: entry as they are ({"drive_sync_id": "0b6e..."}).
    artwork_extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Original:
    """What fetch_original may answer instead of a bare path: the file, and a note a
    person may want to read on the import record ("the file changed since ...")."""

    path: Path
    note: str = ""


@dataclass
class ImportRequestResult:
    #: The refs queued; skipped and errors are dicts keyed by the source's ref_name.
    queued: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    collection: str | None = None  # the one the pictures were put in, by name
    added_to_collection: int = 0  # pictures that joined it (the others were in it)


#: lookup(refs) -> ({asked ref: Item}, {asked ref: why it cannot be imported}).
Lookup = Callable[[list[str]], tuple[dict[str, Item], dict[str, str]]]


def source_lookup(source: Source) -> Lookup:
    """The source's own lookup, as _importable calls it."""
    return lambda refs: source.call("lookup", refs=refs)


# -- asking for imports ---------------------------------------------------------------

def source_import_request(
    *, source: Source, refs: Iterable[str], analyze: bool | None = None, force: bool = False,
    user=None, tvs_wanted=None, collection: str | None = None,
    framing: str | None = None, matte: str | None = None, lookup: Lookup | None = None,
) -> ImportRequestResult:
    """Queue each picture for the TVs named (default: the default TV) unless it is
    already there or on its way.

    `collection`: a collection's name (made if there is none): the pictures asked for
    join it, the new ones and those imported before alike. `framing` (fill, fit, as_is):
    how the new pictures meet the TV's 16:9 panel; None leaves it to their TVs and the
    defaults (docentsite.artwork.framing); a picture imported before keeps its own.
    `matte` (an id the TVs offer, or none): the matte the pictures ask for on every TV it
    suits (others get their default or none, matte_fit.matte_to_upload); None: each TV's
    default. Rejected for a matte none of the TVs offers.

    One record per picture, ever: a picture is downloaded, prepared and described
    once, and placed on each TV asked for; sending an imported picture to another TV
    is not a re-import. A failed import is queued again and resumes at the step that
    failed. `force` imports a picture that is already on the TV again, as a second
    picture. `lookup` stands in for the source's own (pictures it has just listed).
    """
    refs = list(refs)
    analyze = artwork_services.analyze_by_default() if analyze is None else analyze
    chosen = tvs.tvs_for_new_work(tvs_wanted)
    artwork_services.import_matte_check(matte=matte, tvs=chosen)
    result = ImportRequestResult()
    for item, existing in _importable(source, refs, force=force, result=result, chosen=chosen,
                                      lookup=lookup or source_lookup(source)):
        if _queue(source, item, existing=existing, analyze=analyze, user=user, chosen=chosen,
                  force=force, framing=framing, matte=matte) is None:
            result.skipped.append({source.ref_name: item.ref, "reason": "import in progress"})
        else:
            result.queued.append(item.ref)
    if collection:
        _collect(source, refs, name=collection, result=result)
    return result


def source_import_plan(
    *, source: Source, refs: Iterable[str], force: bool = False, tvs_wanted=None,
    lookup: Lookup | None = None,
) -> ImportRequestResult:
    """What source_import_request would do with these pictures, without doing it:
    `queued` lists those it would queue; `skipped` and `errors` carry the same
    reasons. No record or artwork is made and nothing is queued."""
    result = ImportRequestResult()
    chosen = tvs.tvs_for_new_work(tvs_wanted)
    for item, _existing in _importable(source, list(refs), force=force, result=result,
                                       chosen=chosen, lookup=lookup or source_lookup(source)):
        result.queued.append(item.ref)
    return result


def source_import_retry(*, source: Source, records) -> ImportRequestResult:
    """Queue failed imports again; each resumes at the step that failed.

    Stalled imports (their worker died) are taken over the same way.
    """
    retryable = records.filter(status=ImportStatus.FAILED) | _stalled(
        records.filter(status__in=OPEN))
    refs = retryable.values_list(source.ref_field, flat=True)
    return source_import_request(source=source, refs=list(refs), analyze=None)


def source_import_reanalyze(*, records) -> int:
    """Describe the imported pictures again; how many were queued."""
    return artwork_services.artwork_reanalyze(
        artworks=Artwork.objects.filter(pk__in=records.exclude(artwork=None).values("artwork_id")))


def source_import_records(*, source: Source, refs: Iterable[str]) -> list:
    """The import records of these pictures, in the order given."""
    ids, found = list(dict.fromkeys(refs)), {}
    for chunk in chunks(ids):
        records = source.record_rows().select_related("artwork").filter(
            **{f"{source.ref_field}__in": chunk})
        found.update({source.ref_of(record): record for record in records})
    return [found[i] for i in ids if i in found]


def source_import_states(*, source: Source, refs: list[str]) -> dict[str, str]:
    """Each picture's import status, or REMOVED for an imported picture taken off every
    TV it was on: one query, for a browse page's tiles.

    Written out in SQL: the ORM took 1.5 ms to build this query for a page of 50 (a
    third of the page's own time), the database 0.05 ms to answer it."""
    if not refs:
        return {}
    model = source.record_model
    ref = connection.ops.quote_name(model._meta.get_field(source.ref_field).column)
    on_tv = ", ".join(["%s"] * len(placements.ON_TV_STATUSES))
    ids = ", ".join(["%s"] * len(refs))
    only_this = " AND r.source = %s" if source.shared_records else ""
    # Only placeholders, table and column names are put in the text.
    query = (
        f"SELECT r.{ref}, r.status,"  # noqa: S608
        f" SUM(CASE WHEN p.status IN ({on_tv}) THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN p.status = %s THEN 1 ELSE 0 END)"
        f" FROM {_table(model)} r LEFT JOIN {_table(Placement)} p"
        f" ON p.artwork_id = r.artwork_id"
        f" WHERE r.{ref} IN ({ids}){only_this} GROUP BY r.{ref}, r.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*placements.ON_TV_STATUSES, PlacementStatus.REMOVED, *refs,
                               *([source.key] if source.shared_records else [])])
        records = cursor.fetchall()
    return {key: REMOVED if status == ImportStatus.DONE and taken_off and not on_tv else status
            for key, status, on_tv, taken_off in records}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _collect(source: Source, refs, *, name: str, result: ImportRequestResult) -> None:
    """The pictures' artworks, whatever became of this request for each, join the
    collection."""
    into = collections.collection_named(name=name, create=True)
    ids = list(dict.fromkeys(str(i).strip() for i in refs))
    for chunk in chunks(ids):
        result.added_to_collection += collections.collection_add(
            collection=into, artworks=list(source.record_rows().filter(
                **{f"{source.ref_field}__in": chunk}, artwork__isnull=False).values_list(
                "artwork_id", flat=True)))
    result.collection = into.name


def _importable(source: Source, refs, *, force: bool, result: ImportRequestResult,
                chosen: list[TV], lookup: Lookup):
    """Yield (item, existing record) for each ref that may be imported; note the
    others in `result` as skipped (with the reason) or as errors.

    A few queries and one lookup per 500 pictures, whatever their number: records,
    placements and items are looked up by the batch."""
    ids = list(dict.fromkeys(str(i).strip() for i in refs))
    name = source.ref_name
    for chunk in chunks(ids):
        records = {source.ref_of(record): record for record in source.record_rows()
                   .select_related("artwork").filter(**{f"{source.ref_field}__in": chunk})}
        reasons = _skip_reasons(source, list(records.values()), force=force, chosen=chosen)
        for ref, reason in reasons.items():
            logger.warning("%s picture %r not imported: %s", source.label, ref, reason)
        wanted = [ref for ref in chunk if ref not in reasons]
        items, errors = lookup(wanted) if wanted else ({}, {})
        for ref in chunk:
            if ref in reasons:
                result.skipped.append({name: ref, "reason": reasons[ref]})
            elif ref in errors:
                result.errors.append({name: ref, "error": errors[ref]})
            elif ref not in items:
                result.errors.append({name: ref, "error": f"{source.label} did not say what "
                                                          f"{ref!r} is."})
            else:
                yield items[ref], records.get(ref)


def _skip_reasons(source: Source, records: list, *, force: bool, chosen: list[TV]
                  ) -> dict[str, str]:
    """Why each of these records' pictures is not imported again, by ref; those that
    may be are left out. A query or two for them all."""
    if not records:
        return {}
    model = source.record_model
    open_ids = [record.pk for record in records if record.status in OPEN]
    stalled = set(_stalled(model.objects.filter(pk__in=open_ids)).values_list(
        "pk", flat=True)) if open_ids else set()
    there = _tvs_with([record.artwork_id for record in records if record.artwork_id], chosen)
    reasons, done = {}, []
    for record in records:
        missing = [tv for tv in chosen if tv.pk not in there.get(record.artwork_id, ())]
        if record.status in OPEN and record.pk not in stalled:
            if not missing:
                reasons[source.ref_of(record)] = "import in progress"
        elif record.status == ImportStatus.DONE and not force and not missing \
                and record.artwork is not None:
            done.append(record)  # not placed anywhere new: already there
    on = _already_on([record.artwork_id for record in done], chosen)
    reasons.update({source.ref_of(record): on[record.artwork_id] for record in done})
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


def _queue(source: Source, item: Item, *, existing, analyze: bool, user, chosen: list[TV],
           force: bool, framing: str | None = None, matte: str | None = None):
    """Create or re-arm the record and its artwork, place it on the chosen TVs and
    queue the work on commit. None when another request got there first. A matte asked
    for is the artwork's from now on, imported before or not: it changes no picture
    already on a TV, only those still to go."""
    model = source.record_model
    now = timezone.now()
    fields = {**item.record_fields,
              **({"title": _fit(model, "title", item.title)} if source.shared_records else {})}
    with transaction.atomic():
        if existing is None:
            try:
                with transaction.atomic():
                    record = model.objects.create(
                        **source.identity(item.ref), **fields, analyze=analyze,
                        requested_by=_user(user), requested_at=now)
            except IntegrityError:
                return None  # a concurrent request created it a moment ago
        elif existing.status in OPEN and not _stalled(
                model.objects.filter(pk=existing.pk), now=now):
            # Still on its way: the TVs asked for now join it.
            _ask_matte(existing.artwork, matte)
            placements.artwork_place(artworks=[existing.artwork], tvs_wanted=chosen)
            return existing
        else:
            # An ended import, or one whose worker died: this request takes it over.
            this = model.objects.filter(pk=existing.pk)
            rearmed = (
                this.filter(status__in=ENDED) | _stalled(this.filter(status__in=OPEN), now=now)
            ).update(status=ImportStatus.QUEUED, step=ImportStep.QUEUED, analyze=analyze,
                     last_error="", note="", heartbeat_at=None, waiting_reason="",
                     next_attempt_at=None, finished_at=None, requested_at=now,
                     requested_by=_user(user), updated_at=now, **fields)
            if not rearmed:
                return None
            record = model.objects.select_related("artwork").get(pk=existing.pk)
        artwork = record.artwork
        if artwork is None or (force and existing is not None
                               and existing.status == ImportStatus.DONE):
            # New, or forced: a fresh artwork; the one on the TV stays as it is.
            name = item.filename or f"{item.ref}.jpg"
            artwork = Artwork.objects.create(
                **fitted(Artwork, title=item.title or item.ref),
                source=source.key, source_ref=item.ref,
                original_filename=clip_filename(
                    name, Artwork._meta.get_field("original_filename").max_length),
                analysis_status=AnalysisStatus.PENDING if analyze else AnalysisStatus.NONE,
                created_by=_user(user), extra=dict(item.artwork_extra), framing=framing,
                matte=matte or "",
            )
            model.objects.filter(pk=record.pk).update(artwork=artwork)
        else:
            _ask_matte(artwork, matte)
            _rearm_artwork(artwork, analyze=analyze)
        placements.artwork_place(artworks=[artwork], tvs_wanted=chosen)
        transaction.on_commit(lambda: _enqueue(source, record.pk, artwork.pk))
    return record


def _ask_matte(artwork: Artwork | None, matte: str | None) -> None:
    if artwork is not None and matte:
        Artwork.objects.filter(pk=artwork.pk).update(matte=matte)


def _fit(model, name: str, text: str) -> str:
    return text[:model._meta.get_field(name).max_length]


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
            # the source since, so fetch it again rather than fail on the same bytes.
            artwork.original.delete(save=False)
            Artwork.objects.filter(pk=artwork.pk).update(original="")
    placements.placements_retry(artworks=Artwork.objects.filter(pk=artwork.pk))
    if analyze and artwork.analysis_status in (AnalysisStatus.NONE, AnalysisStatus.FAILED):
        Artwork.objects.filter(pk=artwork.pk).update(analysis_status=AnalysisStatus.PENDING)


def _enqueue(source: Source, record_id: int, artwork_id: int) -> None:
    from docentsite.sources import tasks

    tasks.import_chain(source.key, record_id, artwork_id).delay()


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def source_records_adopt(*, artworks: Iterable[Artwork]) -> None:
    """Give the pictures adopted from an original Docent's artwork_meta.json (each with
    its source's key and id) the import record of an import that ended on the TV, so
    that asking for the same picture again finds it there: skipped as already imported,
    or sent only to the TVs without it. A picture of a source not installed, or whose
    record exists, is left as it is."""
    by_source = defaultdict(list)
    for artwork in artworks:
        if artwork.source_ref and (source := source_get(artwork.source)) is not None:
            by_source[source.key].append(artwork)
    now = timezone.now()
    for key, adopted in by_source.items():
        source = source_get(key)
        model = source.record_model
        rows = [model(**source.identity(artwork.source_ref), artwork=artwork,
                      status=ImportStatus.DONE, step=ImportStep.DONE, requested_at=now,
                      finished_at=now, note="Adopted from an original Docent's artwork_meta.json.")
                for artwork in adopted]
        model.objects.bulk_create(rows, batch_size=_CHUNK, ignore_conflicts=True)


# -- the import's own step: fetching the original ---------------------------------------

def source_fetch_original(*, source: Source, record_id: int) -> None:
    """Fetch the picture's original into the artwork, unless already there."""
    record = source.record_model.objects.select_related("artwork").get(pk=record_id)
    artwork = record.artwork
    if artwork.original or artwork.status != Status.PENDING:
        return
    _record_step(source, record.pk, ImportStep.DOWNLOADING, new_attempt=True)
    ref = source.ref_of(record)
    media = Path(settings.MEDIA_ROOT)
    dest_dir = media / "originals" / safe(source.key) / safe(ref)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fetched = source.call("fetch_original", ref=ref, dest_dir=dest_dir)
    original = fetched if isinstance(fetched, Original) else Original(Path(fetched))
    if not original.path.resolve().is_relative_to(dest_dir.resolve()):
        raise ValueError(f"{source.label}'s fetch_original must write into {dest_dir}, "
                         f"not {original.path}")
    name = original.path.resolve().relative_to(media.resolve()).as_posix()
    Artwork.objects.filter(pk=artwork.pk).update(original=name, updated_at=timezone.now())
    logger.info("Artwork %s: fetched %r from %s (%.1f MB)", artwork.pk, original.path.name,
                source.label, original.path.stat().st_size / 1e6)
    if original.note:
        source.record_model.objects.filter(pk=record.pk).update(
            note=_fit(source.record_model, "note", original.note))


def safe(text: str) -> str:
    """`text` as a file or folder name: letters, digits, - and _ only, at most 64."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64]


def source_import_failed(*, source: Source, record_id: int, error: str) -> None:
    """Give up on a record after its step failed for good."""
    record = source.record_model.objects.select_related("artwork").get(pk=record_id)
    now = timezone.now()
    source.record_model.objects.filter(pk=record_id).update(
        status=ImportStatus.FAILED, last_error=error, waiting_reason="", next_attempt_at=None,
        finished_at=now, updated_at=now)
    if record.artwork and record.artwork.status == Status.PENDING:
        Artwork.objects.filter(pk=record.artwork.pk).update(
            status=Status.FAILED, last_error=error, updated_at=now)
    logger.warning("%s import of %r failed: %r", source.label, source.ref_of(record), error)


def source_import_note(*, source: Source, record_id: int, error: str,
                       retry_in: float | None = None) -> None:
    """Show why a step is waiting to be retried (the source down, say), and when it is."""
    now = timezone.now()
    source.record_model.objects.filter(pk=record_id).update(
        last_error=error, waiting_reason=error, updated_at=now,
        next_attempt_at=None if retry_in is None else now + timedelta(seconds=retry_in))


@contextmanager
def source_import_step(*, source: Source, record_id: int):
    """Run the import's own step (the download): its heartbeat shows it alive
    meanwhile, and once it succeeds nothing is waiting any more."""
    rows = source.record_model.objects.filter(pk=record_id)
    with heartbeat.beating(rows):
        yield
    rows.update(waiting_reason="", next_attempt_at=None)


def _record_step(source: Source, record_id: int, step: str, *,
                 new_attempt: bool = False) -> None:
    changes = {"status": ImportStatus.RUNNING, "step": step, "updated_at": timezone.now()}
    if new_attempt:
        changes["attempts"] = F("attempts") + 1
    source.record_model.objects.filter(pk=record_id).exclude(status__in=ENDED).update(**changes)


# -- following the artwork's pipeline, and taking over stalled work --------------------

_STEP_OF = {"preparing": ImportStep.PREPARING, "uploading": ImportStep.UPLOADING,
            "analyzing": ImportStep.ANALYZING}


def source_import_progress(*, artwork: Artwork, step: str, error: str = "",
                           next_attempt_at=None) -> None:
    """Follow an artwork's pipeline on its import record (artwork_progress signal)."""
    source = source_get(artwork.source)
    if source is None:
        return  # an upload, or a picture of a source no longer installed
    rows = source.record_model.objects
    record = rows.filter(artwork=artwork).only("pk").first()
    if record is None:
        return
    now = timezone.now()
    this = rows.filter(pk=record.pk)
    if step == "done":
        this.update(status=ImportStatus.DONE, step=ImportStep.DONE, last_error="",
                    waiting_reason="", next_attempt_at=None, finished_at=now, updated_at=now)
    elif step == "failed":
        this.update(status=ImportStatus.FAILED, last_error=error or artwork.last_error,
                    waiting_reason="", next_attempt_at=None, finished_at=now, updated_at=now)
    elif step == "waiting":
        # The artwork's step (or a TV's lane) waits for a retry, or no longer does.
        if error:
            this.update(waiting_reason=error, next_attempt_at=next_attempt_at)
        else:
            this.update(waiting_reason=artwork.waiting_reason,
                        next_attempt_at=artwork.next_attempt_at)
    elif step in _STEP_OF:
        _record_step(source, record.pk, _STEP_OF[step])


def sources_resume_stalled() -> int:
    """Take over every source's imports whose work stopped without reaching an end."""
    from docentsite.sources.registry import sources

    return sum(source_import_resume_stalled(source=source) for source in sources())


def source_import_resume_stalled(*, source: Source) -> int:
    """Take over the source's imports whose work stopped without reaching an end.

    A worker killed mid-download leaves its record running, its heartbeat silent;
    the download is started again. From the prepare on, the work is the artwork's
    and the core's sweep (artwork_resume_stalled) takes it over; here only a record
    whose artwork ended while the record did not is settled.
    """
    model = source.record_model
    open_records = source.record_rows().filter(status__in=OPEN, artwork__isnull=False)
    downloading = Q(artwork__status=Status.PENDING, artwork__original="")
    working = Q(artwork__status=Status.PENDING) | Q(
        artwork__analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING]) | Q(
        artwork__placements__status__in=settle.OPEN)
    ended = Q(artwork__status__in=[Status.PREPARED, Status.FAILED]) & ~working
    taken = 0
    for record in _stalled(open_records.filter(downloading | ended)).select_related(
            "artwork").distinct():
        now = timezone.now()
        if not _stalled(model.objects.filter(pk=record.pk), now=now).update(
                heartbeat_at=None, next_attempt_at=None, updated_at=now):
            continue  # another sweep took it a moment ago
        taken += 1
        if record.artwork.status == Status.FAILED:
            source_import_progress(artwork=record.artwork, step="failed")
            continue
        if record.artwork.status == Status.PREPARED:
            settle.artwork_settle(artwork_id=record.artwork_id)
            continue
        logger.info("Taking over %s import %s, whose work had stopped", source.label, record.pk)
        transaction.on_commit(
            lambda r=record.pk, a=record.artwork_id: _enqueue(source, r, a))
    return taken


def _stalled(records, *, now=None):
    """The records no live step moves: theirs stopped, and their artwork's is not running
    nor waiting for a retry."""
    return records.filter(heartbeat.stalled(now=now)).exclude(
        heartbeat.alive("artwork__", now=now))


def chunks(items: Iterable, size: int = _CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
