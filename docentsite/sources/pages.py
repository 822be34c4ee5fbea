"""The browse page every library source shares: one template, script and stylesheet
(admin/sources/browse.html, static/sources/browse.js and .css): the grid, the
multi-select, the progress panel and the re-import warning. A source's view calls
source_browse_page with what its API calls things and what the page should say."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse

from docentsite.artwork import matte_fit
from docentsite.artwork.forms import default_tv_ids, enabled_tvs, import_matte_choices
from docentsite.artwork.models import Collection, Framing
from docentsite.artwork.services import analyze_by_default
from docentsite.sources.registry import Source


def source_browse_page(
    request, *, source: Source, containers: str, container_word: str, none_of: str,
    none: str, items: str = "photos", album: str = "Album", whole: str = "",
    whole_below: str = "",
) -> TemplateResponse:
    """"Import from <label>", a shell the browser fills from /api/<api_prefix>/.

    The source's API answers the page's requests: `status` (configured, connected,
    error; server.name if any), `<containers>` (a list of {id, title, photo_count}),
    `<containers>/<id>?page=&page_size=&album=&hide_imported=` (a page: library,
    album {id, title, path}, page, page_size, total (null when the source cannot
    count what it lists: then has_next says whether a next page follows), items of
    type "photo" or "album" with the source's id under its ref_name, title, thumbnail_url,
    taken_at, imported, import_status), `import` (POST {<ref_name>s: [...], analyze,
    force, tvs, collection, framing, matte}) and `imports?<ref_name>=...` (records with
    status, step, error, waiting_reason, next_attempt_at, content_id, placements, title).

    `containers`: the API path and the word for what is browsed ("libraries");
    `container_word`: its picker's label ("Library"); `none_of` and `none`: what the
    page says when there is none ("shared folders", "Set DRIVE_FOLDER_URL ...");
    `items`: the word after a container's count ("photos"); `album`: what an item of
    type "album" is called on its tile ("Folder").

    `whole`: the label of a button importing everything in the album shown (or the
    container, at its top) that is not imported yet, for a source whose `import` also
    takes {album: <id>, below: bool, analyze, tvs, collection}; `whole_below`: the
    label of the box that takes the albums below it too.
    """
    offered = list(enabled_tvs())
    api_prefix = source.api_prefix or source.key
    model = source.record_model._meta
    context = {
        **admin.site.each_context(request),
        "title": f"Import from {source.label}",
        "auto_analyze": analyze_by_default(),
        "framings": Framing.choices,
        # The mattes the TVs listed when Docent last asked (no TV is asked for the page);
        # a photo's shape is not known here, so each TV decides per photo at upload.
        "matte_select": forms.Select(
            choices=import_matte_choices(matte_fit.import_mattes(offered))).render(
            "matte", "", attrs={"id": "browse-matte", "aria-describedby": "browse-matte-hint"}),
        # The TV picker, when there is a choice: the default TV ticked.
        "tvs": offered if len(offered) > 1 else [],
        "default_tvs": default_tv_ids(),
        # "Put in collection": its names offered as the owner types.
        "can_collect": request.user.has_perm("artwork.change_collection"),
        "can_add_collection": request.user.has_perm("artwork.add_collection"),
        "collections": Collection.objects.values_list("name", flat=True)
        if request.user.has_perm("artwork.change_collection") else [],
        "browse": {
            "api": f"{reverse('api:api-root')}{api_prefix}/",
            "ref": source.ref_name, "refs": f"{source.ref_name}s",
            "imports_url": reverse(f"admin:{model.app_label}_{model.model_name}_changelist"),
            "container_word": container_word,
            "whole": whole, "whole_below": whole_below,
            "words": {"label": source.label, "setup": "\n".join(source.setup_lines),
                      "hint": source.hint, "containers": containers, "none_of": none_of,
                      "none": none, "items": items, "album": album},
        },
    }
    return TemplateResponse(request, "admin/sources/browse.html", context)
