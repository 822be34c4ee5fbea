"""Servers the test run starts for itself: Redis and PostgreSQL on free ports.

The suite must be safe on a developer's own machine, so it never flushes a
Redis or drops a database it did not start. Each server lives in a temporary
folder, listens on 127.0.0.1 at a port the kernel picked, and is stopped when
the run ends. A developer may point the suite at a server of their own
instead (DOCENT_TEST_REDIS_URL); then its database is theirs to give.
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """The server's program is not installed or would not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise ServerUnavailable(f"{what} did not listen on port {port} within 30 s")


def _stop(process: subprocess.Popen, folder: str) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    shutil.rmtree(folder, ignore_errors=True)


def start_redis() -> str:
    """A redis-server of our own, keeping nothing on disk; returns its URL."""
    program = shutil.which("redis-server")
    if not program:
        raise ServerUnavailable("redis-server is not installed")
    folder = tempfile.mkdtemp(prefix="docent-test-redis-")
    log = Path(folder) / "redis.log"
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=out, stderr=subprocess.STDOUT,
        )
    atexit.register(_stop, process, folder)
    _wait_for_port(port, process, log, "redis-server")
    return f"redis://127.0.0.1:{port}/0"


def _postgres_bin() -> Path:
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(Path(bindir.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise ServerUnavailable("PostgreSQL's initdb and postgres are not installed")


def start_postgres() -> str:
    """A throwaway PostgreSQL cluster of our own; returns a URL to its `docent` database.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    `postgres` account the server package creates.
    """
    bindir = _postgres_bin()
    folder = tempfile.mkdtemp(prefix="docent-test-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
        shutil.chown(folder, "postgres")
    data = Path(folder) / "data"
    log = Path(folder) / "postgres.log"
    initdb = subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "--encoding=UTF8", "--no-sync"],
        capture_output=True, text=True,
    )
    if initdb.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServerUnavailable(f"initdb failed: {initdb.stderr[-2000:]}")
    port = free_port()
    with open(log, "wb") as out:
        # Durability is worthless for a throwaway cluster and costs the suite minutes.
        process = subprocess.Popen(
            [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={folder}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    atexit.register(_stop, process, folder)
    _wait_for_port(port, process, log, "postgres")
    return f"postgres://postgres@127.0.0.1:{port}/docent"
