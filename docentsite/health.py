"""Is everything Docent depends on configured and reachable?

One function per dependency, each returning a Check and never raising: the
`docent_check` command prints them; the worker's timer and "Check now" keep them
(docentsite.status) for the status page and a source's status route to read.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


class Level(StrEnum):
    OK = "ok"
    #: Not set up, or turned off on purpose: nothing is wrong (a source, the vision model).
    OFF = "off"
    #: The next step of setting up, not a fault: pairing with a TV that answers.
    STEP = "step"
    #: Something Docent works without (a source, the vision model) does not work.
    WARNING = "warning"
    #: Something Docent needs does not work.
    PROBLEM = "problem"
    #: Not checked yet: the page says so while a worker runs the check.
    CHECKING = "checking"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str
    #: What a person can do about it from the status page: "pair" (with the TV).
    action: str = ""
    #: The TV a TV's check is about.
    tv_id: int | None = None
    #: What the check found, as data: a source's is what its status route answers.
    facts: dict | None = None
    #: A TV's check: the TV did not answer at all (off, or not on the network).
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        """Nothing is wrong (it may still be off, or wait for a step)."""
        return self.level not in (Level.WARNING, Level.PROBLEM)


def check_database() -> Check:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check("Database", Level.PROBLEM, f"cannot be opened: {exc}")
    vendor = connection.vendor
    if pending:
        return Check("Database", Level.PROBLEM,
                     f"{vendor}, {len(pending)} migration(s) to apply: run manage.py migrate")
    return Check("Database", Level.OK, f"{vendor}, up to date")


#: What the task queue's check says when no worker answers.
NO_WORKER = "no worker answered — start one with `manage.py serve` or `celery -A docentsite worker`"


def check_broker(*, in_worker: bool = False) -> Check:
    """The broker, and a worker that reads it: asked with a ping, unless this runs in
    a worker, which is then the answer (the ping waits for the embedded queue's poll)."""
    from docentsite.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir() or not _writable(folder):
            return Check("Task queue", Level.PROBLEM,
                         f"embedded queue folder {folder} is not writable")
        detail = f"embedded (files in {folder.parent})"
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 - kombu raises many unrelated types
            return Check("Task queue", Level.PROBLEM,
                         f"broker unreachable: {type(exc).__name__}: {exc}")
        detail = f"broker {app.connection_for_write().as_uri()}"
    if not (in_worker or _ping_workers(app)):
        return Check("Task queue", Level.PROBLEM, f"{detail}; {NO_WORKER}",
                     facts={"broker": detail, "worker": False})
    return Check("Task queue", Level.OK, f"{detail}; a worker is running",
                 facts={"broker": detail, "worker": True})


def _ping_workers(app) -> list:
    # The first answer is enough: waiting for every worker costs the full timeout.
    try:
        return app.control.ping(timeout=1.5, limit=1) or []
    except Exception:  # noqa: BLE001 - a broker that can't broadcast has no answer
        return []


def _writable(folder: Path) -> bool:
    probe = folder / ".docent-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def check_tv(tv=None, *, name: str = "Frame TV") -> Check:
    """How one TV is (the default TV when none is given), asking the TV itself."""
    from docentsite.artwork import frametv, tvs

    try:
        tv = tv or tvs.tv_default()
    except frametv.TVUnavailable:
        return Check(name, Level.PROBLEM,
                     "not configured: set TV_HOST in .env, or add a TV on the TVs page")
    return _tv_answered(tv, name, _ask_tv(tv))


def _ask_tv(tv):
    """The TV's status, the TVUnavailable that says why there is none, or None for a
    disabled TV. The network only, never the database: check_all runs it in threads."""
    from docentsite.artwork import frametv, tvs

    if not tv.enabled:
        return None
    try:
        return tvs.frame_of(tv).status()
    except frametv.TVUnavailable as exc:
        return exc


def _tv_answered(tv, name: str, status) -> Check:
    """The TV's check from its answer. What the TV said is remembered, and its list of
    pictures kept in step with Docent's (instep.py): a TV's check, on the worker's timer
    or "Check now", is what asks the TV for that list."""
    from docentsite.artwork import instep, lane, nowshowing, tvfavourites, tvs

    if status is None:
        return Check(name, Level.OFF, "disabled: it gets no new pictures; what it shows stays",
                     tv_id=tv.pk)
    if isinstance(status, Exception):
        return Check(name, Level.PROBLEM, str(status), tv_id=tv.pk, unreachable=True)
    tvs.tv_learned(tv=tv, status=status)
    if not status.reachable:
        return Check(name, Level.PROBLEM, f"{tv.host}: {status.error}", tv_id=tv.pk,
                     unreachable=True)
    if not status.art_mode_supported:
        return Check(name, Level.PROBLEM, f"{status.name or tv.host} has no Art Mode",
                     tv_id=tv.pk)
    if not status.paired:
        # A fresh install is here until the first pairing: the next step, not a fault.
        return Check(name, Level.STEP,
                     f"{status.name} answers; Docent is not paired with the TV yet",
                     action="pair", tv_id=tv.pk)
    if status.error:
        return Check(name, Level.PROBLEM, f"{status.name}: {status.error}", tv_id=tv.pk)
    lane.tv_lane_wake(tv=tv)
    in_step = instep.tv_reconcile(tv=tv, status=status)
    showing = {True: "showing art now", False: "not showing art now"}.get(status.art_mode, "")
    art_mode = f"Art Mode supported ({showing})" if showing else "Art Mode supported"
    return Check(
        name, Level.OK,
        f"{status.name} ({status.model}), {art_mode}, Art API {status.api_version}, "
        f"{status.photo_count} personal photo(s)", tv_id=tv.pk,
        facts={**in_step.facts(), **nowshowing.tv_now_showing(tv=tv, status=status),
               **tvfavourites.tv_favourites_learned(tv=tv, status=status)},
    )


def tv_checks(known: list | None = None) -> list:
    """What check_tv is given, one per TV (of `known`, all by default): (tv, its check's
    name). One TV keeps the name "Frame TV"; several are told apart by theirs. No TV:
    one check that says so."""
    from docentsite.artwork import tvs

    known = tvs.tv_list() if known is None else known
    if len(known) <= 1:
        return [(known[0] if known else None, "Frame TV")]
    return [(tv, f"{tv.name} (Frame TV)") for tv in known]


def check_vision() -> Check:
    from docentsite.artwork import vision

    if settings.AI_PROVIDER == "none":
        return Check("Vision model", Level.OFF, "turned off (AI_PROVIDER=none)")
    try:
        config = vision.from_settings()
    except vision.VisionNotConfigured as exc:
        return Check("Vision model", Level.WARNING, str(exc))
    auto = "on" if settings.AUTO_ANALYZE else "off"
    return Check("Vision model", Level.OK,
                 f"{config.provider} {config.model}, auto-analyze {auto}")


def check_sources(*, remember: bool = True) -> list[Check]:
    """Every source's check, as it declares it (`remember`: a check may keep what it
    found, a list of libraries say; a GET's check writes nothing)."""
    from docentsite.sources.registry import sources

    return [check_source(source, remember=remember) for source in sources()
            if source.has("check")]


def check_source(source, *, remember: bool = True) -> Check:
    """One source's check, under its label; a check that raises is a warning, never
    the status page's end."""
    try:
        return source.call("check", remember=remember)
    except Exception as exc:  # noqa: BLE001 - a source's bug must not hide the others
        return Check(source.label, Level.WARNING, f"its check failed: {type(exc).__name__}")


def check_source_settings(source) -> Check | None:
    """The source's check when the settings alone tell (not set up, or set up wrong),
    without asking it; None when only the source can tell."""
    return source.call("settings_check") if source.has("settings_check") else None


def check_all(*, in_worker: bool = False,
              skip_tvs: frozenset[int] = frozenset()) -> list[Check]:
    """Every check, in a fixed order, one per TV but those in `skip_tvs` (ids), which
    are not asked (`in_worker`: run by a worker, which needs no ping). What waits on
    the network alone (the worker ping, TVs that may be asleep) runs in threads beside
    the others, so all the checks cost the slowest rather than their sum; what each TV
    said is written from this thread: SQLite lets one connection write at a time, and a
    test (or a request) may hold that in this one."""
    tv_list = [(tv, name) for tv, name in tv_checks() if not (tv and tv.pk in skip_tvs)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        broker = pool.submit(check_broker, in_worker=in_worker)
        asked = [(tv, name, tv and pool.submit(_ask_tv, tv)) for tv, name in tv_list]
        others = [check_database(), check_vision(), *check_sources()]
        tv_found = [_tv_answered(tv, name, answer.result()) if tv else check_tv(name=name)
                    for tv, name, answer in asked]
        return [others[0], broker.result(), *tv_found, *others[1:]]
