"""The "Import from Immich" admin page (the shared browse page, filled from
/api/immich/) and the thumbnails its grid shows."""

from docentsite.api import plain_route
from docentsite.sources import thumbnails as served
from docentsite.sources.pages import source_browse_page
from docentsite.sources.registry import source_get
from immichsource import thumbnails
from immichsource.apps import IMMICH_BROWSE


def immich_browse(request):
    """The browse page every library source shares; its picker: All photos, then the
    albums."""
    return source_browse_page(
        request, source=source_get("immich"), containers="albums", container_word="Show",
        none_of="albums", none="Make an album in Immich, or give the API key album.read.",
        items="items")


@plain_route(IMMICH_BROWSE[0])
def immich_thumbnail(request, asset_id: str):
    """GET /api/immich/thumbnails/<asset id>?size=thumbnail|preview: Immich's thumbnail
    through Docent (the browser never sees Immich or its key)."""
    size = request.GET.get("size", "thumbnail")
    if size not in thumbnails.SIZES:
        return served.refused("size must be thumbnail or preview.")
    thumbnail = thumbnails.immich_thumbnail(asset_id=asset_id, size=size)
    # Immich makes a thumbnail once per asset; a week in the browser is safe.
    return served.thumbnail_response(
        request, etag=thumbnail.etag, cache_control=served.FOR_A_WEEK,
        body=lambda: thumbnails.immich_thumbnail_open(thumbnail=thumbnail))
