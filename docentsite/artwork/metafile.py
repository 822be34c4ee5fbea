"""artwork_meta.json, the file view of the pictures on one TV: one file per TV.

The file has the shape the original Docent (danmunz/docent) reads and writes, so
its users keep their titles and AI descriptions when they move over; the
original ran one copy per TV, and content ids are per TV, so each TV has its
own file (tvs.meta_path: the first TV's at ARTWORK_META_PATH). The database is
the source of truth: `sync` rewrites a TV's file from its placements, under a
lock shared by every process, atomically, keeping the previous file as `.bak`.

A batch changes many pictures in a few seconds; `sync_soon` lets them share one
rewrite (a whole file a picture would make a bulk import quadratic), and the
stall sweep's `sync_stale` rewrites any file a lost rewrite left behind.
"""

import contextlib
import json
import logging
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from filelock import FileLock

from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    CropSource,
    Framing,
    Placement,
    PlacementStatus,
    Source,
    Status,
)
from docentsite.sources.registry import source_get

logger = logging.getLogger(__name__)

# A sync takes milliseconds; waiting this long means a holder is stuck.
LOCK_TIMEOUT = 60
MAX_VIBES = 5

# The key that carries a source's id for the picture in the original Docent's files
# (docs/docent-compat.md), known even without the source's app: its entries are
# adopted, and written back, as they came. An installed source declares its own
# (Source.meta_ref_key); uploads carry none.
_ORIGINAL_REF_KEYS = {"google_drive": "drive_file_id"}
# ai_meta key -> Artwork field, in the order the original writes them.
_AI_META_FIELDS = {
    "title": "ai_title",
    "artist": "ai_artist",
    "year": "ai_year",
    "medium": "ai_medium",
    "school": "ai_school",
    "vibes": "ai_vibes",
    "description": "ai_description",
    "confidence": "ai_confidence",
    "analyzed_at": "ai_analyzed_at",
    "provider": "ai_provider",
    "model": "ai_model",
    "vision_identified": "ai_vision_identified",
}
_AI_KEYS = ("ai_meta", "ai_failed", "ai_error")
_MODELLED_KEYS = {"title", "original_filename", "width", "height", "uploaded_at", "crop_box",
                  *_AI_KEYS}
_CROP_KEYS = ("x", "y", "w", "h")


class AdoptResult(NamedTuple):
    created: int
    skipped: int


def entry_for(placement: Placement) -> dict:
    """The picture on a TV as the original Docent writes it in artwork_meta.json."""
    artwork = placement.artwork
    entry = {
        "title": artwork.title,
        "original_filename": artwork.original_filename,
        "width": artwork.width,
        "height": artwork.height,
        "uploaded_at": _iso(placement.uploaded_at or artwork.created_at),
    }
    if artwork.framing == Framing.FILL and artwork.crop_box:
        # The 16:9 window of the original the TV shows, as the original Docent writes it.
        entry["crop_box"] = {**{key: artwork.crop_box[key] for key in _CROP_KEYS},
                             "source": artwork.crop_box.get("source", CropSource.MANUAL)}
    entry.update(_source_fields(artwork))
    # Keys of an adopted entry that Docent does not model (drive_sync_id,
    # crop_box, ...) go back where they came from.
    for key, value in (artwork.extra or {}).items():
        if key not in _AI_KEYS:
            entry.setdefault(key, value)
    # As in the original, a failed re-analysis keeps the previous result.
    if artwork.analysis_status == AnalysisStatus.DONE or artwork.ai_analyzed_at:
        entry["ai_meta"] = _ai_meta(artwork)
    if artwork.analysis_status == AnalysisStatus.FAILED:
        entry["ai_failed"] = True
        entry["ai_error"] = artwork.ai_error
    return entry


def build(placements) -> dict:
    """The file's content for the given placements: those on the TV, by content id."""
    return {"artwork": {p.content_id: entry_for(p) for p in placements
                        if p.status == PlacementStatus.ON_TV}}


def sync(*, tv: TV, path: Path | None = None, forget: set[str] = frozenset()) -> Path:
    """Rewrite the TV's file from its placements.

    Entries whose content id no placement on this TV has ever had (an original
    Docent's, not adopted yet) are kept as they are; entries of pictures no
    longer on the TV are dropped, and so are those of `forget`: ids that were
    Docent's and no placement holds any more (a picture replaced by a new copy).
    Call it after the transaction that changed the rows commits.
    """
    path = Path(path) if path is not None else _meta_path(tv)
    _rewrite(tv, path, forget=forget)
    return path


def _rewrite(tv: TV, path: Path | None = None, *, forget: set[str] = frozenset()) -> None:
    """sync's work; then the pictures it lists for the first time, or anew, are done."""
    path = path or _meta_path(tv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(path):
        existing = _load(path)
        # One query, so "on the TV" and "ever known" come from the same moment.
        rows = list(Placement.objects.filter(tv=tv).exclude(content_id=None)
                    .select_related("artwork").order_by("artwork_id"))
        # An old copy a TV kept when its picture was replaced is Docent's too.
        replaced = set(Placement.objects.filter(tv=tv).exclude(replaced_content_id="")
                       .values_list("replaced_content_id", flat=True))
        known = {row.content_id for row in rows} | replaced | set(forget)
        fresh = build(rows)["artwork"]
        entries = {}
        for content_id, entry in existing["artwork"].items():
            if content_id in fresh:
                entries[content_id] = fresh[content_id]
            elif content_id not in known:
                entries[content_id] = entry
        for content_id, entry in fresh.items():
            entries.setdefault(content_id, entry)
        _write(path, {**existing, "artwork": entries})
    # New entries, and ours that replace what the file had under the same id (an
    # original Docent's entry for an id the TV gave out again, say).
    if listed := {cid for cid, entry in fresh.items() if existing["artwork"].get(cid) != entry}:
        # the lane writes the file through this module: imported here, not above.
        from docentsite.artwork.lane import placements_listed

        placements_listed(tv=tv, content_ids=listed)


#: Seconds a change may wait for its TV's file to be rewritten: what changes meanwhile
#: shares the rewrite.
SYNC_DELAY = 2.0
#: A rewrite scheduled this long ago and never begun was lost (its worker killed).
LOST_AFTER = 60.0


def sync_soon(*, tv: TV) -> None:
    """Rewrite the TV's file within SYNC_DELAY seconds, once for every change until then.

    A marker beside the file says a rewrite is scheduled and has not read the
    rows yet: a change that finds it is covered by that rewrite, so only the
    first change of a window schedules one (tasks.sync_meta, after the change
    commits). The rewrite removes the marker before it reads the rows.
    """
    from docentsite.artwork import tasks

    def schedule():
        marker = _pending(tv)
        if not _mark(marker):
            return
        try:
            tasks.sync_meta.apply_async((tv.pk,), countdown=SYNC_DELAY)
        except BaseException:
            marker.unlink(missing_ok=True)  # the next change schedules it again
            raise

    transaction.on_commit(schedule)


def sync_scheduled(*, tv: TV) -> None:
    """The rewrite sync_soon scheduled."""
    _pending(tv).unlink(missing_ok=True)
    _rewrite(tv)


def stale_tvs() -> list[TV]:
    """The TVs whose file is older than a change to their pictures: a rewrite lost with
    a killed worker, say. A marker left by such a rewrite is cleared."""
    stale = []
    for tv in TV.objects.annotate(placed=Max("placements__updated_at"),
                                  described=Max("placements__artwork__updated_at")):
        pending = _pending(tv)
        if pending.exists() and _age(pending) > LOST_AFTER:
            pending.unlink(missing_ok=True)
        changed = max(filter(None, (tv.placed, tv.described)), default=None)
        path = _meta_path(tv)
        if changed is not None and not (path.exists() and _mtime(path) >= changed):
            stale.append(tv)
    return stale


def _pending(tv: TV) -> Path:
    path = _meta_path(tv)
    return path.with_name(f".{path.name}.pending")


def _mark(marker: Path) -> bool:
    """Create the marker; False when it was there already."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    return True


def _age(path: Path) -> float:
    return datetime.now(tz=UTC).timestamp() - path.stat().st_mtime


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _meta_path(tv: TV) -> Path:
    from docentsite.artwork.tvs import meta_path

    return meta_path(tv)


def sync_all() -> None:
    """Rewrite every TV's file."""
    for tv in TV.objects.all():
        sync(tv=tv)


def read(path: Path | None = None) -> dict:
    """The file's content; empty when it is missing or corrupt (then set aside)."""
    path = _path(path)
    data = _parse(path)
    if data is None:
        # Set it aside under the lock: a sync may have replaced it meanwhile.
        with _lock(path):
            data = _load(path)
    return data


def adopt(path: Path | None = None, *, tv: TV | None = None) -> AdoptResult:
    """Record an original Docent's artwork_meta.json entries as artworks on the TV
    (default: the default TV, whose file is at ARTWORK_META_PATH).

    Entries whose content id the TV's placements already have are skipped, so
    running it again changes nothing.
    """
    from docentsite.artwork.tvs import tv_default

    path = _path(path)
    tv = tv or tv_default()
    entries = read(path)["artwork"]
    max_length = Placement._meta.get_field("content_id").max_length
    with transaction.atomic():
        known = set(Placement.objects.filter(tv=tv).exclude(content_id=None)
                    .values_list("content_id", flat=True))
        new = []
        for content_id, entry in entries.items():
            if content_id in known:
                continue
            if not content_id or len(content_id) > max_length:
                logger.warning("Not adopting %r from %s: not a TV content id", content_id, path)
                continue
            new.append(_artwork_from(content_id, entry))
        for artwork, _ in new:
            artwork.save()
        Placement.objects.bulk_create(
            [Placement(artwork=artwork, tv=tv, content_id=content_id,
                       status=PlacementStatus.ON_TV, uploaded_at=uploaded_at)
             for artwork, (content_id, uploaded_at) in new], batch_size=500)
        # An installed source's pictures get their import record: never imported twice.
        from docentsite.sources.imports import source_records_adopt

        source_records_adopt(artworks=[artwork for artwork, _ in new])
    skipped = sum(1 for content_id in entries if content_id in known)
    logger.info("Adopted %d artworks from %s onto %s (%d already known)", len(new), path,
                tv.name, skipped)
    return AdoptResult(created=len(new), skipped=skipped)


def _source_fields(artwork: Artwork) -> dict:
    """The entry's fields that say where the picture came from: its source's, as the
    source declares them; none for an upload."""
    source = source_get(str(artwork.source))
    if source is not None and source.has("meta_fields"):
        return source.call("meta_fields", artwork)
    ref_key = _ref_key(str(artwork.source))
    return {"source": str(artwork.source), ref_key: str(artwork.source_ref)} if ref_key else {}


def _ref_key(source_key: str) -> str | None:
    """The key carrying the id of a picture of this source, if Docent knows it."""
    source = source_get(source_key)
    if source is not None and source.meta_ref_key:
        return source.meta_ref_key
    return _ORIGINAL_REF_KEYS.get(source_key)


def _ai_meta(artwork: Artwork) -> dict:
    meta = {key: getattr(artwork, field) for key, field in _AI_META_FIELDS.items()}
    meta["vibes"] = list(meta["vibes"] or [])[:MAX_VIBES]
    meta["analyzed_at"] = _iso(meta["analyzed_at"])
    return meta


def _artwork_from(content_id: str, entry: dict) -> tuple[Artwork, tuple[str, datetime | None]]:
    """The library artwork for an entry, and (content id, upload time) for its placement."""
    source = entry.get("source")
    ref_key = _ref_key(source) if isinstance(source, str) else None
    if ref_key is None:
        # A plain upload, or a source Docent does not know: its keys stay in extra.
        source, consumed = Source.UPLOAD, set()
    else:
        consumed = {"source", ref_key}
    artwork = Artwork(
        status=Status.PREPARED,
        source=source,
        source_ref=_text(entry.get(ref_key), "source_ref") if ref_key else "",
        extra={
            key: value
            for key, value in entry.items()
            if key not in _MODELLED_KEYS and key not in consumed
        },
        title=_text(entry.get("title"), "title"),
        original_filename=_text(entry.get("original_filename"), "original_filename"),
        width=_size(entry.get("width")),
        height=_size(entry.get("height")),
    )
    # The TV's picture was cropped to the box by the original Docent; without it, shown
    # as it came.
    artwork.crop_box = _crop_box(entry.get("crop_box"))
    artwork.framing = Framing.FILL if artwork.crop_box else Framing.AS_IS
    if artwork.crop_box is None and "crop_box" in entry:
        artwork.extra["crop_box"] = entry["crop_box"]  # not a box Docent reads: kept as it is
    ai_meta = entry.get("ai_meta")
    if isinstance(ai_meta, dict):
        artwork.analysis_status = AnalysisStatus.DONE
        for key, field in _AI_META_FIELDS.items():
            setattr(artwork, field, _ai_value(key, field, ai_meta.get(key)))
    if entry.get("ai_failed"):
        artwork.analysis_status = AnalysisStatus.FAILED
        artwork.ai_error = _text(entry.get("ai_error"), "ai_error")
    return artwork, (content_id, _parse_time(entry.get("uploaded_at")))


def _crop_box(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    try:
        box = {key: round(float(value[key])) for key in _CROP_KEYS}
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return {**box, "source": str(value.get("source", CropSource.MANUAL))[:16]}


def _ai_value(key: str, field: str, value):
    if key == "vibes":
        return [str(vibe) for vibe in value][:MAX_VIBES] if isinstance(value, list) else []
    if key == "analyzed_at":
        return _parse_time(value)
    if key == "vision_identified":
        return bool(value)
    return _text(value, field)


def _text(value, field: str) -> str:
    if value is None:
        return ""
    return str(value)[: Artwork._meta.get_field(field).max_length]


def _size(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _path(path: Path | None) -> Path:
    return Path(path) if path is not None else Path(settings.ARTWORK_META_PATH)


def _lock(path: Path) -> FileLock:
    return FileLock(path.with_name(f"{path.name}.lock"), timeout=LOCK_TIMEOUT)


def _empty() -> dict:
    return {"artwork": {}}


def _parse(path: Path) -> dict | None:
    """The file's content, empty when missing, None when corrupt."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _empty()
    try:
        data = json.loads(raw)
    except ValueError:  # also UnicodeDecodeError
        return None
    if not isinstance(data, dict) or not isinstance(data.get("artwork"), dict):
        return None
    if not all(isinstance(entry, dict) for entry in data["artwork"].values()):
        return None
    return data


def _load(path: Path) -> dict:
    """Like _parse, setting a corrupt file aside. Hold the lock."""
    data = _parse(path)
    if data is not None:
        return data
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    logger.warning("%s is not a valid artwork_meta.json: moved it to %s", path, aside.name)
    return _empty()


def _write(path: Path, data: dict) -> None:
    if path.exists():
        _replace(path.with_name(f"{path.name}.bak"), path.read_bytes(), mode_from=path)
    # The original's formatting, so the two read each other's files alike.
    _replace(path, (json.dumps(data, indent=2) + "\n").encode(), mode_from=path)
    logger.debug("Rewrote %s: %d pictures", path, len(data["artwork"]))


def _replace(target: Path, content: bytes, *, mode_from: Path) -> None:
    """Put content at target atomically: a temp file beside it, fsync, rename."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    # Created like any new file (the umask applies), then given the mode of
    # the file it replaces, if any.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if mode_from.exists():
            shutil.copymode(mode_from, temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    # The rename itself reaches the disk only with its directory.
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
