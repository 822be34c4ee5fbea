"""A fake Samsung "The Frame" TV that speaks the real protocol over real sockets.

Like port 8002 of a real set: one TLS port with a self-signed certificate, REST
device info at `GET /api/v2/` and the WebSocket channels `samsung.remote.control`
and `com.samsung.art-app`, with the TV's pairing rules (frame-tv-protocol.md,
sections 1 to 3). The art app itself lives in frametv_art.py. `plain=True` is
port 8001 instead: plain HTTP and WebSocket, no tokens.

It runs an asyncio loop in a background thread. Faults are attributes that can be
switched at any time; `stop()` is the TV switched off and `start()` brings it back
on the same port (`stop(knocks=True)`: off, its port counting in `knocks` each
connection it drops at once). Recorded state: `photos`, `requests`, `select_calls`,
`connections`, `tokens`, `prompts`, `uploads_started`, `max_concurrent_transfers`, `keys`,
and what reached the upload sockets: `bytes_received`, `first_byte_at`, `last_byte_at`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import json
import random
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from tests.fakes.frametv_art import FakeArtApp, FakePhoto

PLAIN_PORT = 8001

__all__ = ["FakeFrameTV", "FakePhoto"]

CHANNELS = "/api/v2/channels/"
REMOTE = "samsung.remote.control"
ART = "com.samsung.art-app"


@dataclass
class FakeConnection:
    """One WebSocket connection as the TV saw it."""

    channel: str
    name: str  # decoded client name
    token: str | None


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    channel: str
    id: str
    name: str  # base64, as sent
    connect_time: int

    def entry(self) -> dict[str, Any]:
        return {
            "attributes": {"name": self.name}, "connectTime": self.connect_time,
            "deviceName": self.name, "id": self.id, "isHost": False,
        }


def _tls_context(directory: Path, host: str) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate, as the TV has."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SmartViewSDK")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "tv.crt", directory / "tv.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    # No TLS 1.3 session tickets: samsungtvws closes the D2D socket without reading
    # them, the unread tickets make the client's kernel reset the connection, and a
    # reset may discard the picture's last bytes before the fake has read them.
    context.num_tickets = 0
    return context


class FakeFrameTV(FakeArtApp):
    """A Frame TV on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(
        self, *, pairing: str = "allow", prompt_timeout: float = 1.0,
        model: str = "22_PONTUSM_FTV", name: str = "Samsung The Frame 55", plain: bool = False,
    ) -> None:
        super().__init__()
        # plain: port 8001, no TLS and no tokens, as older clients use a set. Port
        # 8001 is fixed, so each plain fake takes its own loopback address.
        self.plain = plain
        self.host = f"127.{random.randrange(1, 255)}.{random.randrange(256)}.1" if plain \
            else "127.0.0.1"
        self.model, self.name = model, name
        # Owner's answer to the "allow this device?" prompt: allow, deny or pending
        # (nobody answers; the prompt ends in ms.channel.timeOut after prompt_timeout).
        # Switching from pending to allow or deny while a prompt is open answers it.
        self.pairing = pairing
        self.prompt_timeout = prompt_timeout
        self.art_pairs = False  # True: the art channel hands out tokens (real ones don't)
        self.frame_support = True  # FrameTVSupport in the REST device info
        self.tokens: list[str] = []
        self.prompts: list[str] = []  # the channel of each "allow this device?" prompt shown
        self.connections: list[FakeConnection] = []
        self.keys: list[str] = []
        self.host_id = str(uuid.uuid4())
        self._clients: dict[str, list[_Client]] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="fake-frame-tv-")
        self._tls = _tls_context(Path(self._dir.name), self.host)
        self._d2d_ssl = self._tls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._knocked: asyncio.Server | None = None
        self.knocks = 0  # connections tried while off, with stop(knocks=True)
        self.port = PLAIN_PORT if plain else 0

    # -- lifecycle (call from the test's thread) -----------------------------------
    def __enter__(self) -> FakeFrameTV:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> FakeFrameTV:
        """Switch the TV on, on the port it had before if it had one."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="fake-frame-tv", daemon=True
            )
            self._thread.start()
        self._call(self._start())
        return self

    def stop(self, *, knocks: bool = False) -> None:
        """Switch the TV off: connections drop, new ones are refused (`knocks`: taken and
        dropped at once, each counted in `knocks`, so that a test can tell how often
        Docent tried a TV that is off)."""
        if self._loop is not None:
            self._call(self._stop())
            if knocks:
                self._call(self._listen_for_knocks())

    def close(self) -> None:
        self.stop()
        if self._loop is not None:
            self._call(self._cancel_tasks())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()
            self._loop = None
        self._dir.cleanup()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(15)

    async def _start(self) -> None:
        await self._stop_knocks()
        if self._server is not None:
            return
        self._server = await serve(
            self._handle, self.host, self.port, ssl=None if self.plain else self._tls,
            process_request=self._process_request, ping_interval=None, close_timeout=2,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_knocks(self) -> None:
        knocked, self._knocked = self._knocked, None
        if knocked is not None:
            knocked.close()
            await knocked.wait_closed()

    async def _stop(self) -> None:
        await self._stop_knocks()
        server, self._server = self._server, None
        if server is None:
            return
        server.server.close()  # the listening socket first: nothing new gets in
        for connection in list(server.all_connections):
            connection.transport.abort()  # power off: no closing handshake
        await self._close_transfers()
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)

    async def _listen_for_knocks(self) -> None:
        def knocked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.knocks += 1
            writer.transport.abort()

        self._knocked = await asyncio.start_server(knocked, self.host, self.port,
                                                   reuse_address=True)

    async def _cancel_tasks(self) -> None:
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def connection_count(self) -> int:
        return len(self.connections)

    def revoke_tokens(self) -> None:
        """Forget every token, as sets do after a firmware update, a reset, or (some) a
        power or network loss: the art channel then prompts and times out, whatever
        the owner presses, while the remote channel pairs."""
        self.tokens.clear()

    def delete_with_remote(self, content_id: str) -> None:
        """The owner deletes a picture on the TV itself: it leaves My Photos, and the art
        app tells every connected client (image_deleted), as after delete_image_list."""
        del self.photos[content_id]
        self.favourites.discard(content_id)
        listed = json.dumps([{"content_id": content_id}])
        self._call(self._d2d(None, {"event": "image_deleted", "content_id_list": listed}))

    # -- REST --------------------------------------------------------------------
    def device_payload(self) -> dict[str, Any]:
        support = "true" if self.frame_support else "false"
        udn = f"uuid:{uuid.UUID(int=self.port)}"
        device = {
            "FrameTVSupport": support, "GamePadSupport": "true", "ImeSyncedSupport": "true",
            "Language": "en_GB", "OS": "Tizen", "PowerState": "on", "TokenAuthSupport": "true",
            "VoiceSupport": "true", "WallScreenRatio": "0", "WallService": "false",
            "countryCode": "GB", "description": "Samsung DTV RCR", "developerIP": "0.0.0.0",
            "developerMode": "0", "duid": udn, "firmwareVersion": "Unknown", "id": udn,
            "ip": self.host, "model": self.model, "modelName": "QE55LS03BAUXXU",
            "name": self.name, "networkType": "wired", "resolution": "3840x2160",
            "smartHubAgreement": "true", "type": "Samsung SmartTV", "udn": udn,
            "wifiMac": "f4:7b:09:00:00:01",
        }
        is_support = {
            "DMP_DRM_PLAYREADY": "false", "DMP_DRM_WIDEVINE": "false", "DMP_available": "true",
            "EDEN_available": "true", "FrameTVSupport": support, "ImeSyncedSupport": "true",
            "TokenAuthSupport": "true", "remote_available": "true",
            "remote_fourDirections": "true", "remote_touchPad": "true",
            "remote_voiceControl": "true",
        }
        return {
            "device": device, "id": udn, "isSupport": json.dumps(is_support),
            "name": self.name, "remote": "1.0", "type": "Samsung SmartTV",
            "uri": f"{'http' if self.plain else 'https'}://{self.host}:{self.port}/api/v2/",
            "version": "2.0.25",
        }

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        path = urlsplit(request.path).path
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if upgrade and path.startswith(CHANNELS):
            return None
        if not upgrade and path == "/api/v2/" and request.headers.get("Host"):
            response = connection.respond(HTTPStatus.OK, json.dumps(self.device_payload()))
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json; charset=utf-8"
            return response
        return connection.respond(HTTPStatus.NOT_FOUND, "Not found\n")

    # -- channels ----------------------------------------------------------------
    def _art_clients(self) -> list[_Client]:
        return list(self._clients.get(ART, []))

    async def _send(self, client: _Client, message: dict[str, Any] | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(text)

    async def _handle(self, ws: ServerConnection) -> None:
        url = urlsplit(ws.request.path)
        channel = url.path[len(CHANNELS):]
        query = parse_qs(url.query)
        name = query.get("name", [""])[0]
        token = query.get("token", [None])[0]
        try:
            decoded = base64.b64decode(name).decode()
        except ValueError:
            decoded = name
        self.connections.append(FakeConnection(channel, decoded, token))
        granted = await self._authorize(ws, channel, token)
        if granted is None:
            return
        client = _Client(ws, channel, str(uuid.uuid4()), name, int(time.time() * 1000))
        peers = self._clients.setdefault(channel, [])
        entries = [p.entry() for p in peers] + [client.entry()]
        if channel == ART:
            host = {
                "attributes": {"name": None}, "connectTime": client.connect_time,
                "deviceName": "Smart Device", "id": self.host_id, "isHost": True,
            }
            entries.insert(0, host)
        data = {"clients": entries, "id": client.id, **({"token": granted} if granted else {})}
        await self._send(client, {"data": data, "event": "ms.channel.connect"})
        if channel == ART:
            await self._send(client, {"data": {}, "event": "ms.channel.ready"})
        # Any other channel name connects but is never ready, like 2022 sets did.
        for peer in list(peers):
            await self._send(peer, {"data": client.entry(), "event": "ms.channel.clientConnect"})
        peers.append(client)
        try:
            async for message in ws:
                await self._on_message(client, message)
        except ConnectionClosed:
            pass
        finally:
            peers.remove(client)
            for peer in list(peers):
                await self._send(
                    peer, {"data": client.entry(), "event": "ms.channel.clientDisconnect"}
                )

    async def _authorize(self, ws: ServerConnection, channel: str, token: str | None) -> Any:
        """The token to put in ms.channel.connect, or None when the client was turned away."""
        if self.plain:
            # No tokens on 8001: the art channel lets anyone in, and 2018+ sets turn
            # the remote channel away.
            if channel == ART:
                return ""
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps({"event": "ms.channel.unauthorized"}))
                await ws.close()
            return None
        if token and token in self.tokens:
            return token
        self.prompts.append(channel)
        answer = await self._prompt(ws, pairs=channel == REMOTE or self.art_pairs)
        if answer == "allow":
            token = str(random.randrange(10_000_000, 100_000_000))
            self.tokens.append(token)
            return token
        event = "ms.channel.unauthorized" if answer == "deny" else "ms.channel.timeOut"
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"event": event}))
            await ws.close()
        return None

    async def _prompt(self, ws: ServerConnection, *, pairs: bool) -> str | None:
        """The on-screen prompt: nothing is sent while it is open.

        On a channel that does not pair (the art channel) pressing Allow changes
        nothing: the prompt shows and ends in ms.channel.timeOut.
        """
        deadline = time.monotonic() + self.prompt_timeout
        while ws.state is State.OPEN:
            if pairs and self.pairing in ("allow", "deny"):
                return self.pairing
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.02)
        return None

    async def _on_message(self, client: _Client, message: str | bytes) -> None:
        if isinstance(message, bytes):
            return  # the Art API 0.97 binary upload: a 4.x set ignores it
        try:
            frame = json.loads(message)
            method, params = frame.get("method"), frame.get("params") or {}
        except (ValueError, AttributeError):
            return
        if method == "ms.channel.emit" and client.channel == ART:
            if params.get("event") == "art_app_request" and params.get("to") == "host":
                await self._art_request(client, params.get("data"))
        elif method == "ms.remote.control" and client.channel == REMOTE:
            self.keys.append(params.get("DataOfCmd"))
        elif method != "ms.channel.emit":
            await self._send(client, {
                "data": {"message": f"unrecognized method value : {method}"},
                "event": "ms.error",
            })
