"""Plex's own admin pages, included by the core under /admin/ (Source.admin_urls)."""

from django.urls import path

from docentsite.permissions import admin_page as page
from plexsource.views import plex_browse

# The Import from Plex page calls these routes of /api/plex/.
PLEX_BROWSE = ("plexsource.view_plexlibrary", "plexsource.view_plexphoto",
               "plexsource.view_importrecord", "plexsource.add_importrecord")

urlpatterns = [
    path("plex/browse/", page(plex_browse, *PLEX_BROWSE), name="plex_browse"),
]
