"""Browsing Plex through Docent, beside the same requests sent straight to Plex.

    python benchmarks/browse.py [--quick] [--repeat 40] [--dry-run-photos 100000]

Starts the fake Plex of the tests with photo libraries of 1k, 10k and 100k photos
(and one of nested albums, Trips/2019/Mexico holding 50 photos), then
`manage.py serve --no-worker` (gunicorn, as `./docent` runs it) in a fresh data
dir, and prints, with the API token:

- the median time of a top-folder browse page (50 items) through Docent beside the
  one Plex request it makes sent straight to the fake, their ratio and difference;
- the same for an album page three albums deep, and the Plex requests Docent sent
  for it: on the first visit and on later ones;
- the SQL queries of each page (counted in this process, against the same database,
  with the API token and with a superuser's session);
- /api/plex/libraries beside Plex's /library/sections;
- `import_plex --library … --all --dry-run` over the biggest library.

Requests alternate between Docent and Plex so that the machine's noise falls on
both; compare ratios and differences, not raw times, across machines. --quick
stops at 10k photos and repeats less.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import start_serve  # noqa: E402
from tests.fakes.plex import FakePlex, _small_jpeg  # noqa: E402

API_TOKEN = "benchmark-token-" + "x" * 24
PAGE = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1k and 10k photos, fewer repeats, the dry run at 10k")
    parser.add_argument("--repeat", type=int, help="requests timed per figure (default 40)")
    parser.add_argument("--dry-run-photos", type=int,
                        help="photos of the dry run's library (default 100000; --quick 10000)")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    repeat = args.repeat or (20 if args.quick else 40)
    dry_photos = args.dry_run_photos or sizes[-1]

    with FakePlex() as plex, tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        sections = {size: plex.add_synthetic_section(f"Photos {size}", size) for size in sizes}
        if dry_photos not in sections:
            sections[dry_photos] = plex.add_synthetic_section(f"Photos {dry_photos}", dry_photos)
        albums = plex.add_section("Albums")
        mexico = plex.add_album(plex.add_album(plex.add_album(albums, "Trips"), "2019"), "Mexico")
        for number in range(50):
            plex.add_photo(mexico, f"Mexico {number}", _small_jpeg(), file=f"M{number}.jpg")
        env = site_env(plex, Path(data))
        with site(env) as url:
            docent = requests.Session()
            docent.headers["Authorization"] = f"Bearer {API_TOKEN}"
            raw = requests.Session()
            raw.headers.update({"Accept": "application/json", "X-Plex-Token": plex.token})
            listed = get(docent, f"{url}/api/plex/libraries")
            libraries = {library["title"]: library["id"] for library in listed}
            queries = QueryCounter(env)

            print(f"Docent under gunicorn (2 processes), API token; median of {repeat}; "
                  f"pages of {PAGE}\n")
            print(f"{'page':30} {'Docent':>9} {'Plex':>9} {'ratio':>7} {'diff':>9} "
                  f"{'SQL token/session':>18}")
            paging = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": str(PAGE)}
            pages = [  # label, Docent's URL, Plex's URL, Plex's headers
                (f"top folder, {size:,} photos",
                 f"{url}/api/plex/libraries/{libraries[sections[size].title]}"
                 f"?page_size={PAGE}",
                 f"{plex.url}/library/sections/{sections[size].key}/all", paging)
                for size in sizes]
            album_page = (f"{url}/api/plex/libraries/{libraries['Albums']}"
                          f"?page_size={PAGE}&album={mexico.rating_key}")
            plex.clear_records()
            get(docent, album_page)
            first = len(plex.requests)
            pages.append(("album page (3 deep)", album_page,
                          f"{plex.url}/library/metadata/{mexico.rating_key}/children", paging))
            pages.append(("/api/plex/libraries", f"{url}/api/plex/libraries",
                          f"{plex.url}/library/sections", {}))
            times = compare(docent, raw, pages, repeat)
            for (label, page, *_plex), (ours, theirs) in zip(pages, times, strict=True):
                row(label, ours, theirs, queries.count(page))

            plex.clear_records()
            for _ in range(repeat):
                get(docent, album_page)
            again = len(plex.requests) / repeat
            print(f"\nPlex requests for the album page: first visit {first}, then "
                  f"{again:.2f} on average (2 processes: each process's first visit may "
                  "cost one more)")

        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "import_plex", "--library",
             sections[dry_photos].title, "--all", "--dry-run"],
            env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"\nimport_plex --all --dry-run, {dry_photos:,} photos: "
              f"{time.perf_counter() - started:.1f} s")


def compare(docent, raw, pages, repeat) -> list[tuple[list[float], list[float]]]:
    """Times of each page through Docent and of its Plex request straight to Plex,
    once both of Docent's processes have served it. Round after round over every
    page, Docent then Plex, so that a burst of load on the machine falls on all."""
    for _ in range(6):
        for _label, url, plex_url, headers in pages:
            get(docent, url)
            get(raw, plex_url, headers)
    times = [([], []) for _ in pages]
    for _ in range(repeat):
        for (_label, url, plex_url, headers), (ours, theirs) in zip(pages, times, strict=True):
            ours.append(timed(docent, url))
            theirs.append(timed(raw, plex_url, headers))
    return times


def row(label: str, ours: list[float], theirs: list[float], queries: str) -> None:
    mine, plex = statistics.median(ours), statistics.median(theirs)
    print(f"{label:30} {mine * 1000:>6.1f} ms {plex * 1000:>6.1f} ms {mine / plex:>6.2f}x "
          f"{(mine - plex) * 1000:>+6.1f} ms {queries:>18}")


def timed(session, url, headers=None) -> float:
    started = time.perf_counter()
    get(session, url, headers)
    return time.perf_counter() - started


def get(session, url, headers=None):
    response = session.get(url, headers=headers, timeout=60)
    response.raise_for_status()
    return response.json()


class QueryCounter:
    """Counts the SQL of a request served in this process by the same Django, against
    the same database, once with the API token and once as a superuser."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update(env)
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.test import Client

        self.token = Client(HTTP_AUTHORIZATION=f"Bearer {API_TOKEN}")
        self.session = Client()
        user = get_user_model().objects.filter(username="bench").first() or \
            get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
        self.session.force_login(user)

    def count(self, url: str) -> str:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        path = url.split("://", 1)[1].partition("/")[2]
        counts = []
        for client in (self.token, self.session):
            client.get(f"/{path}")  # the first visit of this process
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/{path}")
            assert response.status_code == 200, response.content
            counts.append(len(queries))
        return "/".join(map(str, counts))


def site_env(plex: FakePlex, data: Path) -> dict[str, str]:
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
        "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data),
        "DOCENT_API_TOKEN": API_TOKEN, "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token,
        "TV_HOST": "", "AI_PROVIDER": "none", "LOG_LEVEL": "warning",
    }


class site:
    """`manage.py serve --no-worker`, as `./docent` runs the web site."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __enter__(self) -> str:
        self.server, url = start_serve(self.env, "--no-worker")
        return url

    def __exit__(self, *exc_info) -> None:
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(60)


if __name__ == "__main__":
    main()
