"""Drive's routes beside ninja's in the `api` namespace, under /api/ (Source.api_urls):
the previews a grid asks for by the dozen, served without ninja."""

from django.urls import path

from drivesource.views import drive_thumbnail

urlpatterns = [
    path("drive/thumbnails/<str:drive_file_id>", drive_thumbnail, name="drive_thumbnail"),
]
