"""Importing from a command line, with or without a worker: whether one runs, the
whole chain run in this process when none does, and following a worker's imports."""

import itertools
import logging
import time
from collections.abc import Iterable, Iterator

from django.conf import settings

from docentsite.artwork import lane
from docentsite.artwork import services as artwork_services
from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import AnalysisStatus, Artwork, Status
from docentsite.sources.imports import (
    ENDED,
    chunks,
    source_fetch_original,
    source_import_failed,
    source_import_note,
)
from docentsite.sources.registry import Source

logger = logging.getLogger(__name__)

#: Seconds a worker has to answer a ping. The embedded queue is read once a
#: second, so its workers answer after about one; with none, we wait it all.
WORKER_PING_TIMEOUT = 2.0
#: Tries of a step that fails transiently when no worker runs the import.
INLINE_ATTEMPTS = 3
#: The first wait, doubling, between two tries in this process: someone may be watching.
INLINE_FIRST_DELAY = 5.0


def workers_running(*, timeout: float = WORKER_PING_TIMEOUT) -> bool:
    """Whether any Celery worker answers a ping within `timeout` seconds."""
    from docentsite.celery import app

    try:
        return bool(app.control.ping(timeout=timeout, limit=1))
    except Exception:  # noqa: BLE001 - a broker that can't broadcast has no worker for us
        return False


def source_import_run_inline(*, source: Source, record_id: int, attempts: int = INLINE_ATTEMPTS):
    """Run a queued import's steps in this process, for when no worker is running.

    The steps and their failure handling are the chain's: a permanent error fails
    the record with its message, a transient one is tried `attempts` times in all and
    then fails it with "Gave up after N attempts: ...", and analysis failing never
    keeps a picture off the TV. Every step skips work already done, so the chain
    still queued for the record is a no-op when a worker runs it later.
    """
    record = source.record_model.objects.get(pk=record_id)
    artwork_id = record.artwork_id
    if artwork_id is None or record.status in ENDED:
        return _record(source, record_id)
    error = _try(lambda: source_fetch_original(source=source, record_id=record_id),
                 attempts=attempts,
                 on_retry=lambda message: source_import_note(
                     source=source, record_id=record_id, error=message))
    if error:
        source_import_failed(source=source, record_id=record_id, error=error)
        return _record(source, record_id)
    error = _try(lambda: artwork_services.artwork_prepare(artwork_id=artwork_id),
                 attempts=attempts)
    if error:
        # A step records its own permanent failure, not our giving up.
        if not Artwork.objects.filter(pk=artwork_id, status=Status.FAILED).exists():
            artwork_services.artwork_record_failure(artwork_id=artwork_id, error=error)
        return _record(source, record_id)
    lane.artwork_upload_inline(
        artwork_id=artwork_id, attempts=attempts,
        first_delay=min(settings.TASK_RETRY_DELAY, INLINE_FIRST_DELAY))
    error = _try(lambda: artwork_services.artwork_analyze(artwork_id=artwork_id),
                 attempts=attempts)
    if error and Artwork.objects.filter(pk=artwork_id, analysis_status__in=[
            AnalysisStatus.PENDING, AnalysisStatus.RUNNING]).exists():
        artwork_services.artwork_record_analysis_failure(artwork_id=artwork_id, error=error)
    artwork_services.artwork_finish(artwork_id=artwork_id, inline=True)
    return _record(source, record_id)


def source_import_follow(
    *, source: Source, record_ids: Iterable[int], interval: float = 1.0,
    timeout: float | None = None, related: tuple[str, ...] = ("artwork",),
) -> Iterator:
    """Each record, as soon as a worker has ended it (done or failed).

    With `timeout` (seconds), stops following then; the work goes on in the worker.
    """
    pending = set(record_ids)
    deadline = None if timeout is None else time.monotonic() + timeout
    while pending:
        for chunk in chunks(sorted(pending)):
            ended = source.record_model.objects.select_related(*related).filter(
                pk__in=chunk, status__in=ENDED).order_by("finished_at", "pk")
            for record in ended:
                pending.discard(record.pk)
                yield record
        if not pending:
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return
        time.sleep(interval if left is None else min(interval, left))


def _record(source: Source, record_id: int):
    return source.record_model.objects.select_related("artwork").get(pk=record_id)


def _try(step, *, attempts: int, on_retry=None) -> str | None:
    """Call `step` until it succeeds, fails for good, or fails transiently
    `attempts` times; the error to record, or None."""
    for attempt in itertools.count(1):
        try:
            step()
            return None
        except DocentError as exc:
            if not exc.transient:
                return str(exc)
            if attempt >= attempts:
                return f"Gave up after {attempt} attempts: {exc}"
            logger.info("%r; trying again", str(exc))
            if on_retry:
                on_retry(str(exc))
            time.sleep(min(settings.TASK_RETRY_DELAY, INLINE_FIRST_DELAY) * 2 ** (attempt - 1))
