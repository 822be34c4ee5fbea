"""The "Import from Immich" admin page (the shared browse page, filled from
/api/immich/) and the thumbnails its grid shows."""

from django.http import FileResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import parse_etags

from docentsite.api import plain_route
from docentsite.sources.pages import source_browse_page
from docentsite.sources.registry import source_get
from immichsource import thumbnails
from immichsource.apps import IMMICH_BROWSE

#: Immich makes a thumbnail once per asset; a week in the browser is safe.
_FOR_A_WEEK = "private, max-age=604800"


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
        return JsonResponse({"detail": "size must be thumbnail or preview."}, status=422)
    thumbnail = thumbnails.immich_thumbnail(asset_id=asset_id, size=size)
    if thumbnail.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        body, kind = thumbnails.immich_thumbnail_open(thumbnail=thumbnail)
        response = FileResponse(body, content_type=kind)
    response["ETag"] = thumbnail.etag
    response["Cache-Control"] = _FOR_A_WEEK
    return response
