"""Drive's own admin pages, included by the core under /admin/ (Source.admin_urls)."""

from django.urls import path

from docentsite.permissions import admin_page as page
from drivesource.views import drive_browse

# The Import from Google Drive page calls these routes of /api/drive/.
DRIVE_BROWSE = ("sources.view_sourceimport", "sources.add_sourceimport")

urlpatterns = [
    path("drive/browse/", page(drive_browse, *DRIVE_BROWSE), name="drive_browse"),
]
