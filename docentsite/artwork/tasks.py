"""Thin Celery tasks: take an id, call a service, decide retry or give up.

A picture's work is prepare (the "prepare" queue: CPU-bound, as many at once as
cores), then each TV's lane (the "tv" queue: one transfer at a time per TV) and
its description (the default queue: network-bound) side by side. Each task
takes only ids; raising Ignore stops a chain after a failure already recorded.
"""

import logging

from celery import shared_task
from celery.exceptions import Ignore
from celery.signals import worker_ready

from docentsite.artwork import lane, metafile, reframe, rotation, services
from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import TV

logger = logging.getLogger(__name__)


def backoff(retries: int) -> float:
    """Seconds before retry number `retries` + 1: doubling, at most 15 minutes."""
    return lane.backoff(retries + 1)


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
    """Prepare the picture, then start what waits for it: each TV's lane, the description."""
    try:
        with services.artwork_step(artwork_id=artwork_id):
            services.artwork_prepare(artwork_id=artwork_id)
    except DocentError as exc:
        retry_or_give_up(self, artwork_id, exc, services.artwork_record_failure)
        raise Ignore() from exc
    services.artwork_prepared(artwork_id=artwork_id)
    if services.artwork_wants_analysis(artwork_id=artwork_id):
        analyze.delay(artwork_id)


@shared_task(name="artwork.tv_lane", bind=True)
def tv_lane(self, tv_id: int) -> None:
    """Upload what is ready for this TV, one after another; if the TV cannot be
    reached, come back when the backoff says."""
    run = lane.tv_lane_run(tv_id=tv_id, meta_later=True)
    if run.retry_in is not None:
        tv_lane.apply_async((tv_id,), countdown=run.retry_in)


@shared_task(name="artwork.analyze", bind=True, max_retries=3)
def analyze(self, artwork_id: int) -> None:
    """Never keeps a picture off a TV: a picture without a description is fine."""
    try:
        with services.artwork_step(artwork_id=artwork_id):
            services.artwork_analyze(artwork_id=artwork_id)
    except DocentError as exc:
        retry_or_give_up(self, artwork_id, exc, services.artwork_record_analysis_failure)
    services.artwork_finish(artwork_id=artwork_id)


@shared_task(name="artwork.sync_meta")
def sync_meta(tv_id: int) -> None:
    """The rewrite metafile.sync_soon scheduled."""
    if tv := TV.objects.filter(pk=tv_id).first():
        metafile.sync_scheduled(tv=tv)


@shared_task(name="artwork.resume_stalled")
def resume_stalled() -> None:
    services.artwork_resume_stalled()
    lane.lanes_resume()
    reframe.leftovers_delete()
    for tv in metafile.stale_tvs():
        metafile.sync(tv=tv)


@shared_task(name="artwork.rotate_due")
def rotate_due() -> None:
    """Beat's tick: run each TV's rotation whose time has come."""
    rotation.rotations_due()


def pipeline(artwork_id: int):
    """The work of one picture from its kept original (or wherever it stopped)."""
    return prepare.si(artwork_id)


def reanalysis(artwork_id: int):
    return analyze.si(artwork_id)


@worker_ready.connect
def resume_on_worker_start(sender=None, **kwargs) -> None:
    resume_stalled.delay()
