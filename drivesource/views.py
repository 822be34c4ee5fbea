"""The "Import from Google Drive" admin page (the Plex page's grid, fed from
/api/drive/) and the previews its grid shows."""

from django.contrib import admin
from django.http import FileResponse, HttpResponseNotModified, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import parse_etags

from docentsite.api import plain_route
from docentsite.artwork.forms import default_tv_ids, enabled_tvs
from docentsite.artwork.models import Collection
from docentsite.artwork.services import analyze_by_default
from drivesource import thumbnails
from drivesource.importing import drive_source


def drive_browse(request):
    offered = list(enabled_tvs())
    source = drive_source()
    context = {
        **admin.site.each_context(request),
        "title": "Import from Google Drive",
        "source": source,
        "auto_analyze": analyze_by_default(),
        "tvs": offered if len(offered) > 1 else [],
        "default_tvs": default_tv_ids(),
        "can_collect": request.user.has_perm("artwork.change_collection"),
        "can_add_collection": request.user.has_perm("artwork.add_collection"),
        "collections": Collection.objects.values_list("name", flat=True)
        if request.user.has_perm("artwork.change_collection") else [],
    }
    return TemplateResponse(request, "admin/drivesource/browse.html", context)


_FOR_GOOD = "private, max-age=31536000, immutable"
_FOR_A_DAY = "private, max-age=86400"


@plain_route("sources.view_sourceimport")
def drive_thumbnail(request, drive_file_id: str):
    """GET /api/drive/thumbnails/<id>?v=<version>&size=240: a JPEG through Docent (the
    browser never sees Google, its links or the key)."""
    size = request.GET.get("size", "240")
    if not (size.isascii() and size.isdigit() and 1 <= int(size) <= 4096):
        return JsonResponse({"detail": "size must be a whole number of pixels from 1 to 4096."},
                            status=422)
    thumbnail = thumbnails.drive_thumbnail(file_id=drive_file_id, size=int(size),
                                           version=request.GET.get("v", ""))
    if thumbnail.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(thumbnails.drive_thumbnail_open(thumbnail=thumbnail),
                                content_type="image/jpeg")
    response["ETag"] = thumbnail.etag
    response["Cache-Control"] = _FOR_GOOD if thumbnail.versioned else _FOR_A_DAY
    return response
