"""How long does the status page make a person wait, and /api/plex/status a script?

    python benchmarks/status_page.py [--requests 30]

Starts the tests' fake Plex and fake Frame TV (paired), then `manage.py serve` as
`./docent` runs it (web site and worker) in a fresh data dir, logs in as an admin, and
times, one request after another: the status page, /api/plex/status (with the API
token), and beside them, measured in the same run, the raw Plex request the Plex check
starts with (GET /identity) and the checks themselves as a request used to run them
(`health.check_all()` in a process of its own, worker ping included). It waits for
the worker's first run of the checks before timing, so that the page has its results.
Compare the ratios, not the raw times, across machines.
"""

import argparse
import os
import re
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
from docentsite.artwork.frametv import FrameTV  # noqa: E402
from tests.fakes.frametv import FakeFrameTV  # noqa: E402
from tests.fakes.plex import FakePlex  # noqa: E402

API_TOKEN = "benchmark-token"
ADMIN, PASSWORD = "bench", "bench-password-1"
#: check_all(), timed where it ran; printed as one line, read back.
CHECK_ALL = """
import time
from docentsite import health
health.check_all()
times = []
for _ in range({runs}):
    started = time.perf_counter()
    health.check_all()
    times.append(time.perf_counter() - started)
print("check_all", *times)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests of each kind")
    args = parser.parse_args()
    with FakePlex() as plex, FakeFrameTV() as tv, \
            tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        data = Path(data)
        token_file = data / "tv-token"
        FrameTV(host=tv.host, port=tv.port, token_file=token_file).pair()
        env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "docentsite.settings",
            "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data),
            "DOCENT_API_TOKEN": API_TOKEN, "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token,
            "TV_HOST": tv.host, "TV_PORT": str(tv.port), "TV_TOKEN_FILE": str(token_file),
            "AI_PROVIDER": "none", "LOG_LEVEL": "warning",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
        with site(env) as url:
            browser = logged_in(url)
            wait_for_results(browser, url)
            page = timed(lambda: browser.get(f"{url}/admin/docent/", timeout=60), args.requests)
            api = timed(lambda: requests.get(
                f"{url}/api/plex/status", headers={"Authorization": f"Bearer {API_TOKEN}"},
                timeout=60), args.requests)
            identity = timed(lambda: requests.get(
                f"{plex.url}/identity", headers={"X-Plex-Token": plex.token,
                                                 "Accept": "application/json"}, timeout=60),
                args.requests)
            checks = check_all_times(env, runs=max(3, args.requests // 6))
        print(f"{args.requests} requests each, one at a time; web site and worker as "
              "`./docent` runs them\n")
        print(f"{'what':58} {'median':>9} {'worst':>9}")
        for label, times in [
            ("status page /admin/docent/", page),
            ("/api/plex/status (API token)", api),
            ("reference: Plex's GET /identity, straight", identity),
            ("reference: health.check_all(), the checks run live", checks),
        ]:
            print(f"{label:58} {ms(statistics.median(times)):>9} {ms(max(times)):>9}")
        print(f"\nstatus page / live checks: "
              f"{statistics.median(page) / statistics.median(checks):.2f}x; "
              f"/api/plex/status / Plex's /identity: "
              f"{statistics.median(api) / statistics.median(identity):.1f}x")


class site:
    """`manage.py serve` (web site, worker and beat) on a free port."""

    def __init__(self, env: dict) -> None:
        self.env = env

    def __enter__(self) -> str:
        self.server, url = start_serve(self.env, setup=(
            ["createsuperuser", "--noinput", "--username", ADMIN,
             "--email", "bench@example.com"],))
        return url

    def __exit__(self, *exc_info) -> None:
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()


def logged_in(url: str) -> requests.Session:
    browser = requests.Session()
    login = f"{url}/admin/login/?next=/admin/docent/"
    form = browser.get(login, timeout=30).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    browser.post(login, data={"csrfmiddlewaretoken": csrf, "username": ADMIN,
                              "password": PASSWORD, "next": "/admin/docent/"},
                 headers={"Referer": login}, timeout=60).raise_for_status()
    return browser


def wait_for_results(browser: requests.Session, url: str) -> None:
    """Until the page shows every check's result (at once where checks ran live)."""
    deadline = time.monotonic() + 90
    while "docent-card checking" in (page := browser.get(f"{url}/admin/docent/", timeout=60).text):
        if time.monotonic() > deadline:
            raise SystemExit("the worker never ran the checks")
        time.sleep(0.5)
    if "a worker is running" not in page:
        raise SystemExit("the status page does not see the worker")
    for _ in range(3):  # warm: both web processes, both routes
        browser.get(f"{url}/admin/docent/", timeout=60)
        requests.get(f"{url}/api/plex/status", timeout=60,
                     headers={"Authorization": f"Bearer {API_TOKEN}"})


def timed(request, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        request().raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def check_all_times(env: dict, *, runs: int) -> list[float]:
    output = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", CHECK_ALL.format(runs=runs)],
        env=env, check=True, capture_output=True, text=True).stdout
    (line,) = [line for line in output.splitlines() if line.startswith("check_all ")]
    return [float(value) for value in line.split()[1:]]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    main()
