"""Plex thumbnails through Docent beside the same request sent straight to Plex.

    python benchmarks/thumbnails.py [--photos 40] [--delay 0.25] [--root PATH]

Starts the fake Plex of the tests with `--photos` photos (640x480, with detail) and, in
one fresh data dir, `manage.py serve --no-worker` (gunicorn as `./docent` runs it). Each
request goes on a keep-alive connection, as a browser's do, right after the same
thumbnail's transcoder request sent straight to Plex (token in the header, as Docent
sends it); it prints the medians of both and of their differences ("vs Plex"):

- miss: a thumbnail's first request through Docent (Docent asks Plex, caches it);
- warm: the same thumbnail again, with the API token, with an admin session, and as a
  signed-in browser asks for it: the URL the browse page gave it (signed, so that
  neither the session nor the database is read; a checkout that does not sign gives
  the URL unsigned, and this is the admin session again);
- 304: again, with the ETag the browser holds;
- and, for scale, a static file of about a thumbnail's size as whitenoise serves it.

Then, for each way of running the web processes (workers x threads), six browser
connections load the grid at once: warm (thumbnails a second, beside Plex straight),
and cold from a Plex that takes `--delay` seconds a thumbnail, where "at once" is how
many of the six were asked of Plex together at most (6: none waited; 2: capped at two);
and the memory the web processes take (PSS, shared pages counted once).

`--root` runs another checkout's `manage.py` (e.g. the commit before a change, in a
`git worktree`), with this checkout's fake Plex: before and after in one script.
Compare the ratios to Plex, not the raw times, across machines: the machine is shared.
"""

import argparse
import contextlib
import io
import os
import queue
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import wait_until_served  # noqa: E402
from tests.fakes.plex import FakePlex  # noqa: E402
from tests.fakes.plex import _Handler as plex_handler  # noqa: E402

API_TOKEN = "benchmark-token"
OWNER, PASSWORD = "owner", "a long benchmark password"
SIZE = 240
PARALLEL = 6
#: A file whitenoise serves, of a thumbnail's size: what "served like a static file" takes.
STATIC_FILE = "/static/admin/css/base.css"
LABELS = ("a static file (whitenoise)", "miss, API token", "warm, API token",
          "warm, admin session", "warm, browse page's URL + session", "304, admin session")
#: (workers, threads a worker): 1 thread is gunicorn's sync worker.
CONFIGURATIONS = [(2, 1), (2, 4), (2, 8), (3, 4), (4, 1), (6, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.25,
                        help="seconds Plex takes a thumbnail in the cold parallel run")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout whose manage.py serves (default: this one)")
    parser.add_argument("--configurations", default=",".join(f"{w}x{t}" for w, t in CONFIGURATIONS),
                        help="workers x threads to compare, e.g. 2x8,4x1 (none: '')")
    args = parser.parse_args()
    configurations = [tuple(int(n) for n in c.split("x"))
                      for c in args.configurations.split(",") if c]
    in_flight = InFlight()
    with FakePlex() as plex, tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        section = plex.add_section("Camera")
        for number in range(args.photos):
            plex.add_photo(section, f"IMG_{number:04d}", camera_jpeg(number),
                           file=f"IMG_{number:04d}.jpg")
        photos = [(item.rating_key, item.thumb) for item in section.flat()]
        data = Path(data)
        env = site_env(plex, data)
        prepare(args.root, env)
        print(f"{len(photos)} photos, {SIZE} px thumbnails; Docent from {args.root}\n")
        with serve(args.root, env, 2, 8) as server:
            url = server.url
            sequential(plex, url, photos, browse(url))
        if not configurations:
            return
        print(f"\n{PARALLEL} connections at once: warm thumbnails a second (Plex straight: "
              f"{parallel_plex(plex, photos):.0f}/s); cold from a Plex taking "
              f"{args.delay:g} s each, the most asked of Plex together")
        print(f"{'workers x threads':20} {'warm /s':>9} {'cold: at once':>14} "
              f"{'memory MB':>10}")
        for workers, threads in configurations:
            shutil.rmtree(data / "cache", ignore_errors=True)
            with serve(args.root, env, workers, threads) as server:
                url = server.url
                browse(url)
                plex.slow_thumbnails = args.delay
                in_flight.reset()
                load_grid(url, photos)
                plex.slow_thumbnails = 0
                load_grid(url, photos)  # every worker has served some once
                started = time.perf_counter()
                rounds = 5
                for _ in range(rounds):
                    load_grid(url, photos)
                warm = rounds * len(photos) / (time.perf_counter() - started)
                memory = memory_mb(server.pid)
            print(f"{f'{workers} x {threads}':20} {warm:>9.0f} {in_flight.most:>14} "
                  f"{memory:>10.0f}")


def camera_jpeg(seed: int) -> bytes:
    """A 640x480 JPEG with detail (noise over a gradient): a thumbnail of tens of KB, and
    a transcode quick enough to stand for a Plex that has the thumbnail cached."""
    rng = random.Random(seed)
    small = Image.new("RGB", (160, 120))
    small.putdata([(rng.randrange(256), (x * 2) % 256, (y * 2) % 256)
                   for y in range(120) for x in range(160)])
    image = small.resize((640, 480), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


class InFlight:
    """The most transcoder requests the fake Plex was answering at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()
        transcode = plex_handler._transcode

        def counted(handler, fake, query):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return transcode(handler, fake, query)
            finally:
                with self.lock:
                    self.now -= 1

        plex_handler._transcode = counted

    def reset(self) -> None:
        self.most = 0


def site_env(plex: FakePlex, data: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "docentsite.settings", "DOCENT_ENV_FILE": os.devnull,
        "DOCENT_DATA_DIR": str(data), "DOCENT_API_TOKEN": API_TOKEN, "PLEX_URL": plex.url,
        "PLEX_TOKEN": plex.token, "TV_HOST": "", "AI_PROVIDER": "none", "LOG_LEVEL": "warning",
        "DJANGO_SUPERUSER_USERNAME": OWNER, "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }


def prepare(root: Path, env: dict) -> None:
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "prepare_site", "-v0"], env=env, check=True, cwd=root)


def memory_mb(pid: int) -> float:
    """The proportional set size of `pid` and every process under it: shared pages
    (Django, loaded once before gunicorn forks) counted once."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


@contextlib.contextmanager
def serve(root: Path, env: dict, workers: int, threads: int):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(root / "manage.py"), "serve", "--no-worker",
         "--bind", f"127.0.0.1:{port}", "--web-workers", str(workers),
         "--web-threads", str(threads)],
        env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Every process loads Django with --preload: one answer is all of them.
        wait_until_served(url, server, timeout=90)
        server.url = url
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def api_session() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {API_TOKEN}"
    return session


def admin_session(url: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/admin/login/", timeout=30)
    session.post(f"{url}/admin/login/", timeout=30, data={
        "username": OWNER, "password": PASSWORD, "next": "/admin/",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, headers={"Referer": f"{url}/admin/login/"}).raise_for_status()
    assert "sessionid" in session.cookies, "the admin login failed"
    return session


def browse(url: str) -> dict[str, str]:
    """The library's page, as the browse page loads it before its thumbnails: the
    thumbnail URL it gives each photo, by its id."""
    with api_session() as session:
        (library,) = session.get(f"{url}/api/plex/libraries", timeout=60).json()
        page = session.get(f"{url}/api/plex/libraries/{library['id']}",
                           params={"page_size": 200}, timeout=60)
        page.raise_for_status()
        return {item["plex_metadata_id"]: item["thumbnail_url"]
                for item in page.json()["items"] if item["type"] == "photo"}


def thumbnail_url(url: str, rating_key: str, thumb: str) -> str:
    return f"{url}/api/plex/thumbnails/{rating_key}?t={quote(thumb, safe='')}&size={SIZE}"


def timed(session: requests.Session, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, timeout=60, **kwargs)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response


def plex_request(plex: FakePlex, session: requests.Session, thumb: str) -> float:
    """The request Docent's client sends the transcoder, token in the header."""
    return timed(session, f"{plex.url}/photo/:/transcode", params={
        "url": thumb, "width": SIZE, "height": SIZE, "minSize": "1", "upscale": "0",
        "format": "jpg"}, headers={"X-Plex-Token": plex.token})[0]


def sequential(plex: FakePlex, url: str, photos: list[tuple[str, str]],
               listed: dict[str, str]) -> None:
    """Each request beside one straight to Plex just before it: "vs Plex" is the median
    of the pairs' differences, as the machine's load drifts over the run."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in LABELS}
    with requests.Session() as straight, api_session() as api, \
            admin_session(url) as admin:
        plex_request(plex, straight, photos[0][1])  # the connection is open
        sizes = []
        for rating_key, thumb in photos:
            reference = plex_request(plex, straight, thumb)
            elapsed, first = timed(api, thumbnail_url(url, rating_key, thumb))
            times["miss, API token"].append((reference, elapsed))
            sizes.append(len(first.content))
        for _ in range(3):
            for rating_key, thumb in photos:
                reference = plex_request(plex, straight, thumb)
                times["a static file (whitenoise)"].append(
                    (reference, timed(admin, f"{url}{STATIC_FILE}")[0]))
                times["warm, API token"].append(
                    (reference, timed(api, thumbnail_url(url, rating_key, thumb))[0]))
                elapsed, response = timed(admin, thumbnail_url(url, rating_key, thumb))
                times["warm, admin session"].append((reference, elapsed))
                times["warm, browse page's URL + session"].append((reference, timed(
                    admin, f"{url}{listed[rating_key]}&size={SIZE}")[0]))
                etag = response.headers["ETag"]
                times["304, admin session"].append((reference, timed(
                    admin, thumbnail_url(url, rating_key, thumb),
                    headers={"If-None-Match": etag})[0]))
    print(f"thumbnails of {statistics.median(sizes) / 1024:.0f} KB (median)")
    print(f"{'request (median)':34} {'ms':>7} {'Plex ms':>8} {'vs Plex':>8}")
    for label, pairs in times.items():
        reference = statistics.median(plex for plex, _ in pairs) * 1000
        ms = statistics.median(docent for _, docent in pairs) * 1000
        more = statistics.median(docent - plex for plex, docent in pairs) * 1000
        print(f"{label:34} {ms:>7.2f} {reference:>8.2f} {more:>+8.2f}")


def load_grid(url: str, photos: list[tuple[str, str]]) -> None:
    pending: queue.Queue[tuple[str, str]] = queue.Queue()
    for photo in photos:
        pending.put(photo)
    failures = []

    def connection() -> None:
        with api_session() as session:
            while True:
                try:
                    rating_key, thumb = pending.get_nowait()
                except queue.Empty:
                    return
                response = session.get(thumbnail_url(url, rating_key, thumb), timeout=120)
                if response.status_code != 200:
                    failures.append(response.status_code)

    loaders = [threading.Thread(target=connection) for _ in range(PARALLEL)]
    for loader in loaders:
        loader.start()
    for loader in loaders:
        loader.join()
    assert not failures, failures


def parallel_plex(plex: FakePlex, photos: list[tuple[str, str]]) -> float:
    pending: queue.Queue[str] = queue.Queue()
    rounds = 3
    for _ in range(rounds):
        for _, thumb in photos:
            pending.put(thumb)

    def connection() -> None:
        with requests.Session() as session:
            while True:
                try:
                    thumb = pending.get_nowait()
                except queue.Empty:
                    return
                plex_request(plex, session, thumb)

    started = time.perf_counter()
    loaders = [threading.Thread(target=connection) for _ in range(PARALLEL)]
    for loader in loaders:
        loader.start()
    for loader in loaders:
        loader.join()
    return rounds * len(photos) / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
