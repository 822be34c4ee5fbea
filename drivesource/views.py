"""The "Import from Google Drive" admin page (every library source's page, fed from
/api/drive/) and the previews its grid shows."""

from django.http import FileResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import parse_etags

from docentsite.api import plain_route
from docentsite.sources.pages import source_browse_page
from drivesource import thumbnails
from drivesource.importing import drive_source


def drive_browse(request):
    return source_browse_page(
        request, source=drive_source(), containers="folders", container_word="Folder",
        none_of="shared folder",
        none="Set DRIVE_FOLDER_URL to a folder shared with anyone with the link.",
        items="pictures", album="Folder", whole="Import the whole folder",
        whole_below="with its subfolders")


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
