"""How long `./docent` takes to answer, and how much it says on the way.

    python benchmarks/startup.py [--root DIR] [--runs 3]

Times, in a fresh data dir: `./docent --help`; a first start (migrations, static
files, admin account) until the login page is served; then warm restarts (stop
with SIGTERM, start again) until the login page is served, counting the lines
printed. Beside them, two references measured in the same run, `python -c pass`
and `python -c "import django"`: compare the ratios, not raw seconds, across
machines. --root points at another checkout (with its own .venv installed) to
measure it the same way: that is how the figures before a change were taken.
"""

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def timed(command, **kwargs) -> float:
    start = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.monotonic() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_to_first_page(root: Path, env: dict, log: Path) -> tuple[float, int]:
    """Seconds from `./docent` to the login page answering, and the lines it printed."""
    port = free_port()
    with open(log, "wb") as out:
        start = time.monotonic()
        docent = subprocess.Popen([str(root / "docent"), "--bind", f"127.0.0.1:{port}"],
                                  cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if docent.poll() is not None:
                raise SystemExit(f"./docent stopped (exit {docent.returncode}):\n"
                                 + log.read_text(errors="replace"))
            try:
                if requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=30).ok:
                    elapsed = time.monotonic() - start
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
    finally:
        docent.send_signal(signal.SIGTERM)
        try:
            docent.wait(60)
        finally:
            # The old serve left children behind: clear the whole session.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(docent.pid, signal.SIGKILL)
    time.sleep(0.5)  # the children's last lines
    return elapsed, len(log.read_text(errors="replace").splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = args.root.resolve()
    python = str(root / ".venv" / "bin" / "python")
    if not Path(python).exists():
        raise SystemExit(f"{root} has no .venv: run ./docent test --co -q there first.")

    print(f"{'python -c pass':38} {timed([python, '-c', 'pass']):6.2f} s (reference)")
    django = timed([python, "-c", "import django"], cwd=root)
    print(f"{'python -c ' + repr('import django'):38} {django:6.2f} s (reference)")
    helps = [timed([str(root / "docent"), "--help"], cwd=root) for _ in range(args.runs)]
    print(f"{'./docent --help':38} {statistics.median(helps):6.2f} s")

    with tempfile.TemporaryDirectory(prefix="docent-startup-") as data:
        env = {**os.environ, "DOCENT_ENV_FILE": os.devnull, "DOCENT_DATA_DIR": data,
               "TV_HOST": "", "AI_PROVIDER": "none", "DJANGO_SUPERUSER_USERNAME": "owner",
               "DJANGO_SUPERUSER_PASSWORD": "a long benchmark password"}
        env.pop("DATABASE_URL", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        log = Path(data) / "docent.log"
        first, lines = start_to_first_page(root, env, log)
        print(f"{'first start to the login page':38} {first:6.2f} s, {lines} lines printed")
        warm = [start_to_first_page(root, env, log) for _ in range(args.runs)]
        print(f"{'warm restart to the login page':38} "
              f"{statistics.median(t for t, _ in warm):6.2f} s, "
              f"{max(n for _, n in warm)} lines printed (median of {args.runs})")


if __name__ == "__main__":
    sys.exit(main())
