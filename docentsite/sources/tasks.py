"""The chain for one picture of any source: fetch_original, then the artwork pipeline.

fetch_original -> prepare, which starts each chosen TV's lane and the description:
docentsite.artwork's own tasks, so a source's picture and an uploaded file reach the
TVs the same way. The record follows along through artwork_progress.
"""

from celery import chain, shared_task
from celery.exceptions import Ignore
from django.conf import settings

from docentsite.artwork import tasks as artwork_tasks
from docentsite.artwork.errors import DocentError
from docentsite.sources import imports
from docentsite.sources.registry import source_get


@shared_task(name="sources.fetch_original", bind=True, max_retries=settings.TASK_MAX_RETRIES)
def fetch_original(self, source_key: str, record_id: int) -> None:
    source = source_get(source_key)
    if source is None:
        raise Ignore()  # the source's app was taken out since: nothing can fetch it
    try:
        with imports.source_import_step(source=source, record_id=record_id):
            imports.source_fetch_original(source=source, record_id=record_id)
    except DocentError as exc:
        if exc.transient and self.request.retries < self.max_retries:
            delay = artwork_tasks.backoff(self.request.retries)
            imports.source_import_note(source=source, record_id=record_id, error=str(exc),
                                       retry_in=delay)
            raise self.retry(exc=exc, countdown=delay) from exc
        error = str(exc)
        if exc.transient:
            error = f"Gave up after {self.request.retries + 1} attempts: {error}"
        imports.source_import_failed(source=source, record_id=record_id, error=error)
        raise Ignore() from exc


@shared_task(name="sources.resume_stalled")
def resume_stalled() -> None:
    imports.sources_resume_stalled()


def import_chain(source_key: str, record_id: int, artwork_id: int):
    return chain(fetch_original.si(source_key, record_id), artwork_tasks.pipeline(artwork_id))
