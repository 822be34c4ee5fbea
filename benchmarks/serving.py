"""What the benchmarks that start `manage.py serve` share."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def start_serve(env: dict, *options: str, setup: tuple = ()) -> tuple[subprocess.Popen, str]:
    """Migrate, collect the static files, run each `setup` manage.py command, then start
    `manage.py serve OPTIONS` on a free port: (the server, its URL), once it answers
    (six answers, so that both web processes have loaded Django)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], *setup):
        subprocess.run([*manage, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [*manage, "serve", "--bind", f"127.0.0.1:{port}", *options], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_served(url, server, timeout=90, answers=6)
    return server, url


def wait_until_served(url: str, server, *, timeout: float = 60, answers: int = 1) -> None:
    """Return once the site at `url` answered its login page `answers` times in a row
    (more than one warms each web process, whose first request loads Django); raise if
    `server` (a Popen) stops or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            for _ in range(answers):
                requests.get(f"{url}/admin/login/", timeout=10).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.2)
