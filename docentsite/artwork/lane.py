"""Each TV's upload lane: the pictures waiting for a TV go to it one after another.

A TV handles one transfer at a time, so each TV has one serial lane (tv_lane_run):
whoever holds the TV's lock (tvlock.py) uploads every placement that is ready, one
after another, and nobody waits for the lock: a worker that finds it taken leaves,
knowing the holder looks again before letting go. A picture goes to the TV once, and
only once: after a lost confirmation the lane looks on the TV for the copy that
landed before sending it again (placement_upload). A TV that cannot be reached stops
its lane, and every picture waiting for it says why and when the lane runs again
(backoff). A picture prepared again replaces its old copy in the same lane, before
anything new goes (reframe.py). A picture is done once the TV's artwork_meta.json
lists it.
"""

import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from docentsite.artwork import (
    capacity,
    frametv,
    heartbeat,
    matte_fit,
    metafile,
    tvfavourites,
    tvlock,
    tvs,
)
from docentsite.artwork.errors import DocentError, NeedsAttention, Rejected
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)
from docentsite.artwork.signals import artwork_progress

logger = logging.getLogger(__name__)

#: Still to go to the TV, or on its way there.
OPEN = (PlacementStatus.QUEUED, PlacementStatus.UPLOADING)
ENDED_BADLY = (PlacementStatus.FAILED, PlacementStatus.NEEDS_ATTENTION)


class UploadAmbiguous(NeedsAttention):
    """After a lost confirmation, the TV holds more than one new unknown picture."""


def backoff(attempts: int) -> float:
    """Seconds before try number `attempts` + 1: doubling, at most 15 minutes."""
    return min(settings.TASK_RETRY_DELAY * 2 ** max(attempts - 1, 0), 900)


# -- starting lanes ------------------------------------------------------------------

def kick_lane_on_commit(tv_id: int) -> None:
    from docentsite.artwork import tasks

    transaction.on_commit(lambda: tasks.tv_lane.delay(tv_id))


def kick_lanes_of(*, artwork_id: int) -> None:
    """The artwork is prepared: each TV waiting for it starts on it."""
    for tv_id in Placement.objects.filter(
            artwork_id=artwork_id, status__in=OPEN).values_list("tv_id", flat=True):
        kick_lane_on_commit(tv_id)


def tv_lane_resume(*, tv: TV) -> None:
    """Start the TV's lane if pictures wait for it: a lane that found the TV's lock held
    by a removal left them to whoever held it."""
    if _has_work(tv):
        kick_lane_on_commit(tv.pk)


def tv_lane_wake(*, tv: TV) -> int:
    """The TV answered its check: pictures waiting for it while it was off go now, not
    when their backoff ends (up to a quarter of an hour). How many were waiting."""
    woken = Placement.objects.filter(
        Q(status__in=OPEN) | Q(status=PlacementStatus.ON_TV, replace_asked_at__isnull=False),
        tv=tv, next_attempt_at__gt=timezone.now(),
    ).exclude(waiting_reason="").update(next_attempt_at=None)
    if woken:
        kick_lane_on_commit(tv.pk)
    return woken


def uploads_take_over(*, artworks) -> int:
    """Start again the lanes of these artworks' uploads whose worker died; how many.

    The lane that takes one over first looks on the TV for a copy that landed.
    A live upload keeps its heartbeat and is left to its worker.
    """
    stalled = Placement.objects.filter(
        artwork__in=artworks, status=PlacementStatus.UPLOADING).filter(heartbeat.stalled())
    tv_ids = set(stalled.values_list("tv_id", flat=True))
    for tv_id in tv_ids:
        kick_lane_on_commit(tv_id)
    return stalled.count()


# -- the lane ------------------------------------------------------------------------

@dataclass
class LaneRun:
    uploaded: list[Placement] = field(default_factory=list)
    #: The TV could not be reached: why, and when the lane runs again.
    waiting: str = ""
    retry_in: float | None = None
    #: Another worker holds the lane; it uploads what is ready.
    busy: bool = False


def tv_lane_run(*, tv_id: int, meta_later: bool = False) -> LaneRun:
    """Upload, one after another, every placement on this TV that is ready.

    Never waits for the lane: if another worker holds it, that one uploads what
    is ready, and looks again before letting go. A TV that cannot be reached
    stops the lane; every placement waiting for it says why and when the lane
    runs again (the caller schedules that). A picture is "done" once the TV's
    artwork_meta.json lists it: rewritten before the run ends, or `meta_later`
    (in a worker) by the rewrite the batch's uploads share (metafile.sync_soon).
    """
    result = LaneRun()
    tv = TV.objects.filter(pk=tv_id).first()
    if tv is None or not tv.enabled:
        return result
    while _has_work(tv):
        try:
            _drain(tv, result, meta_later=meta_later)
        except tvlock.LaneBusy:
            result.busy = True
            return result
        if result.waiting:
            return result
        # Looked again after letting go: a placement that became ready while we
        # held the lock was kicked in vain, and is ours.
    # The stars follow the uploads: a favourite just uploaded is starred on the TV too.
    result.retry_in = tvfavourites.tv_favourites_mirror(tv=tv).retry_in
    return result


def _has_work(tv: TV) -> bool:
    """Pictures to upload, or to replace with the new copy prepared since (reframe.py)."""
    return _ready(tv).exists() or replacements_ready(tv).exists()


def _ready(tv: TV):
    now = timezone.now()
    return Placement.objects.filter(
        tv=tv, status__in=OPEN, artwork__status=Status.PREPARED,
    ).filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)).order_by("created_at", "pk")


def replacements_ready(tv: TV):
    """This TV's placements whose picture was prepared again (reframe.py), due for the lane now."""
    return Placement.objects.filter(
        tv=tv, status=PlacementStatus.ON_TV, replace_asked_at__isnull=False,
    ).exclude(content_id=None).filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=timezone.now()),
    ).order_by("replace_asked_at", "pk")


def _drain(tv: TV, result: LaneRun, *, meta_later: bool) -> None:
    """Upload what is ready, taking the TV's lock for each picture; LaneBusy when
    another holds it (another lane run, which uploads what is ready, or a removal,
    which starts the lane again when it is done)."""
    frame = tvs.frame_of(tv)
    try:
        with tvlock.holding(tv, wait=0):  # one prompt on the TV, not one per run
            _ask_permission(tv, frame)
    except tvlock.LaneBusy:
        raise
    except NeedsAttention:
        return  # someone pressed Deny: recorded on every placement waiting
    except DocentError as exc:
        _lane_stopped(tv, exc, result, attempts=1)
        return
    unsynced: list[Placement] = []
    try:
        _upload_ready(tv, frame, result, unsynced, meta_later=meta_later)
    finally:
        if not meta_later:
            _sync(tv, unsynced)


#: Seconds between two rewrites of a TV's artwork_meta.json while its lane uploads a batch.
META_EVERY = 2.0


def placements_listed(*, tv: TV, content_ids: set[str]) -> None:
    """"Done" for the pictures a rewrite of the TV's artwork_meta.json lists for the
    first time (or anew), once their work has ended: metafile calls it after every
    rewrite, so whichever rewrite lists a picture first (the batch's, a removal's)
    says so."""
    for artwork_id in set(Placement.objects.filter(
            tv=tv, content_id__in=content_ids).values_list("artwork_id", flat=True)):
        _settle(artwork_id)


def _sync(tv: TV, uploaded: list[Placement]) -> None:
    """Rewrite the TV's artwork_meta.json, then say "done" for the pictures it now lists:
    a record that says done is in the file."""
    if uploaded:
        metafile.sync(tv=tv)
        for placement in uploaded:
            _settle(placement.artwork_id)
        uploaded.clear()


@dataclass
class _Lane:
    """What a lane run carries from one picture to the next."""

    #: The TV's ids as of our last upload; trusted only from one success to the next.
    known_ids: set[str] | None = None
    paired_again: bool = False
    #: Pictures taken off the TV to make room since the file was last told.
    made_room: list[Placement] = field(default_factory=list)
    #: Old copies of pictures replaced since the file was last told: no picture's now.
    replaced: set[str] = field(default_factory=set)


def _upload_ready(tv: TV, frame: frametv.FrameTV, result: LaneRun,
                  unsynced: list[Placement], *, meta_later: bool) -> None:
    lane = _Lane()
    synced_at = time.monotonic()
    while True:
        # The lock is held for each picture, not for the batch: a removal from the TV
        # waits for one transfer at most, and starts the lane again when it is done.
        with tvlock.holding(tv, wait=0):
            uploaded = _upload_next(tv, frame, result, lane)
        if lane.replaced:
            # Named: the old id is no placement's now, and the file would keep its entry
            # as an original Docent's.
            metafile.sync(tv=tv, forget=set(lane.replaced))
            lane.replaced.clear()
        if lane.made_room:
            # The file follows as after an upload; whether this one went or not.
            lane.made_room.clear()
            if meta_later:
                metafile.sync_soon(tv=tv)
            else:
                metafile.sync(tv=tv)
        if uploaded is _STOP:
            return
        if uploaded is None:
            continue
        result.uploaded.append(uploaded)
        unsynced.append(uploaded)
        # Once per batch, not once per picture: a rewrite grows with the file.
        if meta_later:
            metafile.sync_soon(tv=tv)
        elif time.monotonic() - synced_at >= META_EVERY:
            _sync(tv, unsynced)
            synced_at = time.monotonic()


#: _upload_next's word for "nothing more to do in this run".
_STOP = object()


def _upload_next(tv: TV, frame: frametv.FrameTV, result: LaneRun, lane: _Lane):
    """Upload the next ready placement. Hold the lane. The placement when it is on the
    TV; None when it failed and the next may go; _STOP when none is ready or the TV
    stopped the lane. A picture prepared again since it went goes first: someone
    just saved it and waits to see it on the TV."""
    replacing = replacements_ready(tv).first()
    if replacing is not None:
        return _replace_next(tv, frame, result, lane, replacing)
    placement = _ready(tv).select_related("artwork", "tv").first()
    if placement is None:
        return _STOP
    listing, lane.known_ids = lane.known_ids, None
    try:
        uploaded = placement_upload(placement=placement, frame=frame, known_ids=listing,
                                    made_room=lane.made_room)
    except frametv.TVTokenStale as exc:
        if not lane.paired_again:
            # The TV forgot Docent: the token is dropped, and one prompt mends it.
            lane.paired_again = True
            logger.info("%s: %s", tv.name, exc)
            try:
                _ask_permission(tv, frame)
                return None
            except NeedsAttention:
                return _STOP
            except DocentError as again:
                exc = again
        _lane_stopped(tv, exc, result, attempts=placement.upload_attempts + 1)
        return _STOP
    except (Rejected, NeedsAttention):
        return None  # recorded on the placement; the next one may go
    except DocentError as exc:
        attempts = Placement.objects.get(pk=placement.pk).upload_attempts
        if attempts > settings.TASK_MAX_RETRIES:
            _fail(placement, f"Gave up after {attempts} attempts: {exc}")
            return None
        _lane_stopped(tv, exc, result, attempts=attempts)
        return _STOP
    except Exception as exc:
        # Not the TV's doing (the prepared file is gone, say): a person looks at this
        # picture, and the ones behind it in the lane still go.
        logger.exception("Uploading artwork %s to %s failed", placement.artwork_id, tv.name)
        _fail(placement, f"Could not send it to {tv.name}: {exc}")
        return None
    if uploaded.status != PlacementStatus.ON_TV:
        return None  # another run had claimed it
    lane.known_ids = uploaded.tv_ids_after
    return uploaded


def _replace_next(tv: TV, frame: frametv.FrameTV, result: LaneRun, lane: _Lane,
                  placement: Placement):
    """Replace one picture prepared again by its new copy (reframe.py). Hold the lane.
    None when it is done (replaced, or the TV refused and keeps the old one); _STOP when
    the TV cannot be reached (the lane comes back when the backoff says)."""
    from docentsite.artwork import reframe  # reframe replaces through this module

    old_id = placement.content_id
    try:
        replaced = reframe.placement_replace(placement_id=placement.pk, frame=frame)
    except DocentError as exc:
        attempts = Placement.objects.get(pk=placement.pk).upload_attempts
        if attempts > settings.TASK_MAX_RETRIES:
            reframe.replacement_given_up(
                placement=placement, why=f"Gave up after {attempts} attempts: {exc}")
            return None
        _lane_stopped(tv, exc, result, attempts=attempts)
        return _STOP
    except Exception as exc:
        # Not the TV's doing (the new JPEG is gone, say): the TV keeps the old picture,
        # a person reads why, and the lane goes on.
        logger.exception("Replacing artwork %s on %s failed", placement.artwork_id, tv.name)
        reframe.replacement_given_up(placement=placement, why=f"Could not replace it: {exc}")
        return None
    finally:
        lane.known_ids = None  # the TV's ids changed, or may have
    if replaced.replaced:
        lane.replaced.add(old_id)
    return None


def _ask_permission(tv: TV, frame: frametv.FrameTV) -> None:
    """Pair when Docent holds no token. The art channel cannot ask for permission;
    the remote channel can, and its prompt is shown once, not on every retry.
    Someone pressed Deny: every placement waiting for this TV needs a person."""
    try:
        frame.pair_unless_asked(wait=tvs.PAIRING_WAIT)
    except NeedsAttention as exc:
        from docentsite.artwork import reframe

        for placement in _ready(tv):
            _fail(placement, exc)
        reframe.replacements_refused(tv=tv, why=str(exc))
        raise


def _lane_stopped(tv: TV, exc: DocentError, result: LaneRun, *, attempts: int) -> None:
    """The TV is off, busy or not paired yet: everything waiting for it waits on."""
    delay = backoff(attempts)
    result.waiting, result.retry_in = str(exc), delay
    waiting = list(_ready(tv).select_related("artwork"))
    retry_at = timezone.now() + timedelta(seconds=delay)
    Placement.objects.filter(pk__in=[p.pk for p in waiting]).update(
        waiting_reason=str(exc), last_error=str(exc), next_attempt_at=retry_at)
    for placement in waiting:
        _progress(placement.artwork, "waiting", tv=tv, error=f"{tv.name}: {exc}",
                  next_attempt_at=retry_at)
    # No error: the picture is on the TV as it was, and is replaced when the TV answers
    # (reframe.replacement_said says so).
    replacements_ready(tv).update(waiting_reason=str(exc), next_attempt_at=retry_at)
    logger.info("%s: %r; the lane runs again in %.0f s", tv.name, str(exc), delay)


def placement_upload(*, placement: Placement, frame: frametv.FrameTV,
                     known_ids: set[str] | None = None,
                     made_room: list[Placement] | None = None) -> Placement:
    """Put the prepared JPEG on the placement's TV once, and only once. Hold the lane.

    A transfer whose confirmation was lost has often landed. So the TV's photo
    ids are saved before each transfer, and the next attempt first looks for a
    picture that appeared since: one new unknown id is ours and is adopted,
    none means upload again, more than one needs a person.

    `known_ids`: the TV's ids as the lane knows them from its last upload, which
    saves asking the TV again before each picture. A picture someone added on the
    TV meanwhile only matters after a lost confirmation, and then it makes the
    retry ask a person rather than adopt. The returned placement's `tv_ids_after`
    is what the lane knows next.

    A TV at its capacity gets room first (the pictures removed are added to
    `made_room`: the caller rewrites the TV's file), or the placement needs a person
    and nothing is sent (capacity.py).
    """
    # Every upload to this TV holds its lane, so a row still marked "uploading"
    # while we hold it belongs to a worker that died.
    claimed = Placement.objects.filter(pk=placement.pk, status__in=OPEN).update(
        status=PlacementStatus.UPLOADING, upload_started_at=timezone.now(),
        upload_attempts=F("upload_attempts") + 1, updated_at=timezone.now())
    placement.refresh_from_db()
    placement.tv_ids_after = None
    if not claimed:
        return placement
    artwork = placement.artwork
    matte, matte_note = matte_fit.matte_to_upload(
        tv=placement.tv, artwork=artwork, wanted=placement.matte_id)
    _progress(artwork, "uploading", tv=placement.tv)
    rows = Placement.objects.filter(pk=placement.pk)
    before = None
    try:
        with heartbeat.beating(rows):
            content_id = None
            if placement.tv_ids_before is not None:
                content_id = landed_since(frame, placement)
            if content_id is None:
                before = set(known_ids) if known_ids is not None else frame.photo_ids()
                before = _make_room(placement, frame, before,
                                    made_room if made_room is not None else [])
                rows.update(tv_ids_before=sorted(before))
                jpeg = prepared_jpeg(artwork)
                try:
                    content_id = frame.upload(jpeg, matte=matte)
                except frametv.TVRejected as exc:
                    if not refused_for_its_matte(exc, matte):
                        raise
                    content_id, matte, matte_note = upload_after_refusal(
                        placement, frame, jpeg, before, exc, matte, wanted=placement.matte_id)
    except (Rejected, NeedsAttention) as exc:
        if _worth_one_more_try(exc, placement):
            again = frametv.TVUnavailable(
                f"{exc} A TV whose art service is jammed answers so until it is switched "
                "off and on: Docent tries once more later.")
            _keep_for_retry(placement, again)
            raise again from exc
        if isinstance(exc, frametv.TVStorageFull) and before:
            learned = frametv.TVStorageFull(
                capacity.tv_learned_full(tv=placement.tv, held=len(before)), code=exc.code)
            _fail(placement, learned)
            raise learned from exc
        _fail(placement, exc)
        raise
    except Exception as exc:
        # Transient (TV off or busy, confirmation lost): the next attempt reconciles.
        _keep_for_retry(placement, exc)
        raise
    now = timezone.now()
    # A new picture is in no favourites on the TV: the lane stars it after the upload.
    rows.update(content_id=content_id, status=PlacementStatus.ON_TV, uploaded_at=now,
                tv_favourite=False, matte_id=matte, matte_note=matte_note,
                tv_ids_before=None, last_error="",
                waiting_reason="", next_attempt_at=None, updated_at=now)
    placement.refresh_from_db()
    placement.tv_ids_after = None
    if before is not None:
        placement.tv_ids_after = before | {content_id}
        tvs.tv_saw(tv=placement.tv, photo_count=len(placement.tv_ids_after))
    logger.info("Artwork %s is on %s as %r", artwork.pk, placement.tv.name, content_id)
    return placement


def refused_for_its_matte(exc: frametv.TVRejected, matte: str) -> bool:
    """Whether the TV's no to an upload was a no to its matte: -7 (INVALID_PARAMETER)
    answered to a picture sent with one."""
    return matte != "none" and exc.code == "-7" and not isinstance(exc, frametv.TVStorageFull)


def upload_after_refusal(placement: Placement, frame: frametv.FrameTV, jpeg: bytes,
                         before: set[str], refusal: Exception, matte: str, *, wanted: str
                         ) -> tuple[str, str, str]:
    """Send the picture again once the TV refused `matte` for it: with the TV's default
    matte where that suits (another was asked for: `wanted`, or the import's), else
    without one; (content id, matte, note). Each refusal is remembered, so this TV is
    not asked so again. Hold the lane."""
    artwork, tv = placement.artwork, placement.tv
    while True:
        # A TV that kept the picture while refusing its matte must not end with two copies.
        for stray in frame.photo_ids() - before:
            delete_held(frame, stray)
        matte_fit.matte_refused(tv=tv, matte_id=matte, width=artwork.width,
                                height=artwork.height, reason=str(refusal))
        instead, _ = matte_fit.matte_to_upload(tv=tv, artwork=artwork, wanted=wanted)
        if instead == matte:  # a picture of no known shape teaches nothing
            instead = "none"
        logger.info("%s refused the matte %s for artwork %s; sent with %s",
                    tv.name, matte, artwork.pk, instead)
        try:
            return (frame.upload(jpeg, matte=instead), instead,
                    matte_fit.refused_note(tv=tv, matte_id=matte, instead=instead))
        except frametv.TVRejected as exc:
            if not refused_for_its_matte(exc, instead):
                raise
            refusal, matte = exc, instead


def _make_room(placement: Placement, frame: frametv.FrameTV, before: set[str],
               made_room: list[Placement]) -> set[str]:
    """The TV's ids once there is room for one more picture. Hold the lane.

    At capacity, pictures Docent put there leave, the one uploaded longest ago first,
    when the owner allowed it for this TV; NeedsAttention otherwise, or when too few
    of the pictures there may leave."""
    tv = placement.tv
    need = capacity.room_needed(tv=tv, held=len(before))
    if not need:
        return before
    if not tv.make_room:
        raise NeedsAttention(capacity.full(tv=tv, held=len(before)))
    listed = {frametv.content_id_of(raw): raw for raw in before}
    movable, kept = capacity.candidates(tv=tv, present=set(listed), placement=placement)
    if len(movable) < need:
        raise NeedsAttention(capacity.no_room(tv=tv, held=len(before), kept=kept))
    left = set(before)
    for old in movable:
        if need == 0:
            break
        try:
            delete_held(frame, old.content_id)
        except frametv.TVRejected as exc:  # this one stays; the next may go instead
            logger.warning("%s kept %s when making room: %s", tv.name, old.content_id, exc)
            continue
        Placement.objects.filter(pk=old.pk, status=PlacementStatus.ON_TV).update(
            status=PlacementStatus.REMOVED, updated_at=timezone.now(),
            last_error=capacity.made_room_note(tv=tv, placement=placement))
        made_room.append(old)
        left.discard(listed[old.content_id])
        need -= 1
        logger.info("Removed %s from %s to make room for artwork %s",
                    old.content_id, tv.name, placement.artwork_id)
    if need:
        raise NeedsAttention(capacity.no_room(tv=tv, held=len(left), kept=kept))
    return left


def landed_since(frame: frametv.FrameTV, placement: Placement) -> str | None:
    """The content id our earlier, unconfirmed transfer got, if it landed."""
    known = set(Placement.objects.filter(tv_id=placement.tv_id).exclude(
        content_id=None).values_list("content_id", flat=True))
    new = frame.photo_ids() - set(placement.tv_ids_before) - known
    if len(new) > 1:
        raise UploadAmbiguous(
            "The TV's answer to an earlier upload was lost, and since then "
            f"{len(new)} new pictures appeared on it ({', '.join(sorted(new))}). "
            "Docent cannot tell which one is this artwork: check the TV, delete "
            "the extra copies, then retry."
        )
    if new:
        (content_id,) = new
        logger.info("Adopting %r, which landed although the TV never confirmed it", content_id)
        return content_id
    return None


def _worth_one_more_try(exc: Exception, placement: Placement) -> bool:
    """-1 refuses a picture for good, but a jammed art service answers it to everything:
    on a placement's first upload attempt it is taken for the TV's state, not the picture's."""
    return (isinstance(exc, frametv.TVRejected) and exc.code == frametv.SYSTEM_FAIL
            and placement.upload_attempts <= 1)


def _keep_for_retry(placement: Placement, error: Exception) -> None:
    Placement.objects.filter(pk=placement.pk).update(
        status=PlacementStatus.QUEUED, last_error=str(error), updated_at=timezone.now())


def _fail(placement: Placement, error) -> None:
    status = (PlacementStatus.NEEDS_ATTENTION if isinstance(error, NeedsAttention)
              else PlacementStatus.FAILED)
    Placement.objects.filter(pk=placement.pk).update(
        status=status, last_error=str(error), waiting_reason="", next_attempt_at=None,
        updated_at=timezone.now())
    logger.warning("Artwork %s failed on %s: %r", placement.artwork_id, placement.tv.name,
                   str(error))
    _settle(placement.artwork_id)


def _progress(artwork: Artwork, step: str, **extra) -> None:
    artwork_progress.send(sender=Artwork, artwork=artwork, step=step, **extra)


def artwork_settle(*, artwork_id: int) -> None:
    """Say "done" (or "failed") once the artwork's own work has all ended: prepared,
    on every TV asked for (or failed there), described if asked."""
    _settle(artwork_id)


def _settle(artwork_id: int) -> None:
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None or artwork.status != Status.PREPARED:
        return
    if artwork.analysis_status in (AnalysisStatus.PENDING, AnalysisStatus.RUNNING):
        return
    placements = list(artwork.placements.select_related("tv"))
    if any(p.status in OPEN for p in placements):
        return
    failed = [p for p in placements if p.status in ENDED_BADLY]
    if failed:
        error = "; ".join(f"{p.tv.name}: {p.last_error}" for p in failed)
        _progress(artwork, "failed", error=error)
    else:
        _progress(artwork, "done")


def prepared_jpeg(artwork: Artwork) -> bytes:
    """The picture's JPEG as it is now: framing it again (the crop page) stores a new
    file and deletes the old one, maybe since this lane read the row."""
    artwork.refresh_from_db(fields=["image"])
    try:
        with artwork.image.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        artwork.refresh_from_db(fields=["image"])  # replaced between the two: once more
        with artwork.image.open("rb") as handle:
            return handle.read()


def delete_held(frame: frametv.FrameTV, content_id: str) -> None:
    """Delete one picture the TV has. Hold the lane."""
    # False: the TV's answer did not list it as deleted; gone is gone all the same.
    if not frame.delete(content_id) and content_id in frame.photo_ids():
        raise frametv.TVRejected(f"The TV kept {content_id} when asked to delete it.")


# -- when no worker runs, and after one died -----------------------------------------

def artwork_upload_inline(*, artwork_id: int, attempts: int, first_delay: float) -> None:
    """Run the lanes of this artwork's TVs in this process, for when no worker runs.

    A TV that cannot be reached is tried `attempts` times in all, waiting
    `first_delay` seconds, doubling, in between (someone may be watching); then
    the placement fails with "Gave up after N attempts: ...".
    """
    for placement in Placement.objects.filter(artwork_id=artwork_id, status__in=OPEN):
        for attempt in itertools.count(1):
            run = tv_lane_run(tv_id=placement.tv_id)
            placement.refresh_from_db()
            if placement.status not in OPEN or run.busy:
                break  # ended, or a worker's lane has it
            if attempt >= attempts:
                _fail(placement, f"Gave up after {attempt} attempts: {run.waiting}")
                break
            logger.info("%r; trying again", run.waiting)
            time.sleep(first_delay * 2 ** (attempt - 1))
            Placement.objects.filter(pk=placement.pk).update(next_attempt_at=None)


def lanes_resume() -> int:
    """Start the lane of every TV with placements due, whose work no live step moves.

    A worker killed mid-upload leaves its placement "uploading", its heartbeat
    silent: the lane that takes it over first looks on the TV for a copy that
    landed. A retry whose scheduled run was lost is due too. How many lanes.
    """
    _stop_waiting_for_disabled_tvs()
    due = _due()
    tv_ids = set(due.values_list("tv_id", flat=True).distinct())
    for tv_id in tv_ids:
        logger.info("Starting the lane of TV %s, which has work waiting", tv_id)
        kick_lane_on_commit(tv_id)
    return len(tv_ids)


def _stop_waiting_for_disabled_tvs() -> None:
    """A picture waiting for a TV that was disabled since would wait for ever, and its
    import with it: it needs a person instead, and Retry sends it once the TV is back."""
    waiting = Placement.objects.filter(status=PlacementStatus.QUEUED, tv__enabled=False)
    for placement in waiting.select_related("tv"):
        _fail(placement, NeedsAttention(
            f"{placement.tv.name} is disabled: enable it on the TVs page, then retry."))


def _due():
    now = timezone.now()
    return Placement.objects.filter(
        Q(status__in=OPEN) | Q(status=PlacementStatus.ON_TV, replace_asked_at__isnull=False),
        artwork__status=Status.PREPARED, tv__enabled=True,
    ).filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)).exclude(
        heartbeat_at__gte=now - timedelta(seconds=settings.STALL_AFTER))
