"""Each check's last result, kept so that the status page and a source's status route
answer at once and read only.

The checks run in the background, in a worker: on its timer (every
STATUS_CHECK_INTERVAL seconds) and when a page finds a check never run; and in the
request when a person presses "Check now". The task queue's result, kept by the
worker itself, is the worker's sign of life: a page reads its age instead of
waiting for a ping through the queue.

The timer asks a TV only when its turn has come: one that does not answer is asked
less and less often (STATUS_CHECK_INTERVAL, doubling, at most TV_OFF_CHECK_MAX:
tvoff.py), and at the timer's pace again once it answers anyone, while a lane has
pictures waiting for it, or after "Check now". A TV whose lane holds its lock (a
transfer runs) is not asked at all: its last result stands until the next turn.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from docentsite import health
from docentsite.artwork import tvlock, tvoff
from docentsite.health import Check, Level
from docentsite.sources.registry import sources
from docentsite.status.models import CheckResult

logger = logging.getLogger(__name__)

#: The cache key that says this process asked a worker to run the checks lately.
REFRESH_ASKED = "docent:status-refresh-asked"


@dataclass(frozen=True)
class Known:
    """A check as last found, and when (None: just now, from the settings alone)."""

    check: Check
    checked_at: datetime | None = None
    #: When the timer runs it next (None: not known, as checked_at).
    next_at: datetime | None = None


def status_refresh(*, in_worker: bool = False) -> list[Check]:
    """Run every check now, asking every TV, and keep what each found (`in_worker`: run
    by a worker, which then needs no ping to know that one runs). A TV left alone for
    not answering is asked at the timer's pace again: someone wants to know."""
    return _run(in_worker=in_worker, now=timezone.now())


def status_tick(*, in_worker: bool = False, now: datetime | None = None) -> list[Check]:
    """The timer's run: every check, but each TV only when its turn has come and its
    lane is not transferring a picture (see above); what it found, the TVs left alone
    not among it."""
    from docentsite.artwork import tvs

    now = now or timezone.now()
    rows = {row.tv_id: row for row in CheckResult.objects.filter(tv__isnull=False)}
    waiting = _tvs_waited_for()
    skip = frozenset(
        tv.pk for tv in tvs.tv_list()
        if tv.enabled and (not _tv_due(tv, rows.get(tv.pk), now, waiting=tv.pk in waiting)
                           or _lane_busy(tv)))
    return _run(in_worker=in_worker, now=now, skip_tvs=skip,
                misses={tv_id: row.misses for tv_id, row in rows.items()})


def _lane_busy(tv) -> bool:
    """Whether the TV's lane transfers now. Finding out takes its lock for an instant,
    and a lane that tried it then left its pictures to the holder: this check starts
    it again."""
    from docentsite.artwork import lane

    if tvlock.busy(tv):
        return True
    lane.tv_lane_resume(tv=tv)
    return False


def _run(*, in_worker: bool, now: datetime, skip_tvs: frozenset[int] = frozenset(),
         misses: dict[int, int] | None = None) -> list[Check]:
    found = health.check_all(in_worker=in_worker, skip_tvs=skip_tvs)
    with transaction.atomic():
        _keep(found, now=now, misses=misses)
        # A TV removed since, or the "no TV" check once there is one.
        CheckResult.objects.exclude(key__in=[_key(check) for check in found]).exclude(
            tv__in=skip_tvs).delete()
    return found


def status_refresh_tv(*, tv) -> Check:
    """Run one TV's check and keep it: once paired, its card says so at once."""
    (name,) = [name for each, name in health.tv_checks() if each and each.pk == tv.pk]
    check = health.check_tv(tv, name=name)
    _keep([check], now=timezone.now())
    return check


def _keep(found: list[Check], *, now: datetime, misses: dict[int, int] | None = None) -> None:
    """Keep each check as found `now`. `misses`: each TV's misses in a row so far, which a
    TV that does not answer adds to; None: counted afresh (someone asked)."""
    for check in found:
        missed = 0
        if check.unreachable:
            missed = 1 + (misses or {}).get(check.tv_id, 0)
        CheckResult.objects.update_or_create(key=_key(check), defaults={
            "name": check.name, "level": check.level.value, "detail": check.detail,
            "action": check.action, "tv_id": check.tv_id, "facts": check.facts or {},
            "checked_at": now, "misses": missed})


def _interval(row: CheckResult, *, waiting: bool) -> float:
    """Seconds from this check to the next the timer runs."""
    every = settings.STATUS_CHECK_INTERVAL
    if waiting:  # a lane has pictures for the TV: its return is noticed within a turn
        return every
    return tvoff.wait_after(row.misses, every=every, most=settings.TV_OFF_CHECK_MAX)


def _tv_due(tv, row: CheckResult | None, now: datetime, *, waiting: bool) -> bool:
    if row is None or tvoff.seen_since(tv, row.checked_at):
        return True
    # Half a turn early is on time: the timer's turns and the checks' lengths wobble.
    early = timedelta(seconds=settings.STATUS_CHECK_INTERVAL / 2)
    return row.checked_at + timedelta(seconds=_interval(row, waiting=waiting)) <= now + early


def _tvs_waited_for() -> set[int]:
    """The TVs with pictures queued or uploading for them: their lanes need them."""
    from docentsite.artwork.models import Placement
    from docentsite.artwork.settle import OPEN

    return set(Placement.objects.filter(status__in=OPEN).values_list("tv_id", flat=True)
               .distinct())


def status_refresh_soon() -> None:
    """Have a worker run the checks now, unless this process asked less than
    STATUS_CHECK_INTERVAL seconds ago; never waits for it."""
    from docentsite.status.tasks import refresh

    interval = settings.STATUS_CHECK_INTERVAL
    if not cache.add(REFRESH_ASKED, True, timeout=interval):
        return
    try:
        refresh.apply_async(expires=interval, retry=False)
    except Exception as exc:  # noqa: BLE001 - kombu raises many types; the timer will run it
        logger.warning("Could not ask a worker to run the checks: %s", exc)


def status_known(*, tvs: list) -> list[Known]:
    """Every check as last found, in health.check_all's order, one per TV in `tvs`:
    "checking…" for a check never run, which a worker is then asked to run. Reads only."""
    try:
        kept = {row.key: row for row in CheckResult.objects.all()}
    except DatabaseError:  # the status table not made yet: the database check says why
        return [Known(health.check_database())]
    now = timezone.now()
    checked = [source for source in sources() if source.has("check")]
    wanted = [("Database", "Database", None), ("Task queue", "Task queue", None),
              *((f"tv-{tv.pk}" if tv else name, name, tv)
                for tv, name in health.tv_checks(tvs)),
              *((source.label, source.label, None) for source in checked)]
    # Only a TV asked less often for not answering asks whether a lane waits for it.
    waiting = _tvs_waited_for() if any(row.misses > 1 for row in kept.values()) else set()
    known = [_known(kept.get(key), name, tv, now, waiting=waiting)
             for key, name, tv in wanted]
    # What the settings alone tell is told as it is now: no need to wait for a worker.
    first_source = len(known) - len(checked)
    for at, source in enumerate(checked, start=first_source):
        if told := health.check_source_settings(source):
            known[at] = Known(told)
    known.insert(first_source, Known(health.check_vision()))
    if any(item.check.level is Level.CHECKING for item in known):
        status_refresh_soon()
    return known


def status_source(*, source) -> dict:
    """What a source's status route answers: its check's facts as last found, and when.
    Good news is read from what was found; no news or bad news is asked of the source
    again (without writing), so that a browse page never turns a person away from a
    source that is up."""
    told = health.check_source_settings(source)
    if told:
        return {**(told.facts or {}), "checked_at": None}
    row = CheckResult.objects.filter(key=source.label).first()
    if row and row.facts.get("connected"):
        return {**row.facts, "checked_at": row.checked_at}
    if row is None:
        status_refresh_soon()
    return {**(health.check_source(source, remember=False).facts or {}),
            "checked_at": timezone.now()}


def worker_silent_after() -> int:
    """Seconds without a worker's run of the checks after which it counts as gone: a
    missed turn of the timer, and a slow one, are not yet."""
    return 3 * settings.STATUS_CHECK_INTERVAL


def _known(row: CheckResult | None, name: str, tv, now: datetime, *,
           waiting: set[int]) -> Known:
    if row is None:
        return Known(Check(name, Level.CHECKING, "Not checked yet: a worker is checking now.",
                           tv_id=tv and tv.pk))
    check = Check(name, Level(row.level), row.detail, action=row.action, tv_id=row.tv_id,
                  facts=row.facts)
    silent = (now - row.checked_at).total_seconds()
    if row.key == "Task queue" and row.facts.get("worker") and silent > worker_silent_after():
        check = Check(name, Level.PROBLEM,
                      f"{row.facts['broker']}; no worker has run the checks for "
                      f"{ago(silent)} — start one with `manage.py serve` (or `celery -A "
                      "docentsite worker -B`: -B runs the timer)",
                      facts={**row.facts, "worker": False})
    interval = _interval(row, waiting=row.tv_id in waiting)
    return Known(check, row.checked_at, row.checked_at + timedelta(seconds=interval))


def _key(check: Check) -> str:
    return f"tv-{check.tv_id}" if check.tv_id else check.name


def ago(seconds: float) -> str:
    """A short age in words: 12 s, 4 min, 3 h, 2 days."""
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if unit == 'day' and count > 1 else ''}"
    return f"{seconds} s"
