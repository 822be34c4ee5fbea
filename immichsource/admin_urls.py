"""Immich's own admin pages, included by the core under /admin/ (Source.admin_urls);
its import records are the core's shared list, filtered to Immich."""

from django.urls import path

from docentsite.permissions import admin_page as page
from immichsource.apps import IMMICH_BROWSE
from immichsource.views import immich_browse

urlpatterns = [
    path("immich/browse/", page(immich_browse, *IMMICH_BROWSE), name="immich_browse"),
]
