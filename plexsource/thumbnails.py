"""Plex thumbnails through Docent: asked of Plex's transcoder once per photo, version
and size, then answered from a cache folder as a static file is.

A browse page names each thumbnail by the path Plex listed for it (`t`), which ends in
the photo's version: that URL never changes meaning, so a warm request needs neither
the database nor Plex, and browsers may keep the answer for good. The page signs it
too (`s`, docentsite.signedurls): then the request needs no session either.
"""

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docentsite.artwork.errors import Rejected
from docentsite.sources import thumbnails
from plexsource import client as plex
from plexsource.models import PlexPhoto

THUMBNAIL_SIZES = (240, 480)
#: What Plex lists as a photo's thumbnail: the item's own key, then its version.
_THUMB = re.compile(r"/library/metadata/(\d+)/(?:thumb|composite|art)/(\d+)")


@dataclass(frozen=True)
class Thumbnail:
    plex_metadata_id: str
    thumb: str  # the path on Plex the transcoder starts from
    size: int
    #: Named by its version in the URL the browser asked for (`t`): cacheable for good.
    versioned: bool

    @property
    def version(self) -> str:
        # The thumb path ends in the item's update time: a new version, a new name.
        return self.thumb.rstrip("/").rpartition("/")[2]

    @property
    def etag(self) -> str:
        return f'"{self.plex_metadata_id}-{self.version}-{self.size}"'

    @property
    def path(self) -> Path:
        name = f"{_safe(self.plex_metadata_id)}-{_safe(self.version)}-{self.size}.jpg"
        return thumbnail_dir() / name


def plex_thumbnail(*, plex_metadata_id: str, size: int = 240, thumb: str = "") -> Thumbnail:
    """Which thumbnail to answer with, at the cached size nearest `size`.

    `thumb` is the path Plex listed for the photo (a browse page's `t`): taken only when
    it is this photo's, and then neither the database nor Plex is asked. Without it the
    path comes from the photo's row, or from Plex."""
    size = min(THUMBNAIL_SIZES, key=lambda allowed: abs(allowed - size))
    if thumb:
        match = _THUMB.fullmatch(thumb)
        if match is None or match[1] != plex_metadata_id:
            raise Rejected(f"{thumb[:80]!r} is not a thumbnail of Plex photo "
                           f"{plex_metadata_id} (t= takes the thumb path Plex lists for it).")
        return Thumbnail(plex_metadata_id, thumb, size, versioned=True)
    photo = PlexPhoto.objects.filter(rating_key=plex_metadata_id).only("thumb").first()
    thumb = photo.thumb if photo is not None else ""
    if not thumb:
        thumb = plex.from_settings().item(plex_metadata_id).thumb
    if not thumb:
        raise plex.PlexNotFound(f"Plex has no thumbnail for {plex_metadata_id}.")
    return Thumbnail(plex_metadata_id, thumb, size, versioned=False)


def signed_as(plex_metadata_id: str, thumb: str) -> tuple[str, ...]:
    """What a signed thumbnail URL names (docentsite.signedurls): the photo and the
    version of it, so that its signature opens that thumbnail and no other."""
    return ("plex-thumbnail", plex_metadata_id, thumb)


def plex_thumbnail_open(*, thumbnail: Thumbnail) -> BinaryIO:
    """The thumbnail's JPEG, open for reading: from the cache, or asked of Plex's
    transcoder, answered from memory and cached when closed."""
    with contextlib.suppress(FileNotFoundError):
        return thumbnail.path.open("rb")
    data = plex.from_settings().thumbnail(
        thumb_path=thumbnail.thumb, width=thumbnail.size, height=thumbnail.size)
    return thumbnails.Fetched(data, cache_at=thumbnail.path)


def thumbnail_dir() -> Path:
    return thumbnails.cache_dir("plex")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64]
