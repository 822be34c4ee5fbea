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

    for task in STALL_SWEEPS:
        sender.add_periodic_task(settings.STALL_SWEEP_INTERVAL, sender.signature(task),
                                 name=task)
