"""The "Import from Plex" admin page: a shell the browser fills from /api/plex/."""

from django.contrib import admin
from django.template.response import TemplateResponse

from docentsite.artwork.forms import default_tv_ids, enabled_tvs
from docentsite.artwork.services import analyze_by_default


def plex_browse(request):
    offered = list(enabled_tvs())
    context = {
        **admin.site.each_context(request),
        "title": "Import from Plex",
        "auto_analyze": analyze_by_default(),
        # The TV picker, when there is a choice: the default TV ticked.
        "tvs": offered if len(offered) > 1 else [],
        "default_tvs": default_tv_ids(),
    }
    return TemplateResponse(request, "admin/plexsource/browse.html", context)
