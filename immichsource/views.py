"""The "Import from Immich" admin page, a shell the browser fills from /api/immich/,
and the thumbnails its grid shows."""

from django.contrib import admin
from django.http import FileResponse, HttpResponseNotModified, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import parse_etags

from docentsite.api import plain_route
from docentsite.artwork.forms import default_tv_ids, enabled_tvs
from docentsite.artwork.models import Collection
from docentsite.artwork.services import analyze_by_default
from immichsource import thumbnails
from immichsource.apps import IMMICH_BROWSE

#: Immich makes a thumbnail once per asset; a week in the browser is safe.
_FOR_A_WEEK = "private, max-age=604800"


def immich_browse(request):
    offered = list(enabled_tvs())
    can_collect = request.user.has_perm("artwork.change_collection")
    context = {
        **admin.site.each_context(request),
        "title": "Import from Immich",
        "auto_analyze": analyze_by_default(),
        "tvs": offered if len(offered) > 1 else [],
        "default_tvs": default_tv_ids(),
        "can_collect": can_collect,
        "can_add_collection": request.user.has_perm("artwork.add_collection"),
        "collections": Collection.objects.values_list("name", flat=True) if can_collect else [],
    }
    return TemplateResponse(request, "admin/immichsource/browse.html", context)


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
