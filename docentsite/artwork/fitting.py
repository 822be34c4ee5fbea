"""Untrusted text cut to the database's measure.

Titles from a source, file names and whatever a vision model answers come from
outside. PostgreSQL refuses a value longer than its column, or one holding a
NUL character, where SQLite keeps either silently; so such values are cleaned
and cut to their field's max_length before saving, on every database alike.
"""

from pathlib import PurePath

from django.db import models

ELLIPSIS = "…"


def clip(text: str, limit: int | None) -> str:
    """``text`` without NULs, cut to ``limit`` characters with an ellipsis."""
    text = text.replace("\x00", "")
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def clip_filename(name: str, limit: int) -> str:
    """A file name cut to ``limit`` characters, keeping its extension."""
    name = name.replace("\x00", "")
    if len(name) <= limit:
        return name
    suffix = PurePath(name).suffix
    if len(suffix) > limit // 2:
        suffix = ""
    return clip(name[: len(name) - len(suffix)], limit - len(suffix)) + suffix


def fitted(model: type[models.Model], **values) -> dict:
    """``values`` for ``model``'s fields, each text cut to its field's max_length."""
    out = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = clip(value, model._meta.get_field(name).max_length)
        out[name] = value
    return out
