"""The "Import from Plex" admin page: a shell the browser fills from /api/plex/."""

from django.contrib import admin
from django.template.response import TemplateResponse

from docentsite.artwork.services import analyze_by_default


def plex_browse(request):
    context = {
        **admin.site.each_context(request),
        "title": "Import from Plex",
        "auto_analyze": analyze_by_default(),
    }
    return TemplateResponse(request, "admin/plexsource/browse.html", context)
