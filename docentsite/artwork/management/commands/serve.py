import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run Docent: the web site (gunicorn, static files included) and a background "
        "worker, until stopped with Ctrl-C. Example: python manage.py serve --bind 0.0.0.0:8000"
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="0.0.0.0:8000",
                            help="Address and port of the web site (default 0.0.0.0:8000).")
        parser.add_argument("--web-workers", type=int, default=2,
                            help="gunicorn worker processes (default 2).")
        parser.add_argument("--web-threads", type=int, default=8,
                            help="Requests each web process serves at once (default 8); "
                                 "1 for one at a time.")
        parser.add_argument("--no-worker", action="store_true",
                            help="Start only the web site; run `celery -A docentsite worker "
                                 "-B` yourself (e.g. on another machine with a Redis broker; "
                                 "-B on one worker only).")

    def handle(self, *args, **options):
        python = sys.executable
        web = [python, "-m", "gunicorn", "docentsite.wsgi", "--bind", options["bind"],
               "--workers", str(options["web_workers"]), "--access-logfile", "-",
               "--timeout", "300"]
        if options["web_threads"] > 1:
            # Threads, so that a grid of thumbnails waiting on a slow Plex leaves
            # requests free for the admin's other pages (benchmarks/plex_thumbnails.py).
            web += ["--worker-class", "gthread", "--threads", str(options["web_threads"])]
        commands = {"web": web}
        if not options["no_worker"]:
            # One process per task at a time: uploads to the TV are serialised
            # anyway, and a small home server should not decode four 100 MP
            # photos at once. -B: the worker runs beat too, whose timer takes
            # over work a dead worker left (its schedule is in DOCENT_DATA_DIR).
            commands["worker"] = [python, "-m", "celery", "-A", "docentsite", "worker",
                                  "--concurrency", "2", "--loglevel",
                                  settings.LOG_LEVEL.lower(), "--hostname", "docent@%h", "-B"]
        children = {name: subprocess.Popen(cmd, env=os.environ.copy())
                    for name, cmd in commands.items()}
        self.stdout.write(f"Docent is running on http://{options['bind']}/admin/ "
                          f"({', '.join(children)}); Ctrl-C stops it.")
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit {child.returncode}); "
                                      "stopping Docent.")
                    exit_code, stopping = child.returncode or 1, True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        if exit_code:
            raise SystemExit(exit_code)
