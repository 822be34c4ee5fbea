"""How close an import from Plex comes to the speed of the TV's upload socket.

    .venv/bin/python benchmarks/throughput.py [--photos 60] [--rate 2000000] [--tvs 1|2]
        [--modes embedded,redis] [--quick] [--ai-seconds 0] [--cache DIR] [--root DIR ...]

Generates `--photos` camera-like originals once (6-12 MB JPEGs of 20-26 megapixels,
grain and detail at two scales, so JPEG sizes are a camera's; about 1.35 MB each
once prepared) and keeps them in ~/.cache/docent-bench/ (or --cache) for later runs.
Then, for each mode, it starts the tests' fakes in this process -- Plex serving
those photos as a photo library, a Frame TV whose upload socket reads `--rate`
bytes a second (tests/fakes/frametv_art.py, `slow_transfer`), the Anthropic API --
and Docent as `./docent` runs it (`manage.py prepare_site`, `pair_tv`, then
`serve`: gunicorn and a Celery worker) with a fresh data dir and SQLite, either
with the embedded queue (no CELERY_BROKER_URL) or with a Redis of its own. Like a
user, it lists the library through the API, asks for every photo with one
`POST /api/plex/import` (AI on) and polls the imports until each has ended.

The TV cannot take the pictures faster than bytes / rate: that is the limit, and
"of limit" is the limit over the makespan (request to the last import ended). Also
printed: the seconds from the request to the first byte reaching the TV and to
the first import done, and beside them two references taken just before the
request: the seconds Docent's own `imaging.prepare` takes one original in a fresh
process, and the load average (the machine may be busy with other work). The
figures that compare across machines are the percentages, not the seconds.

--tvs 2 runs each mode again with two fake TVs, both capped at `--rate`, importing
to both ("tvs": ["Frame", "Den"]), and prints the percentage of the two-TV limit
and the speed-up in bytes a second over one TV. The second TV is added with
`POST /api/tvs` and paired with `POST /api/tvs/{id}/pair`. --root measures another
checkout (with its own .venv) with this checkout's fakes; given more than once, it
measures each checkout in turn, mode by mode, so that a change is compared with
the code before it under the same load: `--root ../before --root .`.
"""

import argparse
import contextlib
import io
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from PIL import Image, ImageChops, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.ai import FakeAnthropic  # noqa: E402
from tests.fakes.frametv import FakeFrameTV  # noqa: E402
from tests.fakes.plex import FakePlex  # noqa: E402
from tests.servers import free_port, start_redis  # noqa: E402

#: Bumped when the pictures change, so an old cache is not taken for the new one.
CACHE_VERSION = "v2"
#: Camera sensors' sizes, one photo in four upright.
SENSORS = [(6000, 4000), (5472, 3648), (6240, 4160), (4000, 6000),
           (6016, 4016), (6000, 4000), (5472, 3648), (3648, 5472)]
LIBRARY = "Camera roll"
API_TOKEN = secrets.token_urlsafe(24)
ENDED = ("done", "failed")


# -- the originals ---------------------------------------------------------------------


def noise(size: tuple[int, int], sigma: float, scale: int) -> Image.Image:
    """Zero-mean (128) RGB noise with features `scale` pixels across."""
    small = (size[0] // scale, size[1] // scale)
    grain = Image.merge("RGB", [Image.effect_noise(small, sigma) for _ in range(3)])
    return grain.resize(size, Image.Resampling.BICUBIC) if scale > 1 else grain


def camera_photo(index: int) -> bytes:
    """A JPEG that compresses like a camera's: soft shapes, texture, sensor grain."""
    rnd = random.Random(index)
    width, height = SENSORS[index % len(SENSORS)]
    sketch = Image.new("RGB", (width // 8, height // 8))
    draw = ImageDraw.Draw(sketch)
    top, bottom = ([rnd.randrange(256) for _ in range(3)] for _ in range(2))
    for y in range(sketch.height):
        t = y / sketch.height
        draw.line([(0, y), (sketch.width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(300):
        x, y, r = rnd.randrange(sketch.width), rnd.randrange(sketch.height), rnd.randrange(3, 120)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=tuple(rnd.randrange(256) for _ in range(3)))
    image = sketch.filter(ImageFilter.GaussianBlur(2)).resize(
        (width, height), Image.Resampling.BICUBIC)
    # Texture that survives the TV's downscale, and grain that mostly does not: the
    # first sets the prepared size, both the original's. A tile of 512 pixels keeps
    # generating fast; nothing in Docent can tell.
    tile = ImageChops.add(noise((512, 512), rnd.uniform(11, 16), 3),
                          noise((512, 512), rnd.uniform(3, 12), 1), offset=-128)
    for top_edge in range(0, height, 512):
        for left in range(0, width, 512):
            box = (left, top_edge, min(left + 512, width), min(top_edge + 512, height))
            patch = image.crop(box)
            image.paste(ImageChops.add(patch, tile.crop((0, 0, *patch.size)), offset=-128), box)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def originals(count: int, cache: Path) -> list[Path]:
    """The first `count` originals, generated into `cache` when missing."""
    folder = cache / CACHE_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"IMG_{index + 1:04d}.jpg" for index in range(count)]
    missing = [(index, path) for index, path in enumerate(paths) if not path.exists()]
    if missing:
        print(f"Generating {len(missing)} originals into {folder} (once)", flush=True)
    for index, path in missing:
        partial = path.with_suffix(".part")
        partial.write_bytes(camera_photo(index))
        partial.rename(path)
    return paths


# -- Docent ----------------------------------------------------------------------------


@dataclass
class Fakes:
    plex: FakePlex
    ai: FakeAnthropic
    photo_count: int
    reference: Path  # an original, for the CPU reference


class Docent:
    """`./docent` in a fresh data dir: prepare_site, pair_tv, then serve until stopped."""

    def __init__(self, root: Path, data: Path, fakes: Fakes, tv: FakeFrameTV,
                 broker: str | None) -> None:
        self.root, self.data, self.reference = root, data, fakes.reference
        self.python = str(root / ".venv" / "bin" / "python")
        self.log = data / "docent.log"
        env = {k: v for k, v in os.environ.items()
               if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")}
        self.env = {
            **env, "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": str(data),
            "DOCENT_API_TOKEN": API_TOKEN, "LOG_LEVEL": "info",
            # The workers' "ready." lines, which say when a user could start.
            "LOG_TASKS": "true",
            "DJANGO_SUPERUSER_USERNAME": "owner",
            "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16),
            "TV_HOST": tv.host, "TV_PORT": str(tv.port), "TV_TOKEN_FILE": str(data / "tv-token"),
            "PLEX_URL": fakes.plex.url, "PLEX_TOKEN": fakes.plex.token,
            "AI_PROVIDER": "anthropic", "AUTO_ANALYZE": "true",
            "ANTHROPIC_API_KEY": fakes.ai.api_key, "ANTHROPIC_BASE_URL": fakes.ai.url,
        }
        if broker:
            self.env["CELERY_BROKER_URL"] = broker
        self.url = f"http://127.0.0.1:{free_port()}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {API_TOKEN}"

    def manage(self, *command: str) -> None:
        done = subprocess.run([self.python, "manage.py", *command], cwd=self.root, env=self.env,
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def __enter__(self) -> "Docent":
        self.manage("prepare_site")
        self.manage("pair_tv", "--wait", "10")  # the fake TV presses Allow itself
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [self.python, "manage.py", "serve", "--bind", self.url.removeprefix("http://")],
                cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit("Docent did not start:\n"
                                 + self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        """The site answers and every worker said it is ready: a user would wait for both."""
        log = self.log.read_bytes()
        started = re.search(rb"Docent is running on \S+ \(([^)]*)\)", log)
        if started is None or log.count(b" ready.") < len(started[1].split(b",")) - 1:
            return False
        with contextlib.suppress(requests.RequestException):
            return self.session.get(f"{self.url}/admin/login/", timeout=10).ok
        return False

    def __exit__(self, *exc_info: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, f"{self.url}/api{path}", timeout=60, **kwargs)
        except requests.ConnectionError:
            # The web process went away: serve notices within a second and stops the rest.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(45)
            if self.process.poll() is None:
                raise
            raise SystemExit(f"Docent stopped (exit {self.process.returncode}):\n"
                             + self.log.read_text(errors="replace")[-5000:]) from None

    def library_photo_ids(self) -> list[str]:
        libraries = self.api("GET", "/plex/libraries").json()
        library = next(lib for lib in libraries if lib["title"] == LIBRARY)
        ids, page = [], 1
        while True:
            answer = self.api("GET", f"/plex/libraries/{library['id']}",
                              params={"page": page, "page_size": 200}).json()
            ids += [item["plex_metadata_id"] for item in answer["items"]
                    if item["type"] == "photo"]
            if page * answer["page_size"] >= answer["total"]:
                return ids
            page += 1

    def imports(self) -> list[dict]:
        records, page = [], 1
        while True:
            answer = self.api("GET", "/plex/imports",
                              params={"page": page, "page_size": 100}).json()
            records += answer["items"]
            if len(records) >= answer["count"] or not answer["items"]:
                return records
            page += 1


# -- one run ---------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    tvs: list[FakeFrameTV]
    requested: float  # time.time()
    ended: int = 0
    failed: int = 0
    makespan: float | None = None  # None: timed out
    first_done: float | None = None
    errors: tuple[str, ...] = ()
    prepare_seconds: float = 0.0
    load: float = 0.0

    @property
    def bytes(self) -> int:
        return sum(tv.bytes_received for tv in self.tvs)

    def limit(self, rate: int) -> float:
        """Seconds the TVs need at least: each reads only its own pictures."""
        return max(tv.bytes_received for tv in self.tvs) / rate

    @property
    def first_byte(self) -> float | None:
        times = [tv.first_byte_at for tv in self.tvs if tv.first_byte_at]
        return min(times) - self.requested if times else None


def prepare_seconds(root: Path, original: Path) -> float:
    """How long the measured checkout's imaging.prepare takes `original`: the CPU reference."""
    code = ("import sys, time\nfrom docentsite.artwork.imaging import prepare\n"
            "start = time.perf_counter()\nprepare(sys.argv[1])\n"
            "print(time.perf_counter() - start)")
    done = subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", code, str(original)],
                          cwd=root, capture_output=True, text=True, check=True)
    return float(done.stdout)


def run_import(docent: Docent, label: str, tvs: list[FakeFrameTV], count: int, timeout: float,
               tv_names: list[str] | None = None) -> Run:
    ids = docent.library_photo_ids()
    assert len(ids) == count, f"the library lists {len(ids)} photos, not {count}"
    payload = {"plex_metadata_ids": ids, "analyze": True}
    if tv_names:
        payload["tvs"] = tv_names
    reference = prepare_seconds(docent.root, docent.reference)
    load = os.getloadavg()[0]
    run = Run(label, tvs, time.time(), prepare_seconds=reference, load=load)
    answer = docent.api("POST", "/plex/import", json=payload)
    if answer.status_code != 202 or len(answer.json()["queued"]) != count:
        raise SystemExit(f"POST /api/plex/import answered {answer.status_code}: {answer.text}")
    deadline, ended = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        records = docent.imports()
        ended = [r for r in records if r["status"] in ENDED]
        if len(ended) == count:
            break
        time.sleep(0.5)
    run.ended = len(ended)
    run.failed = sum(r["status"] == "failed" for r in ended)
    run.errors = tuple(sorted({r["error"] for r in ended if r["status"] == "failed"}))
    finished = [datetime.fromisoformat(r["finished_at"]).timestamp()
                for r in ended if r["finished_at"]]
    done = [datetime.fromisoformat(r["finished_at"]).timestamp()
            for r in ended if r["status"] == "done" and r["finished_at"]]
    if len(ended) == count and finished:
        run.makespan = max(finished) - run.requested
    if done:
        run.first_done = min(done) - run.requested
    return run


def one_mode(mode: str, fakes: Fakes, root: Path, rate: int, timeout: float) -> Run:
    broker = start_redis() if mode == "redis" else None
    with FakeFrameTV() as tv, tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        tv.slow_transfer = rate
        with Docent(root, Path(data), fakes, tv, broker) as docent:
            return run_import(docent, mode, [tv], fakes.photo_count, timeout)


def two_tvs(mode: str, fakes: Fakes, root: Path, rate: int, timeout: float) -> Run | None:
    """The run with two TVs, or None when Docent has no TV model yet."""
    broker = start_redis() if mode == "redis" else None
    with FakeFrameTV() as frame, FakeFrameTV() as den, \
            tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        frame.slow_transfer = den.slow_transfer = rate
        with Docent(root, Path(data), fakes, frame, broker) as docent:
            added = docent.api("POST", "/tvs", json={"name": "Den", "host": den.host,
                                                     "port": den.port})
            if added.status_code == 404:
                return None
            if added.status_code != 201:
                raise SystemExit(f"POST /api/tvs answered {added.status_code}: {added.text}")
            # The fake TV presses Allow itself.
            paired = docent.api("POST", f"/tvs/{added.json()['id']}/pair", params={"wait": 10})
            if paired.status_code != 200:
                raise SystemExit(f"POST /api/tvs/<id>/pair answered {paired.status_code}: "
                                 f"{paired.text}")
            return run_import(docent, f"{mode}, 2 TVs", [frame, den], fakes.photo_count,
                              timeout, tv_names=["Frame", "Den"])


# -- output ----------------------------------------------------------------------------

HEADER = (f"{'run':24} {'photos':>7} {'to the TV':>10} {'limit':>8} {'makespan':>9} "
          f"{'of limit':>9} {'1st byte':>9} {'1st done':>9} {'prepare':>8} {'load':>5}")


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def line(run: Run, rate: int, count: int, reference: Run | None = None) -> str:
    limit = run.limit(rate)
    share = "timed out" if run.makespan is None else f"{100 * limit / run.makespan:.0f} %"
    text = (f"{run.label:24} {f'{run.ended - run.failed}/{count}':>7} "
            f"{run.bytes / 1e6:>7.1f} MB {seconds(limit):>8} {seconds(run.makespan):>9} "
            f"{share:>9} {seconds(run.first_byte):>9} {seconds(run.first_done):>9} "
            f"{seconds(run.prepare_seconds):>8} {run.load:>5.1f}")
    if reference and reference.makespan and run.makespan:
        speedup = (run.bytes / run.makespan) / (reference.bytes / reference.makespan)
        text += f"   {speedup:.2f}x one TV's bytes a second"
    for error in run.errors:
        text += f"\n{'':24} failed: {error}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=60, help="photos to import (default 60)")
    parser.add_argument("--rate", type=int, default=2_000_000,
                        help="bytes a second each TV's upload socket reads (default 2000000)")
    parser.add_argument("--tvs", type=int, choices=(1, 2), default=1,
                        help="2: also import to two TVs at once")
    parser.add_argument("--modes", default="embedded,redis",
                        help="queues to measure, comma-separated (default embedded,redis)")
    parser.add_argument("--quick", action="store_true", help="8 photos: a smoke run")
    parser.add_argument("--ai-seconds", type=float, default=0.0,
                        help="seconds the fake vision API takes a picture (default 0)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "docent-bench",
                        help="where the originals are kept (default ~/.cache/docent-bench)")
    parser.add_argument("--root", type=Path, action="append",
                        help="a checkout to measure (default this one; needs its .venv); "
                             "repeat to compare checkouts in one run")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds to wait for the imports of one run (default 1800)")
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if unknown := set(modes) - {"embedded", "redis"}:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    count = 8 if args.quick else args.photos
    roots = [root.resolve() for root in args.root or [ROOT]]
    for root in roots:
        if not (root / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"{root} has no .venv: run ./docent test --co -q there first.")

    paths = originals(count, args.cache)
    sizes = [path.stat().st_size for path in paths]
    with FakePlex() as plex:
        library = plex.add_section(LIBRARY)
        for path in paths:
            plex.add_photo(library, path.stem, path.read_bytes(), file=path.name)
        ai = FakeAnthropic().start()
        ai.latency = args.ai_seconds
        fakes = Fakes(plex, ai, count, paths[0])
        print(f"{count} photos ({min(sizes) / 1e6:.1f}-{max(sizes) / 1e6:.1f} MB originals, "
              f"{sum(sizes) / 1e6:.0f} MB), each TV reading {args.rate / 1e6:g} MB/s, AI on "
              f"(fake Anthropic, {args.ai_seconds:g} s a picture)", flush=True)
        for root in roots:
            print(f"  {root.name}: {root}", flush=True)
        print(f"\n{HEADER}", flush=True)
        two_tv_model = {root: args.tvs == 2 for root in roots}
        try:
            for mode in modes:
                for root in roots:
                    label = f"{mode} {root.name}" if len(roots) > 1 else mode
                    one = one_mode(mode, fakes, root, args.rate, args.timeout)
                    one.label = label
                    print(line(one, args.rate, count), flush=True)
                    if not two_tv_model[root]:
                        continue
                    both = two_tvs(mode, fakes, root, args.rate, args.timeout)
                    if both is None:
                        print(f"{label + ', 2 TVs':24} skipped: two-TV mode needs the TV model "
                              "(POST /api/tvs answered 404)", flush=True)
                        two_tv_model[root] = False
                    else:
                        both.label = f"{label}, 2 TVs"
                        print(line(both, args.rate, count, reference=one), flush=True)
        finally:
            ai.stop()
    if plex.errors:
        print("The fake Plex itself failed:\n" + "\n".join(plex.errors))


if __name__ == "__main__":
    main()
