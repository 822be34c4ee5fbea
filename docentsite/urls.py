from django.contrib import admin
from django.urls import include, path

from docentsite.api import api
from docentsite.home_views import favicon, home

admin.site.site_header = "Docent"
admin.site.site_title = "Docent"
admin.site.index_title = "Curate your Frame"
# The home page leads with Docent's own pages; a sidebar listing every model
# (Users, Axes, Plex records) on every page is the back office it keeps away.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
    path("admin/", include("docentsite.admin_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
