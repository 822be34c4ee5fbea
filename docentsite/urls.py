from django.contrib import admin
from django.urls import include, path

from docentsite.api import api
from docentsite.home_views import favicon, home
from docentsite.sources.registry import sources

admin.site.site_header = "Docent"
admin.site.site_title = "Docent"
admin.site.index_title = "Curate your Frame"
# The home page leads with Docent's own pages; a sidebar listing every model
# (Users, Axes, a source's records) on every page is the back office it keeps away.
admin.site.enable_nav_sidebar = False


def api_urls():
    """ninja's routes, and beside them in its namespace (a source's thumbnails) the
    routes ninja does not run, each source's (Source.api_urls): the thumbnails a grid
    asks for by the dozen."""
    routes, app_name, namespace = api.urls
    plain = [path("", include(source.api_urls)) for source in sources() if source.api_urls]
    return [*plain, *routes], app_name, namespace


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
    path("admin/", include("docentsite.admin_urls")),
    path("admin/", admin.site.urls),
    path("api/", api_urls()),
]
