import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docentsite.settings")

app = Celery("docentsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: The stall sweeps beat runs: work a dead worker left is taken over, no restart needed.
STALL_SWEEPS = ("artwork.resume_stalled", "plex.resume_stalled")


@app.on_after_configure.connect
def schedule_stall_sweeps(sender, **kwargs):
    from django.conf import settings

    interval = settings.STALL_SWEEP_INTERVAL
    for task in STALL_SWEEPS:
        # A sweep still queued when the next is due is dropped: busy workers
        # should not find a pile of them.
        sender.add_periodic_task(interval, sender.signature(task, expires=interval), name=task)
