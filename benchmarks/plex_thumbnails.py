"""Does a grid of thumbnails from a slow Plex starve the admin's other pages?

    python benchmarks/plex_thumbnails.py [--delay 1.0] [--photos 60] [--connections 6]

Starts the fake Plex of the tests with a transcoder that takes `--delay` seconds a
thumbnail, then, for each way of running the web site, `manage.py serve --no-worker`
in a fresh data dir (so every thumbnail is a first request). It times the login
page alone, then again while `--connections` clients (a browser opens six per
host) load the grid's thumbnails, and prints both with their ratio. The two
configurations run in the same process one after the other: compare the ratios,
not the raw times, across machines.
"""

import argparse
import os
import queue
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import start_serve  # noqa: E402
from tests.fakes.plex import FakePlex  # noqa: E402

CONFIGURATIONS = [
    ("one request at a time a process (--web-threads 1, before)", 1),
    ("threaded (--web-threads 8, the default)", 8),
]
API_TOKEN = "benchmark-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0,
                        help="seconds the fake Plex takes a thumbnail (default 1)")
    parser.add_argument("--photos", type=int, default=60, help="thumbnails in the grid")
    parser.add_argument("--connections", type=int, default=6,
                        help="thumbnails loaded at once, as a browser does (default 6)")
    args = parser.parse_args()
    with FakePlex() as plex:
        grid = plex.add_synthetic_section("Grid", args.photos)
        keys = [str(grid.base + index) for index in range(args.photos)]
        print(f"{args.photos} thumbnails, {args.connections} at a time, Plex taking "
              f"{args.delay:g} s each; 2 web processes\n")
        print(f"{'web site':58} {'login alone':>12} {'during grid':>12} {'worst':>8} "
              f"{'ratio':>7} {'grid':>7}")
        for label, threads in CONFIGURATIONS:
            plex.slow_thumbnails = 0
            with tempfile.TemporaryDirectory(prefix="docent-bench-") as data, \
                    site(plex, Path(data), threads) as url:
                plex.slow_thumbnails = args.delay
                alone = [login_time(url) for _ in range(10)]
                during, grid_time = load_grid(url, keys, args.connections)
                ratio = statistics.median(during) / statistics.median(alone)
                print(f"{label:58} {ms(statistics.median(alone)):>12} "
                      f"{ms(statistics.median(during)):>12} {ms(max(during)):>8} "
                      f"{ratio:>6.1f}x {grid_time:>6.1f}s")


class site:
    """`manage.py serve --no-worker` with `threads` threads a web process."""

    def __init__(self, plex: FakePlex, data: Path, threads: int) -> None:
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
            "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data),
            "DOCENT_API_TOKEN": API_TOKEN, "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token,
            "TV_HOST": "", "AI_PROVIDER": "none", "LOG_LEVEL": "warning",
        }
        self.threads = threads

    def __enter__(self) -> str:
        self.server, url = start_serve(self.env, "--no-worker",
                                       "--web-threads", str(self.threads))
        return url

    def __exit__(self, *exc_info) -> None:
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(60)


def login_time(url: str) -> float:
    started = time.perf_counter()
    requests.get(f"{url}/admin/login/", timeout=120).raise_for_status()
    return time.perf_counter() - started


def load_grid(url: str, keys: list[str], connections: int) -> tuple[list[float], float]:
    """Login page times taken while the grid loads, and how long the grid took."""
    pending: queue.Queue[str] = queue.Queue()
    for key in keys:
        pending.put(key)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}

    def browser_connection() -> None:
        with requests.Session() as session:
            while True:
                try:
                    key = pending.get_nowait()
                except queue.Empty:
                    return
                session.get(f"{url}/api/plex/thumbnails/{key}", headers=headers, timeout=120)

    started = time.perf_counter()
    loaders = [threading.Thread(target=browser_connection) for _ in range(connections)]
    for loader in loaders:
        loader.start()
    times = []
    while any(loader.is_alive() for loader in loaders):
        times.append(login_time(url))
        time.sleep(0.2)
    for loader in loaders:
        loader.join()
    return times or [login_time(url)], time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    main()
