"""Describe a picture with a vision model: Claude (Anthropic) or OpenAI.

The only module that imports the vendors' SDKs. Each SDK reads its own base
URL variable (ANTHROPIC_BASE_URL, OPENAI_BASE_URL), which is how the tests
point it at a local fake. The result has the original Docent's `ai_meta` shape.

Retries are ours, not the SDKs': the Anthropic SDK sleeps for as long as a
`retry-after` header asks, which could hold a worker for hours. Here one call
takes at most (max_retries + 1) * timeout + max_retries * MAX_RETRY_WAIT.
"""

import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from docentsite.artwork.errors import DocentError

log = logging.getLogger(__name__)

SYSTEM = (
    "You are a museum docent and art historian. You identify artworks from "
    "reproductions and describe pictures for people looking at them on a TV in art mode."
)
PROMPT = """Identify and describe this picture. If it is a known work, name it; if it is a
photograph or an unknown work, describe what it shows.

Answer with one JSON object and nothing else (no code fence, no commentary), with these keys:
"title": the work's title, or a short descriptive title if it is not a known work;
"artist": the artist's full name, or "Unknown";
"year": the year or period as text, e.g. "c. 1831", or "Unknown";
"medium": e.g. "Oil on canvas", "Woodblock print", "Photograph", or "Unknown";
"school": the movement or style, e.g. "Impressionism", or "N/A";
"vibes": exactly five lowercase one-word moods, e.g. ["serene", "misty", "cool", "quiet", "vast"];
"description": one or two sentences for someone looking at the picture;
"confidence": "high", "medium" or "low", for how sure you are of the title and artist."""

SUBJECT_PROMPT = """Where is the subject of this picture: what a person framing it would keep
(every face, if there are people)?

Answer with one JSON object and nothing else (no code fence, no commentary):
{"subject": [left, top, right, bottom]}, the smallest box around the subject, each a
fraction of the picture's width or height from its top left corner (0 to 1)."""

#: A server asking us to wait longer than this is not retried here: the caller
#: gets a transient error and tries again later.
MAX_RETRY_WAIT = 10.0
#: Fields the answer must have, and the original Docent's placeholders for the rest.
REQUIRED = ("title", "description")
PLACEHOLDERS = {"artist": "Unknown", "year": "Unknown", "medium": "Unknown", "school": "N/A"}
CONFIDENCES = ("high", "medium", "low")
MAX_VIBES = 5
MAX_VIBE_LENGTH = 30

_VENDOR = {"anthropic": "Claude", "openai": "OpenAI"}
# The original Docent writes "claude" for Anthropic; keep its files readable.
_PROVIDER_TAG = {"anthropic": "claude", "openai": "openai"}
_KEY_SETTING = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}


class VisionError(DocentError):
    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class VisionNotConfigured(VisionError):
    """No provider chosen, or its API key is missing."""


@dataclass(frozen=True)
class VisionConfig:
    provider: str
    model: str
    api_key: str = field(repr=False)
    timeout: float = 60
    max_retries: int = 1


def from_settings(source=None) -> VisionConfig:
    """The VisionConfig that Django settings (or any object with the same names) describe."""
    if source is None:
        from django.conf import settings as source
    provider = source.AI_PROVIDER
    if provider not in _VENDOR:
        raise VisionNotConfigured(
            "No vision model is set: set AI_PROVIDER=anthropic or AI_PROVIDER=openai in .env."
        )
    config = VisionConfig(
        provider=provider,
        model=getattr(source, f"{provider.upper()}_MODEL"),
        api_key=getattr(source, _KEY_SETTING[provider]),
        timeout=source.AI_TIMEOUT,
    )
    _check(config)
    return config


def describe(jpeg: bytes, *, config: VisionConfig) -> dict:
    """The `ai_meta` of a JPEG: title, artist, year, ..., provider, model, analyzed_at."""
    _check(config)
    meta = parse_answer(_answer(base64.b64encode(jpeg).decode("ascii"), config))
    meta.update(
        provider=_PROVIDER_TAG[config.provider],
        model=config.model,
        analyzed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return meta


def provider_tag(config: VisionConfig) -> str:
    """The provider's word in artwork_meta.json: "claude" or "openai"."""
    return _PROVIDER_TAG[config.provider]


def subject_box(jpeg: bytes, *, config: VisionConfig) -> tuple[float, float, float, float]:
    """Where the model sees the picture's subject: (left, top, right, bottom), fractions
    of its width and height. Raises VisionError as describe() does, and for an answer
    without a box."""
    _check(config)
    text = _answer(base64.b64encode(jpeg).decode("ascii"), config, prompt=SUBJECT_PROMPT)
    return parse_subject(text)


def parse_subject(text: str) -> tuple[float, float, float, float]:
    """The subject box in a model's answer: the last JSON object with a "subject"."""
    answer = _last_object(text or "", lambda value: "subject" in value)
    found = answer["subject"] if answer else None
    try:
        left, top, right, bottom = (min(max(float(v), 0.0), 1.0) for v in found)
    except (TypeError, ValueError):
        raise _unreadable("it holds no subject box", text) from None
    if right <= left or bottom <= top:
        raise _unreadable("its subject box is empty", text)
    return left, top, right, bottom


def _check(config: VisionConfig) -> None:
    if config.provider not in _VENDOR:
        raise VisionNotConfigured(
            f"AI_PROVIDER is {config.provider!r}: set AI_PROVIDER=anthropic or "
            "AI_PROVIDER=openai in .env."
        )
    if not config.api_key:
        key_setting = _KEY_SETTING[config.provider]
        raise VisionNotConfigured(
            f"AI_PROVIDER is {config.provider} but {key_setting} is empty: "
            f"set {key_setting}=... in .env."
        )


def _answer(image_b64: str, config: VisionConfig, *, prompt: str = PROMPT) -> str:
    """The model's text answer, with transient failures retried a bounded number of times."""
    # Imported here, not at the top: the SDKs take seconds to import, and every
    # process (the web, the worker, each command) loads this module.
    import anthropic
    import openai

    ask = _ask_claude if config.provider == "anthropic" else _ask_openai
    vendor = _VENDOR[config.provider]
    attempt = 0
    while True:
        try:
            return ask(image_b64, config, prompt)
        except (anthropic.AnthropicError, openai.OpenAIError) as exc:
            error = _vision_error(exc, vendor, config)
            wait = _retry_wait(exc, attempt)
        # Raised outside the except block, so the SDK's exception (which holds
        # the request and its headers) is not kept as __context__.
        if not error.transient or attempt >= config.max_retries or wait > MAX_RETRY_WAIT:
            raise error
        log.info("%s; trying again in %.1f s", error, wait)
        time.sleep(wait)
        attempt += 1


def _ask_claude(image_b64: str, config: VisionConfig, prompt: str = PROMPT) -> str:
    import anthropic

    with anthropic.Anthropic(
        api_key=config.api_key, timeout=config.timeout, max_retries=0
    ) as client:
        message = client.messages.create(
            model=config.model,
            max_tokens=1024,
            system=SYSTEM,
            messages=[{
                "role": "user",
                "content": [
                    {"type": "image", "source": {
                        "type": "base64", "media_type": "image/jpeg", "data": image_b64}},
                    {"type": "text", "text": prompt},
                ],
            }],
        )
    if message.stop_reason == "refusal":
        raise VisionError("Claude declined to describe this picture.")
    return "".join(block.text for block in message.content if block.type == "text")


def _ask_openai(image_b64: str, config: VisionConfig, prompt: str = PROMPT) -> str:
    import openai

    with openai.OpenAI(
        api_key=config.api_key, timeout=config.timeout, max_retries=0
    ) as client:
        response = client.responses.create(
            model=config.model,
            instructions=SYSTEM,
            input=[{
                "role": "user",
                "content": [
                    {"type": "input_image", "detail": "auto",
                     "image_url": f"data:image/jpeg;base64,{image_b64}"},
                    {"type": "input_text", "text": prompt},
                ],
            }],
            max_output_tokens=2048,
            store=False,  # the picture is someone's photo: do not keep it at OpenAI
        )
    refused = any(
        part.type == "refusal"
        for item in response.output if item.type == "message"
        for part in item.content
    )
    if refused:
        raise VisionError("OpenAI declined to describe this picture.")
    return response.output_text


def _vision_error(exc: Exception, vendor: str, config: VisionConfig) -> VisionError:
    """Our error for an SDK's; never with the SDK's message, which may quote the request."""
    import anthropic
    import openai

    if isinstance(exc, anthropic.APITimeoutError | openai.APITimeoutError):
        return VisionError(f"{vendor} did not answer within {config.timeout:g} s.",
                           transient=True)
    if isinstance(exc, anthropic.APIConnectionError | openai.APIConnectionError):
        return VisionError(f"{vendor} could not be reached.", transient=True)
    if not isinstance(exc, anthropic.APIStatusError | openai.APIStatusError):
        return VisionError(f"{vendor}'s answer could not be read ({type(exc).__name__}).")
    status = exc.status_code
    if status in (401, 403):
        return VisionError(
            f"{vendor} refused the API key (HTTP {status}): "
            f"check {_KEY_SETTING[config.provider]} in .env."
        )
    if status in (408, 409, 429) or status >= 500:
        return VisionError(f"{vendor} is busy or failing (HTTP {status}).", transient=True)
    detail = _upstream_message(exc, config.api_key)
    return VisionError(f"{vendor} refused the request (HTTP {status})"
                       + (f": {detail}" if detail else "."))


def _upstream_message(exc: Exception, api_key: str) -> str:
    """The vendor's own explanation of a refused request ("model not found")."""
    body = getattr(exc, "body", None)  # the error object, or the whole JSON body around it
    error = body.get("error", body) if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return ""
    return " ".join(message.replace(api_key, "***").split())[:200]


def _retry_wait(exc: Exception, attempt: int) -> float:
    """Seconds to wait before the next attempt: what the server asks, else a short backoff."""
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    for name, unit in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return max(float(headers[name]) / unit, 0.0)
        except (KeyError, ValueError):
            continue
    return min(0.5 * 2**attempt, MAX_RETRY_WAIT)


def parse_answer(text: str) -> dict:
    """The `ai_meta` fields in a model's answer, cleaned.

    Models wrap the JSON in ``` fences or put prose around it despite being
    asked not to, so the last JSON object in the text that has our keys wins.
    """
    found = _last_object(text or "", lambda value: any(name in value for name in REQUIRED))
    if found is None:
        raise _unreadable("it holds no JSON object with a title or description", text)
    missing = [name for name in REQUIRED if not _clean(found.get(name))]
    if missing:
        raise _unreadable(f"it has no {' or '.join(missing)}", text)
    meta = {name: _clean(found.get(name)) or PLACEHOLDERS.get(name, "") for name in
            ("title", "artist", "year", "medium", "school", "description")}
    meta["vibes"] = _vibes(found.get("vibes"))
    confidence = _clean(found.get("confidence")).lower()
    meta["confidence"] = confidence if confidence in CONFIDENCES else "low"
    # In the original Docent this says a Google reverse-image search named the
    # work; Docent does no such search.
    meta["vision_identified"] = False
    return meta


def _last_object(text: str, wanted: Callable[[dict], bool]) -> dict | None:
    """The last JSON object in a model's answer that is `wanted` (models wrap their JSON
    in prose or code fences, and may give a draft before the answer)."""
    decoder = json.JSONDecoder()
    found = None
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict) and wanted(value):
            found = value
        start = text.find("{", end)
    return found


def _unreadable(reason: str, text: str) -> VisionError:
    snippet = " ".join((text or "").split())[:80]
    return VisionError(f"The vision model's answer could not be read: {reason} ({snippet!r}).")


def _clean(value) -> str:
    """A value as one line of text: numbers as written ("1831"), lists joined."""
    if value is None or isinstance(value, dict | bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        value = ", ".join(_clean(item) for item in value if _clean(item))
    return " ".join(str(value).split())


def _vibes(value) -> list[str]:
    words = value if isinstance(value, list) else _clean(value).split(",")
    vibes: list[str] = []
    for word in words:
        vibe = _clean(word).lower()
        if vibe and len(vibe) <= MAX_VIBE_LENGTH and vibe not in vibes:
            vibes.append(vibe)
    return vibes[:MAX_VIBES]
