"""What every source's HTTP client does the same way, whatever the system: read a body
within a size limit and a deadline, save a download whole or not at all, keep one pooled
session per process and settings, and read JSON values that may be of any type.

The clients (`<source>/client.py`) stay the only modules that talk to their systems: they
call these and say, in their own errors, what a BodyError means for their system.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import requests
import urllib3

READ_BLOCK = 64 << 10


class BodyError(Exception):
    """A body read stopped: the client turns it into its own (transient) error."""


class BodyCut(BodyError):
    def __init__(self, received: int, cause: Exception):
        super().__init__(received, cause)
        self.received = received
        self.cause = type(cause).__name__


class BodyTooLarge(BodyError):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit
        self.megabytes = f"{limit / (1 << 20):g}"


class BodyTooSlow(BodyError):
    """Longer than `deadline` seconds in all."""

    def __init__(self, deadline: float):
        super().__init__(deadline)
        self.deadline = deadline


class BodyBelowRate(BodyError):
    """Fewer than `min_rate` bytes a second (`rate` is what came)."""

    def __init__(self, rate: float, min_rate: float):
        super().__init__(rate, min_rate)
        self.rate, self.min_rate = rate, min_rate


def body_blocks(response: requests.Response, *, limit: int, deadline: float,
                min_rate: float = 0, rate_window: float = 0) -> Iterator[bytes]:
    """The body, one socket read at a time, so that the clock is looked at between
    reads: more than `limit` bytes, more than `deadline` seconds, or (after `rate_window`
    seconds) fewer than `min_rate` bytes a second stop it at once with a BodyError."""
    length = as_int(response.headers.get("Content-Length"))
    if length is not None and length > limit:
        raise BodyTooLarge(limit)
    started, received = time.monotonic(), 0
    while True:
        try:
            block = response.raw.read1(READ_BLOCK, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BodyCut(received, exc) from None
        if not block:
            return
        received += len(block)
        if received > limit:
            raise BodyTooLarge(limit)
        yield block
        elapsed = time.monotonic() - started
        if elapsed > deadline:
            raise BodyTooSlow(deadline)
        if min_rate and elapsed > rate_window and received < min_rate * elapsed:
            raise BodyBelowRate(received / elapsed, min_rate)


@contextlib.contextmanager
def partial_file(dest: Path, *, prefix: str | None = None,
                 fsync: bool = False) -> Iterator[IO[bytes]]:
    """A temporary file beside `dest` to write to; moved to `dest` when the block ends
    without an error, deleted when it raises: `dest` is whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=prefix or f".{dest.name}.",
                                suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if fsync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temp, dest)
    finally:
        temp.unlink(missing_ok=True)


def write_blocks(out: IO[bytes], blocks: Iterable[bytes]) -> int:
    """Write `blocks` to `out`; the number of bytes."""
    received = 0
    for block in blocks:
        out.write(block)
        received += len(block)
    return received


def pooled_session(*, pool_size: int, hosts: int = 1, trust_env: bool = True
                   ) -> requests.Session:
    """A session keeping up to `pool_size` connections open to each of `hosts` hosts."""
    session = requests.Session()
    session.trust_env = trust_env
    adapter = requests.adapters.HTTPAdapter(pool_connections=hosts, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


Client = TypeVar("Client")


class SharedClients(Generic[Client]):
    """One client per process and settings, shared by every request and thread, so its
    connections stay open between requests; other settings (tests change them) get a
    client of their own, up to `most` of them (the oldest is closed with `close`)."""

    def __init__(self, *, most: int, close: Callable[[Client], None] | None = None):
        self.most, self._close = most, close
        self._clients: dict[tuple, Client] = {}
        self._lock = threading.Lock()
        # A forked process (a gunicorn or Celery worker) opens connections of its own.
        os.register_at_fork(after_in_child=self._clients.clear)

    def get(self, options: dict[str, Any], make: Callable[..., Client], *,
            invalid: Callable[[ValueError], Exception]) -> Client:
        """The client for `options`, made by `make(**options)` the first time; a
        ValueError of `make` (a bad setting) is raised as `invalid(error)`."""
        key = tuple(options.values())
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                try:
                    client = make(**options)
                except ValueError as exc:
                    raise invalid(exc) from None
                self._clients[key] = client
                while len(self._clients) > self.most:
                    old = self._clients.pop(next(iter(self._clients)))
                    if self._close:
                        self._close(old)
        return client


# -- JSON values, read defensively: any may be missing or of another type ------------------

def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def as_text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
