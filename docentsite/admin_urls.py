"""Docent's own admin pages, behind the admin login: included before admin.site.urls,
and each source's (Source.admin_urls)."""

from django.urls import include, path

from docentsite.home_views import (
    docent_check_now,
    docent_home,
    docent_pair_tv,
    docent_tv_slideshow,
    docent_tv_state,
)
from docentsite.permissions import admin_page as page
from docentsite.sources.registry import sources

urlpatterns = [
    path("docent/", page(docent_home, "artwork.view_artwork"), name="docent_home"),
    path("docent/check-now/", page(docent_check_now, "artwork.view_artwork"),
         name="docent_check_now"),
    path("docent/pair-tv/", page(docent_pair_tv, "artwork.change_artwork"),
         name="docent_pair_tv"),
    path("docent/tv-slideshow/", page(docent_tv_slideshow, "artwork.change_tv"),
         name="docent_tv_slideshow"),
    path("docent/tv-state/", page(docent_tv_state, "artwork.view_artwork"),
         name="docent_tv_state"),
    *(path("", include(source.admin_urls)) for source in sources() if source.admin_urls),
]
