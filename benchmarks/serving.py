"""What the benchmarks that start `manage.py serve` share."""

import time

import requests


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
