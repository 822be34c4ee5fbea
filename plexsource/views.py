"""The "Import from Plex" admin page (the core's browse page on /api/plex/), and the
thumbnails its grid shows."""

import re

from docentsite.api import plain_route
from docentsite.sources import thumbnails as served
from docentsite.sources.pages import source_browse_page
from docentsite.sources.registry import source_get
from plexsource import thumbnails


def plex_browse(request):
    return source_browse_page(
        request, source=source_get("plex"), containers="libraries", container_word="Library",
        none_of="photo libraries",
        none="Add one in Plex (a library of the type Photos), then reload this page.",
        whole="Import the whole album")


#: A Plex id as the API takes it (plexsource.schemas.PlexId).
_PLEX_ID = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
_SIZE = re.compile(r"[0-9]{1,4}")
def _signed_as(request, plex_metadata_id: str) -> tuple[str, ...]:
    return thumbnails.signed_as(plex_metadata_id, request.GET.get("t", ""))


@plain_route("plexsource.view_plexphoto", signed_as=_signed_as)
def plex_thumbnail(request, plex_metadata_id: str):
    """GET /api/plex/thumbnails/<id>?t=<thumb path>&s=<signature>&size=240: a JPEG
    through Docent (the browser never sees Plex). Outside ninja: a warm one is a file
    sent as is; signed as the browse page signs it, without reading the session."""
    plex_metadata_id = plex_metadata_id.strip()
    size = request.GET.get("size", "240")
    if not _PLEX_ID.fullmatch(plex_metadata_id):
        return served.refused("The Plex id must be 1-64 characters, none of them a control "
                              "character.")
    if not (_SIZE.fullmatch(size) and 1 <= int(size) <= 4096):
        return served.refused("size must be a whole number of pixels from 1 to 4096.")
    thumbnail = thumbnails.plex_thumbnail(
        plex_metadata_id=plex_metadata_id, size=int(size), thumb=request.GET.get("t", ""))
    # Named by its version (?t=) it never changes; by the photo alone (the admin's
    # lists) it is asked again after a week.
    return served.thumbnail_response(
        request, etag=thumbnail.etag,
        cache_control=served.FOR_GOOD if thumbnail.versioned else served.FOR_A_WEEK,
        body=lambda: (thumbnails.plex_thumbnail_open(thumbnail=thumbnail), "image/jpeg"))
