"""The checks, run by a worker: on beat's timer, and when a page finds one never run."""

from celery import shared_task

from docentsite.status import services


@shared_task(name="status.refresh", bind=True)
def refresh(self) -> None:
    # Run eagerly (CELERY_TASK_ALWAYS_EAGER) it is no worker's sign of life.
    services.status_tick(in_worker=not self.request.is_eager)
