"""Fake Anthropic and OpenAI APIs: real HTTP on 127.0.0.1, the vendors' wire formats.

`FakeAnthropic` answers `POST /v1/messages` (the Messages API), `FakeOpenAI`
answers `POST /v1/responses` (the Responses API). The SDKs reach them through
their own base-URL variables (see ai_fixtures.py).

`mode` may be changed at any time:
  "success"        the JSON in `description`
  "fenced"         that JSON in a ```json block, with prose around it
  "malformed"      prose, no JSON
  "refusal"        the model declines
  "server_error"   HTTP 500
  "rate_limited"   HTTP 429 with `retry-after: <retry_after>`
  "no_such_model"  HTTP 404, the model is unknown
  "timeout"        the success answer, after `delay` seconds
`latency` (seconds, 0 by default) delays every answer, as a real model takes
seconds to look at a picture.
A request with a key other than `api_key` gets HTTP 401 in every mode; the
error message quotes the key, so a client that shows it to a person is caught.
"""

import base64
import binascii
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

DESCRIPTION = {
    "title": "The Great Wave off Kanagawa",
    "artist": "Katsushika Hokusai",
    "year": "c. 1831",
    "medium": "Woodblock print",
    "school": "Ukiyo-e",
    "vibes": ["dramatic", "oceanic", "bold", "cool", "timeless", "extra"],
    "description": "A towering wave curls over three boats as Mount Fuji looks on.",
    "confidence": "high",
}
MODES = ("success", "fenced", "malformed", "refusal", "server_error", "rate_limited",
         "no_such_model", "timeout")
_SECRET_HEADERS = ("authorization", "x-api-key")


@dataclass
class Received:
    """One request as the fake saw it; the credentials are left out."""

    path: str
    headers: dict[str, str]
    body: dict
    image: bool  # a well-formed base64 JPEG image part was present
    image_bytes: int  # its decoded size
    image_size: tuple[int, int] | None  # its width and height

    @property
    def model(self) -> str | None:
        return self.body.get("model")


class BadRequest(Exception):
    pass


class FakeVisionAPI:
    """What both fakes share: the server, the modes, the record of requests."""

    vendor = ""
    path = ""

    def __init__(self, api_key: str = "test-key"):
        self.api_key = api_key
        self.mode = "success"
        self.delay = 5.0
        self.latency = 0.0
        self.retry_after = 1.0
        self.description = dict(DESCRIPTION)
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}, not one of {MODES}")
        self._mode = mode

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests waiting in "timeout" mode
        self._server.shutdown()
        self._server.server_close()

    def answer_text(self) -> str:
        body = json.dumps(self.description)
        if self.mode == "fenced":
            return f"Here is the description you asked for:\n```json\n{body}\n```\nEnjoy!"
        if self.mode == "malformed":
            return "What a lovely picture! I am not sure what it is, though."
        return body

    def handle(self, path: str, headers: dict[str, str], raw: bytes):
        """(status, payload, extra headers) for one POST."""
        if path != self.path:
            return 404, self.error("not_found_error", f"No route for POST {path}"), {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, self.error("invalid_request_error", "The body is not JSON."), {}
        try:
            jpeg = self.image_of(body) if isinstance(body, dict) else None
        except BadRequest as problem:
            jpeg, image_problem = None, str(problem)
        else:
            image_problem = "" if jpeg else "The request has no image."
        size = Image.open(io.BytesIO(jpeg)).size if jpeg else None
        with self._lock:
            self.requests.append(Received(
                path=path,
                headers={k: v for k, v in headers.items() if k not in _SECRET_HEADERS},
                body=body if isinstance(body, dict) else {},
                image=jpeg is not None, image_bytes=len(jpeg or b""), image_size=size,
            ))
        key = self.key_in(headers)
        if key != self.api_key:
            return 401, self.error("authentication_error", f"Invalid API key: {key!r}"), {}
        problem = self.request_problem(headers, body) or image_problem
        if problem:
            return 400, self.error("invalid_request_error", problem), {}
        if self.mode == "server_error":
            return 500, self.error("api_error", "Internal server error"), {}
        if self.mode == "rate_limited":
            return (429, self.error("rate_limit_error", "Too many requests"),
                    {"retry-after": f"{self.retry_after:g}"})
        if self.mode == "no_such_model":
            return 404, self.error("not_found_error", f"model: {body['model']}"), {}
        if self.mode == "timeout" and self._stopping.wait(self.delay):
            return 503, self.error("api_error", "Shutting down"), {}
        if self.latency and self._stopping.wait(self.latency):
            return 503, self.error("api_error", "Shutting down"), {}
        return 200, self.reply(body, self.answer_text()), {}

    # What each vendor defines:
    def key_in(self, headers: dict[str, str]) -> str | None:
        raise NotImplementedError

    def request_problem(self, headers: dict[str, str], body: dict) -> str:
        raise NotImplementedError

    def image_of(self, body: dict) -> bytes | None:
        raise NotImplementedError

    def error(self, kind: str, message: str) -> dict:
        raise NotImplementedError

    def reply(self, body: dict, text: str) -> dict:
        raise NotImplementedError


class FakeAnthropic(FakeVisionAPI):
    vendor = "anthropic"
    path = "/v1/messages"

    def key_in(self, headers):
        # The API takes either header; SDK 2.x sends the key as a Bearer token.
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        return headers.get("x-api-key") or bearer or None

    def request_problem(self, headers, body):
        if not headers.get("anthropic-version"):
            return "anthropic-version: header is required"
        if not isinstance(body.get("max_tokens"), int):
            return "max_tokens: Field required"
        if not body.get("model") or not isinstance(body.get("messages"), list):
            return "model and messages are required"
        return ""

    def image_of(self, body):
        for part in _parts(body.get("messages")):
            if part.get("type") != "image":
                continue
            source = part.get("source") or {}
            if source.get("type") != "base64" or source.get("media_type") != "image/jpeg":
                raise BadRequest("image.source: expected a base64 image/jpeg source")
            return _jpeg(source.get("data"))
        return None

    def error(self, kind, message):
        return {"type": "error", "error": {"type": kind, "message": message},
                "request_id": f"req_{uuid.uuid4().hex[:24]}"}

    def reply(self, body, text):
        refused = self.mode == "refusal"
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [] if refused else [{"type": "text", "text": text, "citations": None}],
            "stop_reason": "refusal" if refused else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1600, "output_tokens": 180,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                      "service_tier": "standard"},
        }


class FakeOpenAI(FakeVisionAPI):
    vendor = "openai"
    path = "/v1/responses"

    def key_in(self, headers):
        authorization = headers.get("authorization", "")
        return authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") \
            else None

    def request_problem(self, headers, body):
        if not body.get("model") or not isinstance(body.get("input"), list | str):
            return "Missing required parameter: 'model' or 'input'."
        return ""

    def image_of(self, body):
        for part in _parts(body.get("input")):
            if part.get("type") != "input_image":
                continue
            url = part.get("image_url") or ""
            prefix = "data:image/jpeg;base64,"
            if not url.startswith(prefix) or part.get("detail") not in ("low", "high", "auto",
                                                                        "original"):
                raise BadRequest("input_image: expected a JPEG data URL and a detail level")
            return _jpeg(url.removeprefix(prefix))
        return None

    def error(self, kind, message):
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    def reply(self, body, text):
        content = ({"type": "refusal", "refusal": "I can't help with that."}
                   if self.mode == "refusal" else
                   {"type": "output_text", "text": text, "annotations": [], "logprobs": []})
        now = int(time.time())
        return {
            "id": f"resp_{uuid.uuid4().hex}",
            "object": "response",
            "created_at": now,
            "completed_at": now,
            "status": "completed",
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": body["model"],
            "output": [{"type": "message", "id": f"msg_{uuid.uuid4().hex}",
                        "status": "completed", "role": "assistant", "content": [content]}],
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "store": body.get("store", True),
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": {"input_tokens": 1600, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": 180, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 1780},
            "user": None,
            "metadata": {},
        }


def _parts(messages) -> list[dict]:
    """The content parts of a list of messages, whatever their shape."""
    parts = []
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        parts += [part for part in content if isinstance(part, dict)] \
            if isinstance(content, list) else []
    return parts


def _jpeg(data) -> bytes:
    try:
        decoded = base64.b64decode(data or "", validate=True)
        with Image.open(io.BytesIO(decoded)) as image:
            if image.format == "JPEG":
                return decoded
    except (binascii.Error, OSError, ValueError):
        pass
    raise BadRequest("The image data is not a base64-encoded JPEG.")


def _handler(fake: FakeVisionAPI):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, payload, extra = fake.handle(self.path, headers, raw)
            data = json.dumps(payload).encode()
            request_id = "request-id" if fake.vendor == "anthropic" else "x-request-id"
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header(request_id, f"req_{uuid.uuid4().hex[:24]}")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting ("timeout" mode)

    return Handler
