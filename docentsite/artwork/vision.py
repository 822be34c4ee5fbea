"""Describe a picture with a vision model: Claude (Anthropic) or OpenAI.

The only module that imports the vendors' SDKs. Each SDK reads its own base
URL variable (ANTHROPIC_BASE_URL, OPENAI_BASE_URL), which is how the tests
point it at a local fake. The result has the original Docent's `ai_meta` shape.
"""

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import anthropic
import openai

from docentsite.artwork.errors import DocentError

PROMPT = """You are a museum docent. Look at this picture, shown on a Samsung Frame TV
as art, and describe it. Answer with one JSON object and nothing else, with keys:
"title": the work's title if you recognise it, otherwise a short descriptive title;
"artist": the artist if known, otherwise "Unknown";
"year": the year or period as text, e.g. "c. 1831", or "" if unknown;
"medium": e.g. "Oil on canvas", "Photograph", "Woodblock print";
"school": the movement or style, e.g. "Impressionism", "Street photography";
"vibes": up to five single lowercase words for the mood, e.g. ["calm", "oceanic"];
"description": two or three sentences a visitor would enjoy reading;
"confidence": "high", "medium" or "low", for how sure you are of title and artist;
"vision_identified": true if you recognised a known work, false otherwise."""

_FIELDS = ("title", "artist", "year", "medium", "school", "description")
_CONFIDENCE = ("high", "medium", "low")
_VENDOR_NAME = {"anthropic": "Claude", "openai": "OpenAI"}
# The original Docent writes "claude" for Anthropic; keep its files readable.
_PROVIDER_TAG = {"anthropic": "claude", "openai": "openai"}


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
    api_key: str
    timeout: float = 60
    max_retries: int = 1

    def __repr__(self) -> str:  # never show the key, even in a traceback's locals
        return f"VisionConfig(provider={self.provider!r}, model={self.model!r})"


def from_settings() -> VisionConfig:
    from django.conf import settings

    provider = settings.AI_PROVIDER
    if provider == "none":
        raise VisionNotConfigured("No vision model is set: set AI_PROVIDER in .env.")
    key_setting = f"{provider.upper()}_API_KEY"
    api_key = getattr(settings, key_setting)
    if not api_key:
        raise VisionNotConfigured(f"AI_PROVIDER is {provider} but {key_setting} is not set.")
    model = getattr(settings, f"{provider.upper()}_MODEL")
    return VisionConfig(provider, model, api_key, timeout=settings.AI_TIMEOUT)


def describe(jpeg: bytes, *, config: VisionConfig) -> dict:
    """The `ai_meta` of a picture: title, artist, ..., provider, model, analyzed_at."""
    ask = {"anthropic": _ask_claude, "openai": _ask_openai}.get(config.provider)
    if ask is None:
        raise VisionNotConfigured(f"Unknown AI provider {config.provider!r}.")
    vendor = _VENDOR_NAME[config.provider]
    try:
        answer = ask(base64.b64encode(jpeg).decode("ascii"), config)
    except (anthropic.APITimeoutError, openai.APITimeoutError):
        raise VisionError(f"{vendor} did not answer within {config.timeout:g} s.",
                          transient=True) from None
    except (anthropic.APIConnectionError, openai.APIConnectionError):
        raise VisionError(f"{vendor} could not be reached.", transient=True) from None
    except (anthropic.APIStatusError, openai.APIStatusError) as exc:
        raise _status_error(vendor, exc.status_code) from None
    meta = parse_answer(answer)
    meta.update(
        provider=_PROVIDER_TAG[config.provider],
        model=config.model,
        analyzed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return meta


def _ask_claude(image_b64: str, config: VisionConfig) -> str:
    client = anthropic.Anthropic(
        api_key=config.api_key, timeout=config.timeout, max_retries=config.max_retries
    )
    message = client.messages.create(
        model=config.model,
        max_tokens=1024,
        messages=[{
            "role": "user",
            "content": [
                {"type": "image", "source": {
                    "type": "base64", "media_type": "image/jpeg", "data": image_b64}},
                {"type": "text", "text": PROMPT},
            ],
        }],
    )
    return "".join(block.text for block in message.content if block.type == "text")


def _ask_openai(image_b64: str, config: VisionConfig) -> str:
    client = openai.OpenAI(
        api_key=config.api_key, timeout=config.timeout, max_retries=config.max_retries
    )
    completion = client.chat.completions.create(
        model=config.model,
        max_tokens=1024,
        messages=[{
            "role": "user",
            "content": [
                {"type": "text", "text": PROMPT},
                {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{image_b64}"}},
            ],
        }],
    )
    if not completion.choices:
        return ""
    return completion.choices[0].message.content or ""


def _status_error(vendor: str, status: int) -> VisionError:
    if status in (401, 403):
        return VisionError(f"{vendor} refused the API key (HTTP {status}): check it in .env.")
    if status == 429 or status >= 500:
        return VisionError(f"{vendor} is busy or failing (HTTP {status}); will try again.",
                           transient=True)
    return VisionError(f"{vendor} refused the request (HTTP {status}).")


def parse_answer(text: str) -> dict:
    """The JSON object in a model's answer, cleaned into `ai_meta` fields.

    Models wrap JSON in ``` fences or add a sentence around it despite being
    asked not to; the outermost {...} is taken.
    """
    match = re.search(r"\{.*\}", text or "", re.DOTALL)
    try:
        found = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        found = None
    if not isinstance(found, dict) or not (found.get("title") or found.get("description")):
        snippet = " ".join((text or "").split())[:80]
        raise VisionError(f"The vision model's answer could not be read: {snippet!r}")
    meta = {field: _text(found.get(field)) for field in _FIELDS}
    vibes = found.get("vibes")
    vibes = vibes if isinstance(vibes, list) else str(vibes or "").split(",")
    meta["vibes"] = [v for v in (_text(v).lower() for v in vibes) if v][:5]
    confidence = _text(found.get("confidence")).lower()
    meta["confidence"] = confidence if confidence in _CONFIDENCE else "low"
    meta["vision_identified"] = found.get("vision_identified") is True
    return meta


def _text(value) -> str:
    return "" if value is None else str(value).strip()
