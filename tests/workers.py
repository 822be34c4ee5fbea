"""Real Celery workers for the tests: separate processes, a real broker.

The worker is started with the test settings, so it shares the test's data
dir (prepared pictures, TV lock, embedded queue) and, through DATABASE_URL,
the test database file.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools

from docentsite.celery import app

needs_redis = pytest.mark.skipif(
    not (os.environ.get("DOCENT_TEST_REDIS_URL") or shutil.which("redis-server")),
    reason="redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)",
)


def database_url() -> str:
    """DATABASE_URL for a worker process: the test database this process uses."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def meta_entries(settings) -> dict:
    """The entries of artwork_meta.json, or none before it is first written."""
    path = settings.ARTWORK_META_PATH
    return json.loads(path.read_text())["artwork"] if path.exists() else {}


def described_in_file(settings) -> int:
    """How many entries of artwork_meta.json carry the vision model's description."""
    return sum(1 for entry in meta_entries(settings).values()
               if entry.get("ai_meta", {}).get("description"))


@contextmanager
def broker(url: str, transport_options: dict | None = None):
    """Point this process's Celery app at another broker for the block."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options or {}
    _reset_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        _reset_connections()


def _reset_connections():
    # kombu keeps connection pools in a global registry keyed by connection;
    # dropping it makes the next send open a connection to the new URL.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def empty_embedded_queue():
    for key in ("data_folder_in", "processed_folder"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key])
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)


@contextmanager
def celery_worker(env: dict[str, str], *, concurrency: int = 1, log_dir: Path,
                  beat: bool = False, queues: str | None = None):
    """A `celery worker` process; yields it once it says it is ready.

    `beat` runs Celery beat in it (-B), `queues` names the only queues it reads
    (default: all of Docent's: the default one, "prepare" and "tv").
    It leads its own process group, so kill_worker() can kill it like an OOM kill.
    """
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = log_dir / f"worker-{name.split('@')[0]}.log"
    options = []
    if beat:
        options += ["-B", "--schedule", str(log_dir / f"beat-{name.split('@')[0]}")]
    options += ["--queues", queues or "celery,prepare,tv"]
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        # The tests read the worker's "ready." line and its task lines.
        "LOG_TASKS": "true",
        **env,
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "docentsite", "worker", "--loglevel", "info",
             "--concurrency", str(concurrency), "--hostname", name, "--without-gossip",
             "--without-mingle", *options],
            env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        process.log = log
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill_worker(process) -> None:
    """kill -9 the worker and its pool processes at once: no goodbye, no requeue."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "it"):
    """Poll until predicate() is truthy; fail with `what` if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
