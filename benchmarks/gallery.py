"""How long the gallery takes to answer as the library grows.

    python benchmarks/gallery.py [--sizes 100,1000,10000] [--runs 20] [--root DIR ...]

For each size, a fresh data dir (SQLite) is filled with that many artworks (one
shared small thumbnail; nine in ten on a TV, a third of them on a second TV too,
a few waiting or failed, half described), then `manage.py serve --no-worker`
(gunicorn, as `./docent` runs it) is started on it and, logged in as a user would
be, the gallery's first page and its last (page 100 at 10,000) are timed,
interleaved with a reference measured in the same run: the admin's index page,
which lists the apps and nothing of the library. Printed: median ms of each,
the gallery's ms over the reference's, and the SQL queries each page makes
(counted in-process with Django's test client). Compare the ratios, not raw
ms, across machines. --root measures another checkout (this one's venv) the
same way; given more than once, each in turn, size by size: `git worktree add
/tmp/before <commit>`, then `--root /tmp/before --root .` shows a change beside
the code before it under the same load.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import wait_until_served  # noqa: E402

USER, PASSWORD = "bench", "bench-password"
GALLERY = "/admin/artwork/artwork/"
REFERENCE = "/admin/"
PER_PAGE = 100  # the admin's list_per_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="artworks in the library, comma-separated")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--root", action="append", type=Path,
                        help="the checkout to measure (default: this one); repeatable")
    args = parser.parse_args()
    roots = [root.resolve() for root in args.root or [ROOT]]
    print(f"median of {args.runs} requests through gunicorn (2 processes), each page "
          f"interleaved with the reference ({REFERENCE}, the admin's index)\n")
    print(f"{'checkout':28} {'artworks':>8} {'reference':>10} {'gallery p.1':>12} "
          f"{'ratio':>6} {'last page':>16} {'ratio':>6} {'queries ref/p.1/last':>21}")
    for size in (int(size) for size in args.sizes.split(",")):
        for root in roots:
            with tempfile.TemporaryDirectory(prefix="docent-gallery-") as data:
                env = environment(Path(data))
                manage = [sys.executable, str(root / "manage.py")]
                subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=root, check=True)
                subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env,
                               cwd=root, check=True)
                last = f"{GALLERY}?p={max(1, -(-size // PER_PAGE))}"
                filled = subprocess.run(
                    [sys.executable, __file__, "--fill", str(size), "--pages",
                     f"{REFERENCE},{GALLERY},{last}"],
                    env={**env, "PYTHONPATH": str(root)}, cwd=root, check=True,
                    capture_output=True, text=True)
                queries = json.loads(filled.stdout.splitlines()[-1])
                with site(root, env) as url:
                    times = timed(url, [REFERENCE, GALLERY, last], args.runs,
                                  cards=min(size, PER_PAGE))
            ref, first, deep = (statistics.median(times[page]) for page in
                                (REFERENCE, GALLERY, last))
            deep_label = f"{ms(deep)} (p.{last.rsplit('=', 1)[1]})"
            counts = "/".join(str(queries[page]) for page in (REFERENCE, GALLERY, last))
            print(f"{label(root):28} {size:>8} {ms(ref):>10} {ms(first):>12} "
                  f"{first / ref:>5.1f}x {deep_label:>16} "
                  f"{deep / ref:>5.1f}x {counts:>21}", flush=True)


def environment(data: Path) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return {
        **inherited, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
        "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data), "TV_HOST": "",
        "AI_PROVIDER": "none", "LOG_LEVEL": "warning", "PLEX_URL": "", "PLEX_TOKEN": "",
    }


def label(root: Path) -> str:
    commit = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                           capture_output=True, text=True).stdout.strip()
    return f"{root.name[:16]} {commit}{'+' if dirty else ''}"


class site:
    """`manage.py serve --no-worker` of `root`, on a free port."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def __enter__(self) -> str:

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.server = subprocess.Popen(
            [sys.executable, str(self.root / "manage.py"), "serve", "--no-worker", "--bind",
             f"127.0.0.1:{port}"], cwd=self.root, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        wait_until_served(url, self.server)
        return url

    def __exit__(self, *exc_info) -> None:
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(60)


def timed(url: str, pages: list[str], runs: int, *, cards: int) -> dict[str, list[float]]:
    """Seconds each page took, `runs` times each, the pages taking turns."""
    import requests

    with requests.Session() as session:
        login = f"{url}/admin/login/"
        session.get(login, timeout=30).raise_for_status()
        answer = session.post(login, timeout=30, data={
            "username": USER, "password": PASSWORD, "next": "/admin/",
            "csrfmiddlewaretoken": session.cookies["csrftoken"]})
        answer.raise_for_status()
        gallery = session.get(f"{url}{GALLERY}", timeout=60)
        if gallery.text.count('role="listitem"') != cards:
            raise SystemExit(f"the gallery did not show {cards} cards (logged in?)")
        times: dict[str, list[float]] = {page: [] for page in pages}
        for run in range(runs + 3):  # the first three warm both web processes
            for page in pages:
                started = time.perf_counter()
                session.get(f"{url}{page}", timeout=60).raise_for_status()
                if run >= 3:
                    times[page].append(time.perf_counter() - started)
        return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- run in a subprocess, with the measured checkout's code ---------------------------------

def fill(size: int, pages: list[str]) -> None:
    """`size` artworks and their placements, then the queries each page makes (JSON)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from PIL import Image

    from docentsite.artwork.models import TV, Artwork, Placement

    for folder in ("thumbnails", "prepared"):
        (settings.MEDIA_ROOT / folder).mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (480, 270), (40, 90, 140)).save(
            settings.MEDIA_ROOT / folder / "bench.jpg", "JPEG")
    frame = TV.objects.create(name="Frame", host="192.0.2.1")
    den = TV.objects.create(name="Den", host="192.0.2.2")
    artworks = Artwork.objects.bulk_create(
        Artwork(title=f"Picture {i}", original_filename=f"picture-{i}.jpg", status="prepared",
                source="plex" if i % 2 else "upload", source_ref=str(100000 + i),
                thumbnail="thumbnails/bench.jpg", image="prepared/bench.jpg", width=3840,
                height=2160, bytes=1_350_000, sha256=f"{i:064x}",
                analysis_status="done" if i % 2 else "none",
                ai_title=f"Study {i}" if i % 2 else "", ai_artist="Hokusai" if i % 2 else "",
                ai_description="A towering wave curls over three boats." if i % 2 else "")
        for i in range(size))
    placements = []
    for i, artwork in enumerate(artworks):
        if i % 10 == 0:
            continue  # in the library, on no TV
        status = {1: "queued", 2: "failed"}.get(i % 50, "on_tv")
        placements.append(Placement(
            artwork=artwork, tv=frame, status=status, matte_id="none",
            content_id=f"MY_F{i:05d}" if status == "on_tv" else None,
            last_error="The TV refused the picture." if status == "failed" else "",
            waiting_reason="The TV is asleep." if status == "queued" else ""))
        if i % 3 == 0:
            placements.append(Placement(artwork=artwork, tv=den, status="on_tv",
                                        content_id=f"MY_F{i:05d}", matte_id="none"))
    Placement.objects.bulk_create(placements)
    with connection.cursor() as cursor:  # a library built over time, not in one second
        cursor.execute("UPDATE artwork_artwork SET created_at = "
                       "datetime('2026-01-01', '+' || id || ' minutes')")
    user = get_user_model().objects.create_superuser(USER, password=PASSWORD)
    client = Client()
    client.force_login(user)
    counts = {}
    for page in pages:
        client.get(page)  # what a first request caches (content types, ...) is not counted
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counts[page] = len(queries)
    print(json.dumps(counts))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fill"]:
        fill(int(sys.argv[2]), sys.argv[4].split(","))
    else:
        main()
