import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

from docentsite.config import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docentsite.settings")
# gunicorn --preload (as serve runs it) loads this in its main process: a bad
# setting ends gunicorn with one line and exit 2.
load_settings_or_exit()

application = get_wsgi_application()
# With CONN_MAX_AGE a connection outlives its request: none opened while loading may be
# inherited by the processes gunicorn forks, which would share it.
connections.close_all()
