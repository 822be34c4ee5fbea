"""Plex's routes beside ninja's in the `api` namespace, under /api/ (Source.api_urls):
the thumbnails a grid asks for by the dozen, served without ninja."""

from django.urls import path

from plexsource.views import plex_thumbnail

urlpatterns = [
    path("plex/thumbnails/<str:plex_metadata_id>", plex_thumbnail, name="plex_thumbnail"),
]
