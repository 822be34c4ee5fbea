"""Is everything Docent depends on configured and reachable?

One function per dependency, each returning a Check and never raising: the
`docent_check` command prints them, the admin home shows them.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    #: False for things Docent works without (Plex, the vision model).
    required: bool = True
    #: What a person can do about it from the status page: "pair" (with the TV).
    action: str = ""


def check_database() -> Check:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check("Database", False, f"cannot be opened: {exc}")
    vendor = connection.vendor
    if pending:
        return Check("Database", False,
                     f"{vendor}, {len(pending)} migration(s) to apply: run manage.py migrate")
    return Check("Database", True, f"{vendor}, up to date")


def check_broker() -> Check:
    from docentsite.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir() or not _writable(folder):
            return Check("Task queue", False, f"embedded queue folder {folder} is not writable")
        detail = f"embedded (files in {folder.parent})"
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 - kombu raises many unrelated types
            return Check("Task queue", False, f"broker unreachable: {type(exc).__name__}: {exc}")
        detail = f"broker {app.connection_for_write().as_uri()}"
    workers = _ping_workers(app)
    if not workers:
        return Check("Task queue", False,
                     f"{detail}; no worker answered — start one with `manage.py serve` "
                     "or `celery -A docentsite worker`")
    return Check("Task queue", True, f"{detail}; a worker is running")


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


def check_tv() -> Check:
    from docentsite.artwork import frametv

    if not settings.TV_HOST:
        return Check("Frame TV", False, "not configured: set TV_HOST in .env")
    status = frametv.from_settings().status()
    if not status.reachable:
        return Check("Frame TV", False, f"{settings.TV_HOST}: {status.error}")
    if not status.art_mode_supported:
        return Check("Frame TV", False, f"{status.name or settings.TV_HOST} has no Art Mode")
    if not status.paired:
        return Check("Frame TV", False, f"{status.name}: {status.error}", action="pair")
    if status.error:
        return Check("Frame TV", False, f"{status.name}: {status.error}")
    showing = {True: "showing art now", False: "not showing art now"}.get(status.art_mode, "")
    art_mode = f"Art Mode supported ({showing})" if showing else "Art Mode supported"
    return Check(
        "Frame TV", True,
        f"{status.name} ({status.model}), {art_mode}, Art API {status.api_version}, "
        f"{status.photo_count} personal photo(s)",
    )


def check_vision() -> Check:
    from docentsite.artwork import vision

    if settings.AI_PROVIDER == "none":
        return Check("Vision model", True, "off (AI_PROVIDER=none)", required=False)
    try:
        config = vision.from_settings()
    except vision.VisionNotConfigured as exc:
        return Check("Vision model", False, str(exc), required=False)
    auto = "on" if settings.AUTO_ANALYZE else "off"
    return Check("Vision model", True,
                 f"{config.provider} {config.model}, auto-analyze {auto}", required=False)


def check_plex() -> Check:
    from plexsource.services import plex_status

    status = plex_status()
    if not status.configured:
        return Check("Plex", True, "not configured (set PLEX_URL and PLEX_TOKEN to use it)",
                     required=False)
    note = f" ({status.note})" if status.note else ""
    if not status.connected:
        return Check("Plex", False, (status.error or "not reachable") + note, required=False)
    server, count = status.server, status.library_count
    libraries = "1 photo library" if count == 1 else f"{count} photo libraries"
    return Check("Plex", True, f'"{server.name}" version {server.version}, {libraries}{note}',
                 required=False)


def check_all() -> list[Check]:
    """Every check, in a fixed order. The two that wait on the network without the
    database (the worker ping, a TV that may be asleep) run beside the others, so
    the status page costs the slowest check rather than their sum."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        broker, tv = pool.submit(check_broker), pool.submit(check_tv)
        others = [check_database(), check_vision(), check_plex()]
        return [others[0], broker.result(), tv.result(), *others[1:]]
