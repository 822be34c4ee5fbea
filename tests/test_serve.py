"""`manage.py serve`, the embedded default that `./docent` starts: gunicorn (threaded, so
thumbnails waiting on a slow Plex leave requests free for the admin's other pages; figures:
benchmarks/plex_thumbnails.py), the worker and beat."""

import contextlib
import getpass
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from docentsite.artwork import tvs
from docentsite.artwork.models import Placement, PlacementStatus
from tests.servers import free_port
from tests.workers import database_url, empty_embedded_queue, wait_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(tmp_path, fake_plex):
    """Docent under `manage.py serve --no-worker`, in a data dir of its own."""
    env = {
        **own_site(), "DJANGO_SETTINGS_MODULE": "docentsite.settings",
        "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(tmp_path),
        "DOCENT_API_TOKEN": "api-token", "PLEX_URL": fake_plex.url,
        "PLEX_TOKEN": fake_plex.token, "TV_HOST": "", "AI_PROVIDER": "none",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True,
                   timeout=120)
    url = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen([*manage, "serve", "--no-worker", "--bind", url[7:]], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:  # both web processes answer once they have loaded Django
                for _ in range(4):
                    requests.get(f"{url}/admin/login/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def test_slow_plex_thumbnails_leave_the_login_page_free(site, fake_plex):
    fake_plex.slow_thumbnails = 5
    photos = [photo.rating_key for photo in fake_plex.sections[0].flat()
              if photo.kind == "photo" and not photo.broken][:6]
    answered = []

    def thumbnail(rating_key):
        response = requests.get(f"{site}/api/plex/thumbnails/{rating_key}", timeout=30,
                                headers={"Authorization": "Bearer api-token"})
        answered.append(("thumbnail", response.status_code))

    loads = [threading.Thread(target=thumbnail, args=(key,)) for key in photos]
    for load in loads:
        load.start()
    while len(fake_plex.requests_to("/photo/:/transcode")) < 2:  # both web processes busy
        time.sleep(0.05)
    login = requests.get(f"{site}/admin/login/", timeout=30)
    answered.append(("login", login.status_code))
    for load in loads:
        load.join(60)

    assert answered[0] == ("login", 200)  # before any thumbnail Plex was still making
    assert answered[1:] == [("thumbnail", 200)] * len(photos)


def test_a_browsers_six_thumbnail_requests_are_served_at_once(site, fake_plex, tmp_path):
    fake_plex.slow_thumbnails = 5
    photos = [photo for photo in fake_plex.sections[0].flat()
              if photo.kind == "photo" and not photo.broken][:6]
    answered = []

    def thumbnail(photo):  # on connections of their own, as a browser's six are
        response = requests.get(
            f"{site}/api/plex/thumbnails/{photo.rating_key}?t={quote(photo.thumb, safe='')}",
            timeout=30, headers={"Authorization": "Bearer api-token"})
        answered.append(response.status_code)

    loads = [threading.Thread(target=thumbnail, args=(photo,)) for photo in photos]
    for load in loads:
        load.start()
    wait_for(lambda: len(fake_plex.requests_to("/photo/:/transcode")) == 6 or answered,
             timeout=30, what="the thumbnails' requests to Plex")
    asked_together = len(fake_plex.requests_to("/photo/:/transcode"))
    for load in loads:
        load.join(60)

    assert (asked_together, answered) == (6, [200] * 6)  # none waited for another
    # Each cached once its answer had gone out.
    wait_for(lambda: len(list((tmp_path / "cache" / "plex-thumbnails").glob("*.jpg"))) == 6,
             timeout=10, what="the six thumbnails in the cache")


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
@pytest.mark.slow
def test_serve_runs_beat_whose_sweep_takes_over_work_left_behind(
    fake_tv, worker_env, make_artwork, jpeg, tmp_path
):
    assert django_settings.CELERY_BROKER_URL.startswith("filesystem://")
    empty_embedded_queue()
    artwork = make_artwork(jpeg)
    tv = tvs.tv_default()  # the .env TV's row, before serve's processes look for it
    log = tmp_path / "serve.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": database_url(), **worker_env,
           "STALL_SWEEP_INTERVAL": "1", "LOG_TASKS": "true"}  # the sweep's lines in the log
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--bind", "127.0.0.1:0"],
            cwd=Path(django_settings.BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # The sweep a starting worker runs is over before the work is left behind.
        wait_for(lambda: b"Task artwork.resume_stalled" in log.read_bytes()
                 and b"succeeded" in log.read_bytes(), what="the worker's first sweep")
        # An upload whose worker died an hour ago, its heartbeat silent since.
        an_hour_ago = timezone.now() - timedelta(hours=1)
        placement = Placement.objects.create(
            artwork=artwork, tv=tv, status=PlacementStatus.UPLOADING, upload_attempts=1,
            upload_started_at=an_hour_ago, heartbeat_at=an_hour_ago)
        wait_for(lambda: Placement.objects.get(pk=placement.pk).status == PlacementStatus.ON_TV,
                 timeout=60, what="beat's sweep to finish the upload")
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()

    assert list(fake_tv.photos) == [Placement.objects.get(pk=placement.pk).content_id]


def own_site() -> dict:
    """This environment without the test database: a site of its own keeps SQLite
    in its data dir, whichever database the suite runs on."""
    return {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}


def serve_env(data_dir) -> dict:
    return {**own_site(), "DJANGO_SETTINGS_MODULE": "docentsite.settings",
            "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data_dir), "TV_HOST": "",
            "AI_PROVIDER": "none", "DJANGO_SUPERUSER_USERNAME": "owner",
            "DJANGO_SUPERUSER_PASSWORD": "a long test password"}


def descendants(pid: int) -> set[int]:
    """The processes under `pid`, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_serve(data_dir, *args):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--bind", f"127.0.0.1:{port}", *args],
        env=serve_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)

    def answers():
        try:
            requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=10)
            return True  # any answer: a data dir not migrated yet answers 500
        except requests.RequestException:
            return serve.poll() is not None  # stopped: the caller's assertions say why
    try:
        wait_for(answers, timeout=90, what="serve's web site")
    except BaseException:
        kill_all(serve)
        raise
    return serve


def kill_all(process, children=()):
    """A test's own clean-up, whatever serve did: the process and all under it."""
    for pid in {process.pid, *children, *descendants(process.pid)}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)


@pytest.mark.timeout(240)
def test_serve_leaves_no_child_behind_after_sighup(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "prepare_site"],
                   env=serve_env(tmp_path), check=True, timeout=120, capture_output=True)
    serve = start_serve(tmp_path)
    children = set()
    try:
        # gunicorn, its two web processes, the worker, its two pool processes and beat.
        children = wait_for(lambda: len(descendants(serve.pid)) >= 7 and descendants(serve.pid),
                            timeout=60, what="the web processes and the worker")
        serve.send_signal(signal.SIGHUP)  # the terminal was closed
        serve.wait(60)
        wait_for(lambda: not any(alive(pid) for pid in children), timeout=10,
                 what=f"serve's children to stop ({sorted(filter(alive, children))} left)")
    finally:
        kill_all(serve, children)


@pytest.mark.timeout(240)
def test_a_second_instance_on_the_same_data_dir_is_refused(tmp_path):
    first = start_serve(tmp_path, "--no-worker")
    second = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--no-worker",
         "--bind", f"127.0.0.1:{free_port()}"],
        env=serve_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        _, stderr = second.communicate(timeout=60)

        assert second.returncode != 0
        assert stderr.strip().splitlines()[-1] == (
            f"CommandError: Docent is already running with the data in {tmp_path}: "
            "stop it first (or give this one its own DOCENT_DATA_DIR).")
        assert first.poll() is None
    finally:
        kill_all(second)
        kill_all(first)


def test_the_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    # The unit as an owner would install it: Docent's folder and user put in.
    unit = tmp_path / "docent.service"
    unit.write_text((ROOT / "contrib" / "docent.service").read_text()
                    .replace("/opt/docent", str(ROOT))
                    .replace("User=docent", f"User={getpass.getuser()}"))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                            timeout=60)

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_prepare_site_sets_up_once_then_leaves_static_files_be(tmp_path):
    prepare = [sys.executable, str(ROOT / "manage.py"), "prepare_site", "--verbosity", "0"]
    first = subprocess.run(prepare, env=serve_env(tmp_path), capture_output=True, text=True,
                           timeout=120)
    manifest = tmp_path / "static" / "staticfiles.json"
    collected = manifest.stat().st_mtime_ns
    second = subprocess.run(prepare, env=serve_env(tmp_path), capture_output=True, text=True,
                            timeout=120)

    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert manifest.stat().st_mtime_ns == collected  # nothing changed: not collected again
    with sqlite3.connect(tmp_path / "docent.sqlite3") as database:
        assert database.execute("SELECT username FROM auth_user WHERE is_superuser").fetchall() \
            == [("owner",)]
