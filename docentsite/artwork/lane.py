"""Each TV's upload lane: the pictures waiting for a TV go to it one after another.

A TV handles one transfer at a time, so each TV has one serial lane (tv_lane_run):
whoever holds the TV's lock (tvlock.py) uploads every placement that is ready, one
after another, and nobody waits for the lock: a worker that finds it taken leaves,
knowing the holder looks again before letting go. A picture goes to the TV once, and
only once: after a lost confirmation the lane looks on the TV for the copy that
landed before sending it again (tvupload.py). A TV that cannot be reached stops
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
from django.db.models import Q
from django.utils import timezone

from docentsite.artwork import (
    frametv,
    heartbeat,
    metafile,
    settle,
    tvfavourites,
    tvlock,
    tvs,
    tvupload,
)
from docentsite.artwork.errors import DocentError, NeedsAttention, Rejected
from docentsite.artwork.models import (
    TV,
    Placement,
    PlacementStatus,
    Status,
)

logger = logging.getLogger(__name__)


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
            artwork_id=artwork_id, status__in=settle.OPEN).values_list("tv_id", flat=True):
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
        Q(status__in=settle.OPEN) | Q(status=PlacementStatus.ON_TV, replace_asked_at__isnull=False),
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
        tv=tv, status__in=settle.OPEN, artwork__status=Status.PREPARED,
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
        settle.artwork_settle(artwork_id=artwork_id)


def _sync(tv: TV, uploaded: list[Placement]) -> None:
    """Rewrite the TV's artwork_meta.json, then say "done" for the pictures it now lists:
    a record that says done is in the file."""
    if uploaded:
        metafile.sync(tv=tv)
        for placement in uploaded:
            settle.artwork_settle(artwork_id=placement.artwork_id)
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
        uploaded = tvupload.placement_upload(placement=placement, frame=frame, known_ids=listing,
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
            tvupload.placement_failed(placement, f"Gave up after {attempts} attempts: {exc}")
            return None
        _lane_stopped(tv, exc, result, attempts=attempts)
        return _STOP
    except Exception as exc:
        # Not the TV's doing (the prepared file is gone, say): a person looks at this
        # picture, and the ones behind it in the lane still go.
        logger.exception("Uploading artwork %s to %s failed", placement.artwork_id, tv.name)
        tvupload.placement_failed(placement, f"Could not send it to {tv.name}: {exc}")
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
            tvupload.placement_failed(placement, exc)
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
        settle.progress(placement.artwork, "waiting", tv=tv, error=f"{tv.name}: {exc}",
                  next_attempt_at=retry_at)
    # No error: the picture is on the TV as it was, and is replaced when the TV answers
    # (reframe.replacement_said says so).
    replacements_ready(tv).update(waiting_reason=str(exc), next_attempt_at=retry_at)
    logger.info("%s: %r; the lane runs again in %.0f s", tv.name, str(exc), delay)


# -- when no worker runs, and after one died -----------------------------------------

def artwork_upload_inline(*, artwork_id: int, attempts: int, first_delay: float) -> None:
    """Run the lanes of this artwork's TVs in this process, for when no worker runs.

    A TV that cannot be reached is tried `attempts` times in all, waiting
    `first_delay` seconds, doubling, in between (someone may be watching); then
    the placement fails with "Gave up after N attempts: ...".
    """
    for placement in Placement.objects.filter(artwork_id=artwork_id, status__in=settle.OPEN):
        for attempt in itertools.count(1):
            run = tv_lane_run(tv_id=placement.tv_id)
            placement.refresh_from_db()
            if placement.status not in settle.OPEN or run.busy:
                break  # ended, or a worker's lane has it
            if attempt >= attempts:
                tvupload.placement_failed(
                    placement, f"Gave up after {attempt} attempts: {run.waiting}")
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
        tvupload.placement_failed(placement, NeedsAttention(
            f"{placement.tv.name} is disabled: enable it on the TVs page, then retry."))


def _due():
    now = timezone.now()
    return Placement.objects.filter(
        Q(status__in=settle.OPEN) | Q(status=PlacementStatus.ON_TV, replace_asked_at__isnull=False),
        artwork__status=Status.PREPARED, tv__enabled=True,
    ).filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)).exclude(
        heartbeat_at__gte=now - timedelta(seconds=settings.STALL_AFTER))
