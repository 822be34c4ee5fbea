"""What the fake HTTP servers of the sources (plex.py, drive.py, immich.py) share: a
threaded server on 127.0.0.1 and a free port that can be stopped (open connections
drop, new ones are refused) and started again on the same port, and the faults and
records every one of them has."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeServer:
    """A fake server; use as a context manager. `handler` answers its requests, reading
    the fake as `self.server.fake`."""

    def __init__(self, *, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self.host, self.port = "127.0.0.1", 0
        # faults
        self.slow = 0.0  # seconds before each answer
        self.fail_paths: list[str] = []  # paths (prefixes) answered with a 500
        # records
        self.requests: list = []
        self.errors: list[str] = []  # tracebacks of the fake's own bugs (answered 500)
        self._handler, self._name = handler, name
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Start serving, on the port it had before if it had one."""
        if self._server is None:
            self._stopping.clear()
            server = FakeHTTPServer((self.host, self.port), self, self._handler)
            self.port = server.server_address[1]
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=self._name, daemon=True,
            )
            self._server = server
            self._thread.start()
        return self

    def stop(self) -> None:
        """The server goes away: open connections drop, new ones are refused."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _pause(self) -> bool:
        """Wait `slow` seconds; False when the server stopped meanwhile."""
        return not (self.slow and self._stopping.wait(self.slow))


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeServer,
                 handler: type[BaseHTTPRequestHandler]) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        with self.lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address) -> None:
        """Connections the fake drops on purpose (stop, reset) are not errors."""


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the body of an
    # answer on a kept-alive connection waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass
