"""Rotation: each TV holds a set number of Docent's pictures from a pool (a collection,
the favourites or the whole library), a few of them changed on a timer.

A run removes the Docent pictures that leave the set (capacity.py chooses them, as
it does when it makes room: the one uploaded longest ago first, never a favourite
marked keep, never the picture on screen), asks for the new ones through the TV's
lane and uploads them there, and only when the TV shows art may show one of them.
Pictures Docent did not upload are neither counted nor touched.

"Not shown recently" on a TV: Docent cannot know what a TV's own slideshow put on
screen, so a picture counts as shown on a TV for as long as it was on it. One that
is on it now, or is on its way, or left it (or was tried there) within the no-repeat
window is not picked again; its placement's last change is when it left, and the
run history's additions say so too. Among the others, those never on that TV come
first, in an order shuffled per run, then those that left it longest ago.

A TV that is off is skipped, its run still due; consecutive skips are one entry of
its history. The timer tries it again less and less often (a tick after the first
skip, then doubling, at most OFF_WAIT_MOST: tvoff.py), and at its next tick once the
TV has answered anyone since (the background check, which asks it at least every
TV_OFF_CHECK_MAX seconds, a lane): a TV off for a week is not knocked on every tick,
and its run happens soon after it is back.
"""

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from docentsite.artwork import capacity, frametv, lane, placements, settle, tvoff, tvs
from docentsite.artwork.errors import DocentError, Rejected
from docentsite.artwork.models import (
    TV,
    WEEKDAYS,
    Artwork,
    Placement,
    PlacementStatus,
    Rotation,
    RotationEvery,
    RotationOutcome,
    RotationPool,
    RotationRun,
    Status,
)

logger = logging.getLogger(__name__)

#: Runs kept in each TV's history.
HISTORY = 50
#: The longest the timer leaves a TV that was off before trying it again: the TV's
#: background check tells sooner when it answers (it asks every TV_OFF_CHECK_MAX at most).
OFF_WAIT_MOST = timedelta(hours=1)
#: A run still "running" after this long lost its worker: the next run may start.
STALE_AFTER = timedelta(hours=1)
#: How long a run waits for the new pictures another worker's lane is uploading, so
#: that its history says where they are (and one of them can be shown).
SETTLE_WAIT = 60.0

#: The fields a rotation's owner sets (the API and the TVs page).
SETTINGS = ("enabled", "pool", "collection", "keep", "change", "every", "hours", "at",
            "weekday", "no_repeat_days", "show_new")
_SCHEDULE = ("enabled", "every", "hours", "at", "weekday")


class RotationRunning(Rejected):
    """Another run of this TV's rotation has not finished."""


@dataclass
class Pick:
    artwork_id: int
    title: str
    why: str = ""

    def as_dict(self) -> dict:
        return {"artwork_id": self.artwork_id, "title": self.title, "why": self.why}


@dataclass
class RotationPlan:
    """What the next run would add and remove, and why; `notes` say why not more."""

    tv: TV
    rotation: Rotation
    add: list[Pick] = field(default_factory=list)
    remove: list[Pick] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Docent's pictures on the TV (or on their way) before the run.
    held: int = 0

    @property
    def summary(self) -> str:
        if not self.add and not self.remove:
            return f"Nothing would change on {self.tv.name}."
        return (f"Would add {_count(len(self.add))} and remove {_count(len(self.remove))} "
                f"on {self.tv.name}.")


def _count(n: int) -> str:
    return f"{n} picture{'' if n == 1 else 's'}"


# -- the settings ----------------------------------------------------------------

def rotation_of(tv: TV) -> Rotation:
    rotation = Rotation.objects.filter(tv=tv).select_related("collection", "tv").first()
    if rotation is None:
        raise Rejected(f"{tv.name} has no rotation: set one on the TVs page or with "
                       f"PUT /api/tvs/{tv.pk}/rotation.")
    return rotation


def rotation_set(*, tv: TV, replace: bool = True, **settings) -> Rotation:
    """Set a TV's rotation (`replace`: every setting not given takes its default; else
    only those given change). Rejected, with the database's own words, for settings
    that do not fit together; nothing is saved then."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise Rejected(f"A rotation has no setting {', '.join(sorted(unknown))}.")
    rotation = Rotation.objects.filter(tv=tv).first()
    if rotation is None or replace:
        fresh = Rotation(tv=tv)
        if rotation is not None:
            fresh.pk, fresh.next_run_at, fresh.created_at = (
                rotation.pk, rotation.next_run_at, rotation.created_at)
        rotation = fresh
    for name, value in settings.items():
        setattr(rotation, name, value)
    for name in unused_settings(pool=rotation.pool, every=rotation.every):
        setattr(rotation, name, None)
    return rotation_save(rotation=rotation)


def unused_settings(*, pool: str, every: str) -> set[str]:
    """The settings this pool and schedule do not use: cleared, so that a collection
    left from before (or the hours of an earlier schedule) is not refused."""
    unused = set() if pool == RotationPool.COLLECTION else {"collection"}
    if every == RotationEvery.HOURS:
        return unused | {"at", "weekday"}
    return unused | ({"hours", "weekday"} if every == RotationEvery.DAY else {"hours"})


def rotation_save(*, rotation: Rotation) -> Rotation:
    """Check and save a rotation; a changed schedule (or one just switched on) is due
    next at its next time from now."""
    try:
        rotation.full_clean(exclude=["tv"], validate_unique=False)
    except ValidationError as exc:
        raise Rejected(" ".join(exc.messages)) from None
    before = Rotation.objects.filter(pk=rotation.pk).values(*_SCHEDULE).first() \
        if rotation.pk else None
    changed = before is None or any(before[name] != getattr(rotation, name)
                                    for name in _SCHEDULE)
    if not rotation.enabled:
        rotation.next_run_at = None
    elif changed or rotation.next_run_at is None:
        rotation.next_run_at = rotation_next_run(rotation=rotation, after=timezone.now())
    rotation.save()
    return rotation


def rotation_next_run(*, rotation: Rotation, after: datetime) -> datetime | None:
    """The first time after `after` the schedule names (day and week: in TIME_ZONE)."""
    if not rotation.enabled:
        return None
    if rotation.every == RotationEvery.HOURS:
        return after + timedelta(hours=rotation.hours)
    zone = timezone.get_default_timezone()
    day = after.astimezone(zone).date()
    for offset in range(9):
        date = day + timedelta(days=offset)
        if rotation.every == RotationEvery.WEEK and date.weekday() != rotation.weekday:
            continue
        # An hour a summer-time change skips is read as the one after it.
        candidate = datetime.combine(date, rotation.at, tzinfo=zone)
        if candidate > after:
            return candidate
    raise AssertionError("a week always has the day")  # pragma: no cover


def schedule_words(rotation: Rotation) -> str:
    """"2 pictures every day at 08:00", "1 picture every 6 hours"."""
    changes = _count(rotation.change)
    if rotation.every == RotationEvery.HOURS:
        hours = rotation.hours or 0
        return f"{changes} every {'hour' if hours == 1 else f'{hours} hours'}"
    at = rotation.at.strftime("%H:%M") if rotation.at else "?"
    if rotation.every == RotationEvery.DAY:
        return f"{changes} every day at {at}"
    return f"{changes} every {dict(WEEKDAYS).get(rotation.weekday, '?')} at {at}"


def pool_words(rotation: Rotation) -> str:
    if rotation.pool == RotationPool.COLLECTION:
        return f"the collection “{rotation.collection}”" if rotation.collection \
            else "a collection since deleted"
    return "the favourites" if rotation.pool == RotationPool.FAVOURITES else "the whole library"


def when_words(moment: datetime | None) -> str:
    """"08:00" today, "Tue 08:00" within a week, "12 Dec 08:00" later (TIME_ZONE)."""
    if moment is None:
        return "—"
    local, now = timezone.localtime(moment), timezone.localtime()
    if local.date() == now.date():
        return date_format(local, "H:i")
    if timedelta(0) < local - now < timedelta(days=6):
        return date_format(local, "D H:i")
    return date_format(local, "j M H:i")


def rotation_card(rotation: Rotation | None) -> str:
    """The TV card's line: "Rotates 2 pictures every day at 08:00 · next 08:00"."""
    if rotation is None:
        return ""
    if not rotation.enabled:
        return "Rotation off."
    return f"Rotates {schedule_words(rotation)} · next {when_words(rotation.next_run_at)}"


# -- the plan --------------------------------------------------------------------

def rotation_plan(*, tv: TV, now: datetime | None = None) -> RotationPlan:
    """What the next run would add and remove, and why. Reads only: asks no TV."""
    rotation = rotation_of(tv)
    now = now or timezone.now()
    plan = RotationPlan(tv=tv, rotation=rotation)
    here = Placement.objects.filter(tv=tv)
    plan.held = here.filter(status__in=(PlacementStatus.ON_TV, *settle.OPEN)).count()
    movable, kept = capacity.candidates(tv=tv)
    fresh, recent = _fresh(rotation, tv, now)
    excess = max(plan.held - rotation.keep, 0)
    gap = max(rotation.keep - plan.held, 0)
    swaps = max(min(rotation.change, len(movable) - excess, len(fresh) - gap), 0)
    plan.add = fresh[:gap + swaps]
    for placement in movable[:excess + swaps]:
        since = (f"on {tv.name} since {_day(placement.uploaded_at, 'j M')}"
                 if placement.uploaded_at else f"on {tv.name} since before Docent kept dates")
        extra = f"; over the {rotation.keep} to keep" if len(plan.remove) < excess else ""
        plan.remove.append(Pick(placement.artwork_id, str(placement.artwork),
                                f"{since}, the longest of those that may leave{extra}"))
    _explain(plan, rotation, kept=kept, recent=recent, excess=excess, gap=gap,
             movable=len(movable), fresh=len(fresh))
    return plan


def _explain(plan: RotationPlan, rotation: Rotation, *, kept: int, recent: int, excess: int,
             gap: int, movable: int, fresh: int) -> None:
    tv, notes = plan.tv, plan.notes
    notes.append(f"{tv.name} holds {_count(plan.held)} from Docent; the rotation keeps "
                 f"{rotation.keep}, from {pool_words(rotation)}.")
    if kept:
        notes.append(f"{_count(kept)} marked keep stay{'s' if kept == 1 else ''} and count "
                     "among them.")
    if recent:
        window = rotation.no_repeat_days
        notes.append(f"{_count(recent)} of the pool {'was' if recent == 1 else 'were'} on "
                     f"{tv.name} in the last {window} day{'' if window == 1 else 's'}: not "
                     "picked again yet.")
    if fresh < gap + min(rotation.change, max(movable - excess, 0)):
        notes.append("The pool has no more pictures to bring: "
                     + ("add pictures to it, or shorten the no-repeat window."
                        if recent else "add pictures to it."))
    if not gap and movable < excess + min(rotation.change, fresh):
        notes.append(f"Fewer of Docent's pictures on {tv.name} may leave than the rotation "
                     "would change (favourites marked keep, and the picture on screen, stay).")


def _day(moment: datetime, form: str) -> str:
    return date_format(timezone.localtime(moment), form)


def _fresh(rotation: Rotation, tv: TV, now: datetime) -> tuple[list[Pick], int]:
    """The pool's pictures not on the TV and not shown there recently, in the order a
    run takes them; and how many were shown recently."""
    pool = Artwork.objects.filter(status=Status.PREPARED).exclude(image="")
    if rotation.pool == RotationPool.FAVOURITES:
        pool = pool.filter(favourite=True)
    elif rotation.pool == RotationPool.COLLECTION:
        pool = pool.filter(collections=rotation.collection) if rotation.collection \
            else pool.none()
    since = now - timedelta(days=rotation.no_repeat_days)
    last_here = {artwork_id: (status, changed) for artwork_id, status, changed in
                 Placement.objects.filter(tv=tv).values_list("artwork_id", "status",
                                                             "updated_at")}
    for run in RotationRun.objects.filter(tv=tv, started_at__gte=since).only("added",
                                                                             "started_at"):
        for item in run.added:
            status, changed = last_here.get(item["artwork_id"], (None, None))
            if changed is None or changed < run.started_at:
                last_here[item["artwork_id"]] = (status, run.started_at)
    never, before, recent = [], [], 0
    for artwork in pool.only("id", "title", "original_filename").order_by("pk"):
        status, changed = last_here.get(artwork.pk, (None, None))
        if status in (PlacementStatus.ON_TV, *settle.OPEN):
            continue
        if changed is None:
            never.append(Pick(artwork.pk, str(artwork), f"never on {tv.name}"))
        elif changed >= since and rotation.no_repeat_days:
            recent += 1
        else:
            day = _day(changed, "j M Y")
            before.append((changed, Pick(artwork.pk, str(artwork),
                                         f"last on {tv.name} until {day}")))
    # Shuffled per run, the same for a preview and the run after it.
    last_run = RotationRun.objects.filter(tv=tv).exclude(
        outcome=RotationOutcome.RUNNING).values_list("pk", flat=True).first() or 0
    random.Random(f"{tv.pk}:{last_run}").shuffle(never)
    return never + [pick for _, pick in sorted(before, key=lambda item: item[0])], recent


# -- the run ---------------------------------------------------------------------

def rotation_run(*, tv: TV, dry_run: bool = False, trigger: str = "now",
                 due_by: datetime | None = None):
    """Run the TV's rotation now: the RotationRun it leaves in the history. `dry_run`:
    only the RotationPlan (nothing is changed, no TV is asked). `due_by`: only if the
    rotation is due by then (None otherwise), as seen once this run holds the TV.

    RotationRunning when another run of this TV has not finished; Rejected when the
    TV has no rotation."""
    if dry_run:
        return rotation_plan(tv=tv)
    rotation = rotation_of(tv)
    run = _claim(tv, trigger)
    if due_by is not None and not Rotation.objects.filter(
            pk=rotation.pk, enabled=True, next_run_at__lte=due_by).exists():
        run.delete()  # the run that held the TV a moment ago did it
        return None
    try:
        return _run(run, rotation, at=due_by)
    except Exception as exc:
        logger.exception("The rotation of %s failed", tv.name)
        _finish(run, RotationOutcome.FAILED, f"The run stopped: {exc}")
        raise


def _claim(tv: TV, trigger: str) -> RotationRun:
    for _ in range(2):
        try:
            with transaction.atomic():
                return RotationRun.objects.create(tv=tv, trigger=trigger)
        except IntegrityError:
            stale = RotationRun.objects.filter(
                tv=tv, outcome=RotationOutcome.RUNNING,
                started_at__lt=timezone.now() - STALE_AFTER).update(
                outcome=RotationOutcome.FAILED, finished_at=timezone.now(),
                why="It did not finish: its worker stopped.", updated_at=timezone.now())
            if not stale:
                break
    raise RotationRunning(f"A rotation of {tv.name} is running now: its history says what "
                          "it did when it is done.")


def _run(run: RotationRun, rotation: Rotation, *, at: datetime | None) -> RotationRun:
    """`at`: the timer's tick, when it is the timer's run: a skip is dated by it."""
    tv = rotation.tv
    if not tv.enabled:
        _schedule_next(rotation)
        _finish(run, RotationOutcome.SKIPPED, f"Skipped: {tv.name} is disabled.")
        return run
    try:
        art_mode = tvs.frame_of(tv).art_mode()
    except frametv.TVAuthPending as exc:
        return _skipped(run, f"Skipped: {tv.name} is not paired with Docent ({exc}). The "
                             "timer tries again.", at=at)
    except DocentError as exc:
        # Still due: the timer tries again (rotations_due says when).
        return _skipped(run, f"Skipped: TV off — {tv.name} did not answer ({exc}). The "
                             "timer tries again, soon after it answers.", at=at)
    plan = rotation_plan(tv=tv)
    notes = []
    if _remove(run, plan, notes):
        _finish(run, RotationOutcome.FAILED, " ".join(notes))
        return run  # still due: caught up at the next tick
    _add(run, plan, notes)
    if rotation.show_new:
        _show_one(run, tv, art_mode, notes)
    # Before the run says it is done: whoever sees it done sees when the next is due.
    _schedule_next(rotation)
    _finish(run, RotationOutcome.DONE, _said(run, plan, notes))
    return run


def _remove(run: RotationRun, plan: RotationPlan, notes: list[str]) -> bool:
    """Take the leavers off the TV; True when the TV stopped answering."""
    if not plan.remove:
        return False
    leaving = Artwork.objects.filter(pk__in=[pick.artwork_id for pick in plan.remove])
    result = placements.artwork_remove_from_tv(artworks=leaving, tvs_chosen=[plan.tv])
    titles = {pick.artwork_id: pick.title for pick in plan.remove}
    gone = {p.artwork_id for p in result.removed + result.already_gone}
    run.removed = [{"artwork_id": pick.artwork_id, "title": pick.title}
                   for pick in plan.remove if pick.artwork_id in gone]
    run.failed += [{"artwork_id": p.artwork_id, "title": titles.get(p.artwork_id, ""),
                    "why": f"not removed: {why}"} for p, why in result.refused]
    if result.stopped:
        notes.append(f"{plan.tv.name} stopped answering while pictures left it "
                     f"({result.stopped}); nothing was added. The next tick tries again.")
        return True
    return False


def _add(run: RotationRun, plan: RotationPlan, notes: list[str]) -> None:
    """Ask for the new pictures through the TV's lane, and upload them now (a lane
    another worker holds uploads them; a TV that stops answering has them retried)."""
    if not plan.add:
        return
    tv = plan.tv
    chosen = list(Artwork.objects.filter(pk__in=[pick.artwork_id for pick in plan.add]))
    placements.artwork_place(artworks=chosen, tvs_wanted=[tv])
    lane.tv_lane_run(tv_id=tv.pk)
    rows = _settled(tv, [artwork.pk for artwork in chosen])
    waiting = 0
    for pick in plan.add:
        placement = rows.get(pick.artwork_id)
        if placement is None:
            continue
        if placement.status in settle.ENDED_BADLY:
            run.failed.append({"artwork_id": pick.artwork_id, "title": pick.title,
                               "why": placement.last_error})
            continue
        run.added.append({"artwork_id": pick.artwork_id, "title": pick.title,
                          "on_tv": placement.status == PlacementStatus.ON_TV})
        waiting += placement.status != PlacementStatus.ON_TV
    if waiting:
        notes.append(f"{_count(waiting)} on {'its' if waiting == 1 else 'their'} way: "
                     f"{tv.name}'s upload lane sends {'it' if waiting == 1 else 'them'}.")


def _settled(tv: TV, artwork_ids: list[int]) -> dict[int, Placement]:
    """The placements, once none is being uploaded (or ready to be) by another worker's
    lane, or SETTLE_WAIT has passed. One waiting for the TV to answer again is left."""
    deadline = time.monotonic() + SETTLE_WAIT
    while True:
        rows = {p.artwork_id: p for p in Placement.objects.filter(
            tv=tv, artwork_id__in=artwork_ids)}
        moving = [p for p in rows.values() if p.status == PlacementStatus.UPLOADING
                  or (p.status == PlacementStatus.QUEUED and p.next_attempt_at is None)]
        if not moving or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def _show_one(run: RotationRun, tv: TV, art_mode: bool | None, notes: list[str]) -> None:
    """Show the first new picture on the TV, if it shows art now (asked again: someone
    may have switched to TV since the run began). Never switches the TV over."""
    arrived = [item["artwork_id"] for item in run.added if item.get("on_tv")]
    if not arrived:
        return
    if art_mode is not True:
        notes.append(f"None shown: {tv.name} was being watched (not in Art Mode).")
        return
    try:
        placements.artwork_show_now(artwork_id=arrived[0], tv=tv)
    except placements.TVBeingWatched:
        notes.append(f"None shown: {tv.name} was being watched (not in Art Mode).")
    except DocentError as exc:
        notes.append(f"None shown: {exc}")
    else:
        run.shown_id = arrived[0]


def _said(run: RotationRun, plan: RotationPlan, notes: list[str]) -> str:
    said = [f"Added {_count(len(run.added))}, removed {_count(len(run.removed))}"
            + (f", {len(run.failed)} failed." if run.failed else ".")]
    shown = [item["title"] for item in run.added if item["artwork_id"] == run.shown_id]
    if shown:
        said.append(f"Showing “{shown[0]}”.")
    if not plan.add and not plan.remove:
        said += plan.notes[1:] or ["Nothing to change."]
    return " ".join(said + notes)


def _skipped(run: RotationRun, why: str, *, at: datetime | None = None) -> RotationRun:
    """A skip right after a skip is the same story: one entry, counted, finished `at`
    (now by default)."""
    previous = RotationRun.objects.filter(tv=run.tv).exclude(pk=run.pk).first()
    if previous is None or previous.outcome != RotationOutcome.SKIPPED:
        _finish(run, RotationOutcome.SKIPPED, why, at=at)
        return run
    run.delete()
    previous.tries, previous.why = previous.tries + 1, why
    previous.finished_at = at or timezone.now()
    previous.save(update_fields=["tries", "why", "finished_at", "updated_at"])
    return previous


def _finish(run: RotationRun, outcome: str, why: str, *, at: datetime | None = None) -> None:
    run.outcome, run.why, run.finished_at = outcome, why, at or timezone.now()
    run.save()
    logger.info("Rotation of %s: %s", run.tv.name, why)
    old = RotationRun.objects.filter(tv=run.tv).values_list("pk", flat=True)[HISTORY:]
    RotationRun.objects.filter(pk__in=list(old)).delete()


def _schedule_next(rotation: Rotation) -> None:
    Rotation.objects.filter(pk=rotation.pk, enabled=True).update(
        next_run_at=rotation_next_run(rotation=rotation, after=timezone.now()))


# -- the timer -------------------------------------------------------------------

def rotations_due(*, now: datetime | None = None) -> list[RotationRun]:
    """Run every enabled rotation whose time has come (the timer's task); one TV's
    trouble stops no other's run."""
    now = now or timezone.now()
    for rotation in Rotation.objects.filter(enabled=True, next_run_at=None):
        rotation_save(rotation=rotation)  # saved without a next run (the admin, a migration)
    runs = []
    due = Rotation.objects.filter(enabled=True, next_run_at__lte=now).select_related("tv")
    for rotation in due.order_by("next_run_at", "pk"):
        if _left_alone(rotation.tv, now):
            continue  # still due
        try:
            run = rotation_run(tv=rotation.tv, trigger="timer", due_by=now)
        except RotationRunning:
            continue
        except Exception:  # noqa: BLE001, S112 - logged and in its history; the next TV runs
            continue
        if run is not None:
            runs.append(run)
    return runs


def _left_alone(tv: TV, now: datetime) -> bool:
    """Whether the timer leaves the TV alone this tick: its last runs were skipped (it
    did not answer), it has not answered anyone since, and its wait is not over."""
    last = RotationRun.objects.filter(tv=tv).first()
    if last is None or last.outcome != RotationOutcome.SKIPPED or last.finished_at is None:
        return False
    if tvoff.seen_since(tv, last.finished_at):
        return False
    tick = django_settings.ROTATION_TICK
    wait = tvoff.wait_after(last.tries, every=tick, most=OFF_WAIT_MOST.total_seconds())
    # Half a tick early is on time: the timer's ticks and the runs' lengths wobble.
    return now < last.finished_at + timedelta(seconds=wait - tick / 2)


def last_runs(*, tv: TV, count: int = 10) -> list[RotationRun]:
    return list(RotationRun.objects.filter(tv=tv).select_related("shown")[:count])


def tvs_with_rotation(*, name: str | None = None) -> list[TV]:
    """The TV called `name` (NotFound if none), or every TV with an enabled rotation."""
    if name:
        return [tvs.tv_get(tv=name)]
    return list(TV.objects.filter(rotation__enabled=True).order_by("-from_env", "pk"))
