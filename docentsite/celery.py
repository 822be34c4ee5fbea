import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import setup_logging

from docentsite import embeddedqueue
from docentsite.config import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docentsite.settings")

# Running as root: `serve` says so in one line; Celery's would be nine, from each worker.
warnings.filterwarnings("ignore", category=SecurityWarning)

embeddedqueue.install()
app = Celery("docentsite")
# Before Celery reads its configuration from the settings: a bad one is one line, exit 2.
app.on_configure.connect(lambda **kwargs: load_settings_or_exit(), weak=False)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_the_sites_logging(**kwargs) -> None:
    """The worker logs through settings.LOGGING, as the web does: secrets redacted, one
    record a line. Connecting here stops Celery from installing its own formatter."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


#: The stall sweeps beat runs: work a dead worker left is taken over, no restart needed.
STALL_SWEEPS = ("artwork.resume_stalled", "sources.resume_stalled")


@app.on_after_configure.connect
def schedule_timers(sender, **kwargs):
    from django.conf import settings

    # A sweep or check still queued when the next is due is dropped: busy workers
    # should not find a pile of them.
    interval = settings.STALL_SWEEP_INTERVAL
    for task in STALL_SWEEPS:
        sender.add_periodic_task(interval, sender.signature(task, expires=interval), name=task)
    # The status page's checks; each run is also the worker's sign of life there.
    interval = settings.STATUS_CHECK_INTERVAL
    sender.add_periodic_task(interval, sender.signature("status.refresh", expires=interval),
                             name="status.refresh")
