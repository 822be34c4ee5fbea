"""`manage.py serve` runs the site in gunicorn so that thumbnails waiting on a slow
Plex leave requests free for the admin's other pages (figures: benchmarks/plex_thumbnails.py)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site(tmp_path, fake_plex):
    """Docent under `manage.py serve --no-worker`, in a data dir of its own."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
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
