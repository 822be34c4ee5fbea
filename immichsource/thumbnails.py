"""Immich thumbnails through Docent: asked of Immich once per asset and size, then
answered from a cache folder as a static file is, so the browser never talks to
Immich and never sees the key."""

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docentsite.sources import thumbnails
from immichsource import client as immich

#: Immich's own sizes: "thumbnail" (250 px, the grid) and "preview" (1440 px).
SIZES = immich.THUMBNAIL_SIZES
_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg", ".png": "image/png", ".avif": "image/avif"}
_EXTENSIONS = {kind: ext for ext, kind in _TYPES.items()}


@dataclass(frozen=True)
class Thumbnail:
    asset_id: str
    size: str

    @property
    def etag(self) -> str:
        return f'"{self.asset_id}-{self.size}"'

    def cached(self) -> Path | None:
        for ext in _TYPES:
            path = thumbnail_dir() / f"{self.asset_id}-{self.size}{ext}"
            if path.exists():
                return path
        return None


def immich_thumbnail(*, asset_id: str, size: str = "thumbnail") -> Thumbnail:
    if size not in SIZES:
        raise immich.ImmichRejected(f"size must be one of {', '.join(SIZES)}, not {size[:20]!r}")
    return Thumbnail(immich._id(asset_id), size)


def immich_thumbnail_open(*, thumbnail: Thumbnail) -> tuple[BinaryIO, str]:
    """The thumbnail's bytes, open for reading, and their type: from the cache, or
    asked of Immich, answered from memory and cached when closed."""
    if (path := thumbnail.cached()) is not None:
        with contextlib.suppress(FileNotFoundError):
            return path.open("rb"), _TYPES[path.suffix]
    data, kind = immich.from_settings().thumbnail(thumbnail.asset_id, size=thumbnail.size)
    ext = _EXTENSIONS.get(kind)
    if ext is None:
        return io.BytesIO(data), kind
    name = f"{thumbnail.asset_id}-{thumbnail.size}{ext}"
    return thumbnails.Fetched(data, cache_at=thumbnail_dir() / name), kind


def thumbnail_dir() -> Path:
    return thumbnails.cache_dir("immich")
