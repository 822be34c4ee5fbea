"""How often artwork_meta.json is rewritten while a batch is imported.

    .venv/bin/python benchmarks/metafile.py [--photos 200] [--existing 1000] [--root DIR ...]

Starts the tests' fake Plex (a library of `--photos` small photos), a fake Frame TV
and the fake Anthropic API, and Docent as `./docent` runs it (the same starter as
benchmarks/throughput.py: prepare_site, pair_tv, serve with its workers, SQLite,
the embedded queue) in a fresh data dir whose artwork_meta.json already holds
`--existing` entries of an original Docent's, so each rewrite has a real file's
size. It imports every photo with AI on and, until every description is in the
file, counts the file's rewrites (each is a rename onto it: inotify's IN_MOVED_TO
on its folder, so none is missed). The reference, in the same run: one rewrite a
picture, as a per-picture sync did, and the time of one rewrite at the file's
final size. --root measures another checkout with this checkout's fakes; repeat it
to compare the code before a change with the code after, under the same load.
"""

import argparse
import ctypes
import io
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import ENDED, LIBRARY, Docent, Fakes  # noqa: E402
from tests.fakes.ai import FakeAnthropic  # noqa: E402
from tests.fakes.frametv import FakeFrameTV  # noqa: E402
from tests.fakes.plex import FakePlex  # noqa: E402

IN_MOVED_TO = 0x80
META = "artwork_meta.json"


class Rewrites(threading.Thread):
    """Counts renames onto `folder/name` until stopped (Linux inotify)."""

    def __init__(self, folder: Path, name: str) -> None:
        super().__init__(daemon=True)
        self.name_bytes, self.count, self.running = name.encode(), 0, True
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(folder).encode(), IN_MOVED_TO) < 0:
            raise SystemExit("inotify is not available: this benchmark needs Linux")

    def run(self) -> None:
        while self.running:
            if not select.select([self.fd], [], [], 0.1)[0]:
                continue
            data = os.read(self.fd, 65536)
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0")
                if mask & IN_MOVED_TO and name == self.name_bytes:
                    self.count += 1
                offset += 16 + length

    def stop(self) -> int:
        self.running = False
        self.join()
        os.close(self.fd)
        return self.count


def small_photo(index: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (index * 37 % 256, index * 91 % 256, 128)).save(out, "JPEG")
    return out.getvalue()


def original_docent_file(count: int) -> dict:
    """An original Docent's file: entries no placement has, which every rewrite keeps."""
    entry = {"original_filename": "IMG.jpg", "ai_meta": {
        "title": "A view", "artist": "Unknown", "year": "2019", "medium": "Photograph",
        "description": "Light over water, boats at anchor and a low hill beyond. " * 4}}
    return {"artwork": {f"MY_X{index:05d}": {**entry, "original_filename": f"IMG_{index}.jpg"}
                        for index in range(count)}}


def described(path: Path) -> int:
    try:
        entries = json.loads(path.read_text())["artwork"]
    except (OSError, ValueError):
        return 0
    return sum(1 for key, entry in entries.items()
               if not key.startswith("MY_X") and entry.get("ai_meta", {}).get("description"))


def one_rewrite_ms(docent: Docent) -> float:
    code = ("import time\nfrom docentsite.artwork import metafile, tvs\n"
            "tv = tvs.tv_default(); metafile.sync(tv=tv)\nstart = time.perf_counter()\n"
            "for _ in range(5): metafile.sync(tv=tv)\n"
            "print((time.perf_counter() - start) / 5 * 1000)")
    done = subprocess.run([docent.python, "manage.py", "shell", "-c", code], cwd=docent.root,
                          env=docent.env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def measure(root: Path, fakes: Fakes, existing: int, timeout: float) -> tuple:
    with FakeFrameTV() as tv, tempfile.TemporaryDirectory(prefix="docent-bench-") as data:
        data = Path(data)
        meta = data / META
        meta.write_text(json.dumps(original_docent_file(existing), indent=2))
        docent = Docent(root, data, fakes, tv, None)
        docent.env["ARTWORK_META_PATH"] = str(meta)
        with docent:
            ids = docent.library_photo_ids()
            rewrites = Rewrites(data, META)
            rewrites.start()
            started = time.monotonic()
            answer = docent.api("POST", "/plex/import", json={"plex_metadata_ids": ids,
                                                               "analyze": True})
            assert answer.status_code == 202, answer.text
            deadline = started + timeout
            while time.monotonic() < deadline:
                ended = [r for r in docent.imports() if r["status"] in ENDED]
                if len(ended) == len(ids) and described(meta) == len(ids):
                    break
                time.sleep(0.5)
            seconds = time.monotonic() - started
            count = rewrites.stop()
            size = meta.stat().st_size
            return count, described(meta), seconds, size, one_rewrite_ms(docent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--existing", type=int, default=1000,
                        help="an original Docent's entries already in the file (default 1000)")
    parser.add_argument("--root", type=Path, action="append",
                        help="a checkout to measure (default this one; needs its .venv)")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    roots = [root.resolve() for root in args.root or [ROOT]]
    with FakePlex() as plex:
        library = plex.add_section(LIBRARY)
        for index in range(args.photos):
            plex.add_photo(library, f"IMG_{index:04d}", small_photo(index),
                           file=f"IMG_{index:04d}.jpg")
        ai = FakeAnthropic().start()
        fakes = Fakes(plex, ai, args.photos, Path(os.devnull))
        print(f"{args.photos} photos imported with AI on; the file starts with "
              f"{args.existing} entries of an original Docent's\n")
        print(f"{'checkout':28} {'rewrites':>8} {'per photo':>9} {'one per photo':>13} "
              f"{'ms a rewrite':>12} {'ms rewriting':>12} {'described':>9} {'seconds':>8}")
        try:
            for root in roots:
                count, done, seconds, size, ms = measure(root, fakes, args.existing,
                                                         args.timeout)
                print(f"{root.name[:28]:28} {count:8d} {count / args.photos:9.2f} "
                      f"{args.photos:13d} {ms:12.1f} {count * ms:12.0f} {done:9d} "
                      f"{seconds:8.1f}   ({size / 1e6:.1f} MB)", flush=True)
        finally:
            ai.stop()


if __name__ == "__main__":
    main()
