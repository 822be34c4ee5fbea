import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docentsite.settings")

app = Celery("docentsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_the_sites_logging(**kwargs) -> None:
    """The worker logs through settings.LOGGING, as the web does: secrets redacted, one
    record a line. Connecting here stops Celery from installing its own formatter."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
