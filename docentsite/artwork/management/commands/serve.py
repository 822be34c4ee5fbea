import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from filelock import FileLock, Timeout

#: Seconds a child has to finish its work after SIGTERM before it is killed.
STOP_TIMEOUT = 30


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
                            help="Start only the web site; run the workers yourself (e.g. on "
                                 "another machine with a Redis broker): `celery -A docentsite "
                                 "worker -Q celery,tv -P threads -c 8 -B` (-B on one worker "
                                 "only) and `celery -A docentsite worker -Q prepare`.")
        parser.add_argument("--verbose", action="store_true",
                            help="Log every request and the worker's start-up banner.")

    def handle(self, *args, **options):
        # Two instances on one data dir would share its queue and database, and the
        # second's web site would fail only once its port turned out to be taken.
        lock = FileLock(settings.DOCENT_DATA_DIR / "serve.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise CommandError(
                f"Docent is already running with the data in {settings.DOCENT_DATA_DIR}: "
                "stop it first (or give this one its own DOCENT_DATA_DIR)."
            ) from None
        try:
            self.run(options)
        finally:
            lock.release()

    def run(self, options):
        python = sys.executable
        # --preload: Django loads once, in gunicorn's main process, before the workers
        # fork: they answer sooner, and a bad setting stops it at once with one line.
        web = [python, "-m", "gunicorn", "docentsite.wsgi", "--bind", options["bind"],
               "--workers", str(options["web_workers"]), "--timeout", "300", "--preload"]
        # Quiet unless asked: a line per request or per booted process buries what matters.
        web += ["--access-logfile", "-"] if options["verbose"] else ["--log-level", "warning"]
        if options["web_threads"] > 1:
            # Threads: a browser asks for six thumbnails at once, which two processes of
            # one request each would serve two at a time, and a grid waiting on a slow source
            # leaves requests free for the admin's other pages. Eight a process: each
            # connection goes to one process, which may get all six (with four threads
            # they were once served four at a time). Threads rather than processes: on
            # two cores two processes of eight served as many cached thumbnails a second
            # as three of four, about twice what four or six one-request processes did,
            # in the least memory (216 MB against 257-391 MB). benchmarks/thumbnails.py,
            # benchmarks/plex_thumbnails.py.
            web += ["--worker-class", "gthread", "--threads", str(options["web_threads"])]
        commands = {"web": web}
        if not options["no_worker"]:
            # Two workers, so that no kind of work waits behind another: one runs the
            # network-bound work (downloads, vision calls, sweeps) and each TV's upload
            # lane in threads, which mostly wait on sockets; the other prepares
            # pictures, CPU-bound, one process per core (at most 4: a small home
            # server should not decode many 100 MP photos at once). -B: the first runs
            # beat too, whose timer takes over work a dead worker left (its schedule
            # is in DOCENT_DATA_DIR).
            worker = [python, "-m", "celery", "-A", "docentsite"]
            if not options["verbose"]:
                worker.append("--quiet")
            level = ["--loglevel", settings.LOG_LEVEL.lower()]
            commands["worker"] = [*worker, "worker", "--queues", "celery,tv", "--pool",
                                  "threads", "--concurrency", "8", *level,
                                  "--hostname", "docent@%h", "-B"]
            commands["preparer"] = [*worker, "worker", "--queues", "prepare", "--concurrency",
                                    str(min(os.cpu_count() or 1, 4)), *level,
                                    "--hostname", "docent-prepare@%h"]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        # HUP: the terminal closed. Each child leads a process group of its own, so
        # that the terminal's signals reach serve alone and serve stops them in order.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        env = {**os.environ, **({"LOG_TASKS": "true"} if options["verbose"] else {})}
        children = {name: subprocess.Popen(cmd, env=env, process_group=0,
                                           preexec_fn=_nicer if name == "preparer" else None)
                    for name, cmd in commands.items()}
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Said once here, in place of Celery's banner-sized warning from each worker.
            self.stderr.write("Docent runs as root; a user of its own is safer "
                              "(contrib/docent.service shows how).")
        self.stdout.write(f"Docent is running on http://{options['bind']}/ "
                          f"({', '.join(children)}); Ctrl-C stops it.")
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit {child.returncode}); "
                                      "stopping Docent.")
                    exit_code, stopping = child.returncode or 1, True
            time.sleep(0.2)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children.values():
            try:
                child.wait(timeout=max(0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            # Whatever the child left in its group (a worker it did not reap) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
        if exit_code:
            raise SystemExit(exit_code)


def _nicer() -> None:
    """Preparing pictures takes every core it is given; at a lower priority it leaves
    the TV lanes and the web site the moments they need, and takes the rest."""
    os.nice(10)
