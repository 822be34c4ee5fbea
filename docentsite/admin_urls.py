"""Docent's own admin pages, behind the admin login: included before admin.site.urls."""

from django.contrib import admin
from django.urls import path

from docentsite.home_views import docent_home, docent_pair_tv
from plexsource.views import plex_browse

urlpatterns = [
    path("docent/", admin.site.admin_view(docent_home), name="docent_home"),
    path("docent/pair-tv/", admin.site.admin_view(docent_pair_tv), name="docent_pair_tv"),
    path("plex/browse/", admin.site.admin_view(plex_browse), name="plex_browse"),
]
