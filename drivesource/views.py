"""The "Import from Google Drive" admin page (every library source's page, fed from
/api/drive/) and the previews its grid shows."""

from docentsite.api import plain_route
from docentsite.sources import thumbnails as served
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


@plain_route("sources.view_sourceimport")
def drive_thumbnail(request, drive_file_id: str):
    """GET /api/drive/thumbnails/<id>?v=<version>&size=240: a JPEG through Docent (the
    browser never sees Google, its links or the key)."""
    size = request.GET.get("size", "240")
    if not (size.isascii() and size.isdigit() and 1 <= int(size) <= 4096):
        return served.refused("size must be a whole number of pixels from 1 to 4096.")
    thumbnail = thumbnails.drive_thumbnail(file_id=drive_file_id, size=int(size),
                                           version=request.GET.get("v", ""))
    return served.thumbnail_response(
        request, etag=thumbnail.etag,
        cache_control=served.FOR_GOOD if thumbnail.versioned else served.FOR_A_DAY,
        body=lambda: (thumbnails.drive_thumbnail_open(thumbnail=thumbnail), "image/jpeg"))
