"""The "Import from Plex" admin page, a shell the browser fills from /api/plex/, and the
thumbnails its grid shows."""

import re

from django.contrib import admin
from django.http import FileResponse, HttpResponseNotModified, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import parse_etags

from docentsite.api import plain_route
from docentsite.artwork.forms import default_tv_ids, enabled_tvs
from docentsite.artwork.models import Collection
from docentsite.artwork.services import analyze_by_default
from plexsource import thumbnails


def plex_browse(request):
    offered = list(enabled_tvs())
    context = {
        **admin.site.each_context(request),
        "title": "Import from Plex",
        "auto_analyze": analyze_by_default(),
        # The TV picker, when there is a choice: the default TV ticked.
        "tvs": offered if len(offered) > 1 else [],
        "default_tvs": default_tv_ids(),
        # "Put in collection": its names offered as the owner types.
        "can_collect": request.user.has_perm("artwork.change_collection"),
        "can_add_collection": request.user.has_perm("artwork.add_collection"),
        "collections": Collection.objects.values_list("name", flat=True)
        if request.user.has_perm("artwork.change_collection") else [],
    }
    return TemplateResponse(request, "admin/plexsource/browse.html", context)


#: A Plex id as the API takes it (plexsource.schemas.PlexId).
_PLEX_ID = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
_SIZE = re.compile(r"[0-9]{1,4}")
#: A thumbnail named by its version (?t=) never changes: browsers keep it for good.
_FOR_GOOD = "private, max-age=31536000, immutable"
#: One named by the photo alone (the admin's lists) is asked again after a week.
_FOR_A_WEEK = "private, max-age=604800"


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
        return _refused("The Plex id must be 1-64 characters, none of them a control "
                        "character.")
    if not (_SIZE.fullmatch(size) and 1 <= int(size) <= 4096):
        return _refused("size must be a whole number of pixels from 1 to 4096.")
    thumbnail = thumbnails.plex_thumbnail(
        plex_metadata_id=plex_metadata_id, size=int(size), thumb=request.GET.get("t", ""))
    if thumbnail.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(thumbnails.plex_thumbnail_open(thumbnail=thumbnail),
                                content_type="image/jpeg")
    response["ETag"] = thumbnail.etag
    response["Cache-Control"] = _FOR_GOOD if thumbnail.versioned else _FOR_A_WEEK
    return response


def _refused(detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=422)
