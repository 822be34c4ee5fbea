"""The chain for one Plex photo: fetch_original, then the artwork pipeline.

fetch_original -> prepare, which starts each chosen TV's lane and the
description: docentsite.artwork's own tasks, so a Plex photo and an uploaded
file reach the TVs the same way. The record follows along through
artwork_progress.
"""

from celery import chain, shared_task
from celery.exceptions import Ignore
from django.conf import settings

from docentsite.artwork import tasks as artwork_tasks
from docentsite.artwork.errors import DocentError
from plexsource import services


@shared_task(name="plex.fetch_original", bind=True, max_retries=settings.TASK_MAX_RETRIES)
def fetch_original(self, record_id: int) -> None:
    try:
        with services.plex_import_step(record_id=record_id):
            services.plex_fetch_original(record_id=record_id)
    except DocentError as exc:
        if exc.transient and self.request.retries < self.max_retries:
            delay = artwork_tasks.backoff(self.request.retries)
            services.plex_import_note(record_id=record_id, error=str(exc), retry_in=delay)
            raise self.retry(exc=exc, countdown=delay) from exc
        error = str(exc)
        if exc.transient:
            error = f"Gave up after {self.request.retries + 1} attempts: {error}"
        services.plex_import_failed(record_id=record_id, error=error)
        raise Ignore() from exc


@shared_task(name="plex.resume_stalled")
def resume_stalled() -> None:
    services.plex_import_resume_stalled()


def import_chain(record_id: int, artwork_id: int):
    return chain(fetch_original.si(record_id), artwork_tasks.pipeline(artwork_id))
