"""A running step's sign of life, so that the stall sweep tells live work from dead.

While a step runs, a thread stamps its row's `heartbeat_at` every STALL_AFTER / 4
seconds, and the stamp is cleared when the step ends. A stamp older than
STALL_AFTER means the worker died (killed, out of memory, power cut) and the
work may be taken over. Rows carrying these fields: `heartbeat_at`,
`next_attempt_at` (a retry is due then) and `updated_at`.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextmanager
def beating(rows):
    """Stamp `rows` (a queryset) as worked on for as long as the block runs."""
    rows.update(heartbeat_at=timezone.now(), next_attempt_at=None)
    stop = threading.Event()
    thread = threading.Thread(target=_beat, args=(rows, stop), name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        rows.update(heartbeat_at=None)


def _beat(rows, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.STALL_AFTER / 4):
            try:
                rows.update(heartbeat_at=timezone.now())
            except DatabaseError as exc:  # a missed beat is harmless; the next may pass
                logger.warning("Could not record a heartbeat: %s", exc)
    finally:
        connection.close()  # this thread's own connection


def alive(prefix: str = "", *, now: datetime | None = None) -> Q:
    """Rows a step works on now, or whose retry is due (or just was)."""
    since = (now or timezone.now()) - timedelta(seconds=settings.STALL_AFTER)
    return Q(**{f"{prefix}heartbeat_at__gte": since}) | Q(
        **{f"{prefix}next_attempt_at__gte": since})


def stalled(prefix: str = "", *, now: datetime | None = None) -> Q:
    """Rows whose work stopped: its step's heartbeat went silent, its retry never
    started, or it was queued long ago and nothing has moved it since."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.STALL_AFTER)
    queued_since = now - timedelta(seconds=settings.STALL_QUEUED_AFTER)
    idle = {f"{prefix}heartbeat_at": None}
    return (
        Q(**{f"{prefix}heartbeat_at__lt": since})
        | Q(**idle, **{f"{prefix}next_attempt_at__lt": since})
        | Q(**idle, **{f"{prefix}next_attempt_at": None, f"{prefix}updated_at__lt": queued_since})
    )
