"""Thin Celery tasks: take an id, call a service, decide retry or give up.

Each task returns nothing and takes only ids; a chain is built from immutable
signatures. Raising Ignore stops the rest of a chain after a failure that has
already been recorded on the artwork.
"""

import logging

from celery import chain, shared_task
from celery.exceptions import Ignore
from celery.signals import worker_ready
from django.conf import settings

from docentsite.artwork import services
from docentsite.artwork.errors import DocentError

logger = logging.getLogger(__name__)


def backoff(retries: int) -> float:
    """Seconds before retry number `retries` + 1: doubling, at most 15 minutes."""
    return min(settings.TASK_RETRY_DELAY * 2**retries, 900)


def retry_or_give_up(task, artwork_id: int, exc: DocentError, record) -> None:
    if exc.transient and task.request.retries < task.max_retries:
        logger.info("Artwork %s: %r; retrying", artwork_id, str(exc))
        delay = backoff(task.request.retries)
        services.artwork_record_waiting(artwork_id=artwork_id, reason=str(exc), retry_in=delay)
        raise task.retry(exc=exc, countdown=delay)
    if exc.transient:
        attempts = task.request.retries + 1
        record(artwork_id=artwork_id, error=f"Gave up after {attempts} attempts: {exc}")


@shared_task(name="artwork.prepare", bind=True, max_retries=0)
def prepare(self, artwork_id: int) -> None:
    try:
        with services.artwork_step(artwork_id=artwork_id):
            services.artwork_prepare(artwork_id=artwork_id)
    except DocentError as exc:
        retry_or_give_up(self, artwork_id, exc, services.artwork_record_failure)
        raise Ignore() from exc


@shared_task(name="artwork.upload_to_tv", bind=True, max_retries=settings.TASK_MAX_RETRIES)
def upload_to_tv(self, artwork_id: int) -> None:
    try:
        with services.artwork_step(artwork_id=artwork_id):
            services.artwork_upload_to_tv(artwork_id=artwork_id)
    except DocentError as exc:
        retry_or_give_up(self, artwork_id, exc, services.artwork_record_failure)
        raise Ignore() from exc


@shared_task(name="artwork.analyze", bind=True, max_retries=3)
def analyze(self, artwork_id: int) -> None:
    """Never stops the chain: a picture on the TV without a description is fine."""
    try:
        with services.artwork_step(artwork_id=artwork_id):
            services.artwork_analyze(artwork_id=artwork_id)
    except DocentError as exc:
        retry_or_give_up(self, artwork_id, exc, services.artwork_record_analysis_failure)


@shared_task(name="artwork.sync_meta")
def sync_meta(artwork_id: int) -> None:
    services.artwork_finish(artwork_id=artwork_id)


@shared_task(name="artwork.resume_stalled")
def resume_stalled() -> None:
    services.artwork_resume_stalled()


def pipeline(artwork_id: int):
    return chain(
        prepare.si(artwork_id),
        upload_to_tv.si(artwork_id),
        analyze.si(artwork_id),
        sync_meta.si(artwork_id),
    )


def reanalysis(artwork_id: int):
    return chain(analyze.si(artwork_id), sync_meta.si(artwork_id))


@worker_ready.connect
def resume_on_worker_start(sender=None, **kwargs) -> None:
    resume_stalled.delay()
