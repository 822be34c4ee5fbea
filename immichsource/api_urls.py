"""Immich's routes beside ninja's in the `api` namespace, under /api/ (Source.api_urls):
the thumbnails a grid asks for by the dozen, served without ninja."""

from django.urls import path

from immichsource.views import immich_thumbnail

urlpatterns = [
    path("immich/thumbnails/<str:asset_id>", immich_thumbnail, name="immich_thumbnail"),
]
