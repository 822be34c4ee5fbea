"""Docent's own admin pages, behind the admin login: included before admin.site.urls."""

from django.contrib import admin
from django.urls import path

from docentsite.home_views import (
    docent_check_now,
    docent_home,
    docent_pair_tv,
    docent_tv_foreign_delete,
    docent_tv_slideshow,
    docent_tv_state,
)
from docentsite.permissions import PLEX_BROWSE, page_requires
from plexsource.views import plex_browse


def page(view, *perms):
    return admin.site.admin_view(page_requires(*perms)(view))


urlpatterns = [
    path("docent/", page(docent_home, "artwork.view_artwork"), name="docent_home"),
    path("docent/check-now/", page(docent_check_now, "artwork.view_artwork"),
         name="docent_check_now"),
    path("docent/pair-tv/", page(docent_pair_tv, "artwork.change_artwork"),
         name="docent_pair_tv"),
    path("docent/tv-slideshow/", page(docent_tv_slideshow, "artwork.change_tv"),
         name="docent_tv_slideshow"),
    path("docent/tv-foreign-delete/", page(docent_tv_foreign_delete, "artwork.change_tv"),
         name="docent_tv_foreign_delete"),
    path("docent/tv-state/", page(docent_tv_state, "artwork.view_artwork"),
         name="docent_tv_state"),
    path("plex/browse/", page(plex_browse, *PLEX_BROWSE), name="plex_browse"),
]
