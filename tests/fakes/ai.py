"""Fake Anthropic and OpenAI HTTP APIs: real HTTP on 127.0.0.1, the real wire format.

`FakeVisionAPI` answers both `POST /v1/messages` (Anthropic Messages API) and
`POST /v1/chat/completions` (OpenAI Chat Completions). Each vendor's fixture
points its SDK at it through the SDK's own base-URL variable.

Modes, switchable at any time: "ok" (answers `description`), "fenced" (the
JSON inside a ``` block with prose around it), "malformed" (prose, no JSON),
"error" (HTTP 500), "timeout" (answers after `delay` seconds).
"""

import base64
import io
import json
import threading
import time
import uuid
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
    "vision_identified": True,
}


class FakeVisionAPI:
    def __init__(self, api_key: str = "test-key"):
        self.api_key = api_key
        self.mode = "ok"
        self.delay = 5.0
        self.description = dict(DESCRIPTION)
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeVisionAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_text(self) -> str:
        body = json.dumps(self.description)
        if self.mode == "fenced":
            return f"Here is the description you asked for:\n```json\n{body}\n```\nEnjoy!"
        if self.mode == "malformed":
            return "What a lovely picture! I am not sure what it is, though."
        return body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                vendor = {"/v1/messages": "anthropic",
                          "/v1/chat/completions": "openai"}.get(self.path)
                if vendor is None:
                    return self._send(404, {"error": {"message": "no such path"}})
                # Anthropic SDKs send x-api-key (1.x) or a Bearer token (2.x).
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                key = bearer or (self.headers.get("x-api-key") if vendor == "anthropic" else "")
                fake.requests.append({
                    "vendor": vendor, "path": self.path, "model": body.get("model"),
                    "anthropic_version": self.headers.get("anthropic-version"),
                    "image_size": _image_size(vendor, body),
                })
                if key != fake.api_key:
                    return self._send(401, _error(vendor, "authentication_error",
                                                  "invalid x-api-key"))
                if fake.mode == "error":
                    return self._send(500, _error(vendor, "api_error", "Internal server error"))
                if fake.mode == "timeout":
                    time.sleep(fake.delay)
                if _image_size(vendor, body) is None:
                    return self._send(400, _error(vendor, "invalid_request_error",
                                                  "the message has no image"))
                text = fake.answer_text()
                self._send(200, (_message if vendor == "anthropic" else _completion)(body, text))

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout mode)

        return Handler


def _image_size(vendor: str, body: dict) -> tuple[int, int] | None:
    """The size of the JPEG the request carries, decoded as the vendor would."""
    for message in body.get("messages", []):
        for part in message.get("content", []) if isinstance(message.get("content"), list) else []:
            data = None
            if vendor == "anthropic" and part.get("type") == "image":
                source = part.get("source", {})
                if source.get("type") == "base64" and source.get("media_type") == "image/jpeg":
                    data = source.get("data")
            if vendor == "openai" and part.get("type") == "image_url":
                url = part.get("image_url", {}).get("url", "")
                if url.startswith("data:image/jpeg;base64,"):
                    data = url.split(",", 1)[1]
            if data:
                return Image.open(io.BytesIO(base64.b64decode(data))).size
    return None


def _error(vendor: str, kind: str, message: str) -> dict:
    if vendor == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _message(request: dict, text: str) -> dict:
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
        "model": request["model"], "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 1500, "output_tokens": 180},
    }


def _completion(request: dict, text: str) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
        "created": int(time.time()), "model": request["model"],
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": text, "refusal": None}}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 180, "total_tokens": 1680},
    }
