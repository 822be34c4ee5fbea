"""One transfer at a time per TV, across threads, processes and machines.

The TV handles one transfer at a time and samsungtvws takes any image_added as
its own, so uploads to and deletions from one TV must never overlap. With
SQLite every process shares DOCENT_DATA_DIR (the database lives there), and a
file lock in it reaches them all. With PostgreSQL, workers may run on machines
that share nothing but the database: a session-level advisory lock there holds
across all of them, and the server frees it when the holder's connection dies.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from filelock import FileLock, Timeout

from docentsite.artwork.frametv_errors import TVUnavailable
from docentsite.artwork.models import TV

# The advisory lock's first key: ours, so that other users of the database do not collide.
_LOCK_SPACE = 0x0D0C


class LaneBusy(TVUnavailable):
    """Another transfer to this TV is running."""


@contextmanager
def holding(tv: TV, *, wait: float = 0) -> Iterator[None]:
    """Hold the TV's transfer lock for the block; LaneBusy if not had within `wait` s."""
    if connection.vendor == "postgresql":
        with _advisory(tv.pk, wait):
            yield
        return
    from docentsite.artwork.tvs import lock_path

    path = lock_path(tv)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=wait)
    try:
        lock.acquire()
    except Timeout as exc:
        raise LaneBusy(f"Another transfer to {tv.name} is still running.") from exc
    try:
        yield
    finally:
        lock.release()


def busy(tv: TV) -> bool:
    """Whether a transfer to the TV runs now (its lock is held), without waiting. With
    PostgreSQL, another session's hold is looked up (taking the lock would succeed in a
    session that holds it already); the file lock is taken and let go at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND objid = %s AND objsubid = 2"
                " AND pid <> pg_backend_pid())", [_LOCK_SPACE, tv.pk])
            return cursor.fetchone()[0]
    try:
        with holding(tv, wait=0):
            return False
    except LaneBusy:
        return True


@contextmanager
def _advisory(key: int, wait: float) -> Iterator[None]:
    deadline = time.monotonic() + wait
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, key])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise LaneBusy("Another transfer to this TV is still running.")
            time.sleep(0.1)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, key])
