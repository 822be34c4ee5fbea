from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.templatetags.admin_list import result_headers
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from docentsite import tvstate
from docentsite.artwork import (
    admin_crop,
    admin_tvs,  # noqa: F401 - registers the TVs page
    cards,
    collections,
    matte_change,
    matte_fit,
    mattes,
    pagecache,
    placements,
    reframe,
    services,
    tvfavourites,
    tvs,
)
from docentsite.artwork.errors import DocentError
from docentsite.artwork.forms import (
    CollectionChoiceForm,
    MatteForm,
    TVsForm,
    UploadForm,
    enabled_tvs,
)
from docentsite.artwork.models import (
    TV,
    Artwork,
    Collection,
    Placement,
    PlacementStatus,
    Source,
)
from docentsite.permissions import denied
from docentsite.sources import registry
from docentsite.sources.registry import source_label


def titled(title: str):
    """A choices filter under its own title: two fields are called "status" here."""
    class Titled(admin.ChoicesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class PresentSourceFilter(admin.SimpleListFilter):
    """Only the sources the library holds pictures from: no filter for one never used."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        # One probe a source, each answered from the source index at once: DISTINCT
        # reads the whole index, a time that grows with the library (0.6 ms at 10,000
        # pictures), and the ORM takes 1 ms to compile three Exists().
        keys = [Source.UPLOAD, *(source.key for source in registry.sources())]
        table = connection.ops.quote_name(Artwork._meta.db_table)
        column = connection.ops.quote_name(Artwork._meta.get_field("source").column)
        probe = f"EXISTS(SELECT 1 FROM {table} WHERE {column} = %s)"  # noqa: S608 - no input
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([probe] * len(keys)), keys)
            present = cursor.fetchone()
        return [(key, source_label(key)) for key, there in zip(keys, present, strict=True)
                if there]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


def gallery_tvs(request) -> list[TV]:
    """The TVs, read once a request: the gallery's TV filter and its cards both name them."""
    if not hasattr(request, "_gallery_tvs"):
        request._gallery_tvs = list(TV.objects.all())  # in order: the default TV first
    return request._gallery_tvs


# The status page links to a TV's pictures with both: ?placements__tv__id__exact=1&
# placements__status__exact=on_tv.
_TV_PARAM, _STATUS_PARAM = "placements__tv__id__exact", "placements__status__exact"


class OnTVFilter(admin.SimpleListFilter):
    """On one TV (with the "on a TV" state chosen, in that state there; else shown
    there), or shown on none.

    One condition on one placement: Django's two filters over placements__tv and
    placements__status would each join placements anew, and a picture on TV A and
    queued for TV B would pass "queued on TV A".
    """

    title = "TV"
    parameter_name = _TV_PARAM

    def lookups(self, request, model_admin):
        return [(str(tv.pk), tv.name) for tv in gallery_tvs(request)] + [("none", "On no TV")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.exclude(_placed(status=PlacementStatus.ON_TV))
        if not value.isdigit():
            return queryset.none()
        status = request.GET.get(_STATUS_PARAM)
        if status not in PlacementStatus.values:
            status = PlacementStatus.ON_TV
        return queryset.filter(_placed(tv_id=int(value), status=status))


class PlacementStateFilter(admin.SimpleListFilter):
    """In this state on some TV; with a TV chosen, OnTVFilter asks it of that TV's alone."""

    title = "on a TV"
    parameter_name = _STATUS_PARAM

    def lookups(self, request, model_admin):
        return PlacementStatus.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value or (request.GET.get(_TV_PARAM) or "").isdigit():
            return queryset
        return queryset.filter(_placed(status=value))


def _placed(**placement) -> Exists:
    return Exists(Placement.objects.filter(artwork=OuterRef("pk"), **placement))


class CollectionFilter(admin.SimpleListFilter):
    title = "collection"
    parameter_name = "collection"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Collection.objects.values_list("pk", "name")
                ] + [("none", "In no collection")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(collections__isnull=True)
        if not value.isdigit():
            return queryset.none()
        # One collection, one row per artwork at most (the pair is unique): no DISTINCT.
        return queryset.filter(collections__id=int(value))


class PlacementInline(admin.TabularInline):
    """Where the picture is: one row per TV it was sent to."""

    model = Placement
    extra = 0
    can_delete = False
    fields = ("tv", "status", "now", "content_id", "matte_id", "matte_note", "uploaded_at",
              "upload_attempts", "last_error", "waiting_reason", "next_attempt_at",
              "replace_asked_at", "matte_asked", "replaced_content_id")
    readonly_fields = fields
    verbose_name_plural = "On the TVs"

    @admin.display(description="Now")
    def now(self, placement):
        # As the crop page and the cards say it: a replacement waiting is no error.
        return reframe.replacement_said(placement) if placement.is_on_tv else "—"

    def has_add_permission(self, request, obj=None):
        return False  # "Send to TV…" places pictures; this lists them


@admin.register(Artwork)
class ArtworkAdmin(admin.ModelAdmin):
    # Shown as cards (docentsite/artwork/cards.py), never as these columns: they are
    # what the gallery offers to sort by.
    list_display = ("display_title", "source", "status", "analysis_status", "created_at")
    list_filter = (("status", titled("in the library")), OnTVFilter, PlacementStateFilter,
                   CollectionFilter, "favourite", PresentSourceFilter, "analysis_status")
    search_fields = ("title", "original_filename", "placements__content_id", "source_ref",
                     "ai_title", "ai_artist", "ai_description")
    # Counting the library again for "N results (M total)" is a second COUNT(*) on
    # every page; the unfiltered gallery knows it already (get_changelist_instance).
    show_full_result_count = False
    actions = ("send_to_tv", "reanalyze", "remove_from_tv", "change_matte", "retry",
               "add_to_collection", "remove_from_collection", "mark_favourite",
               "unmark_favourite", "delete_selected")
    inlines = (PlacementInline,)
    action_form = pagecache.ActionForm
    readonly_fields = (
        "preview_large", "source", "source_ref", "original_filename", "width",
        "height", "bytes", "sha256", "status", "last_error", "analysis_status", "ai_title",
        "ai_artist", "ai_year", "ai_medium", "ai_school", "ai_vibes", "ai_description",
        "ai_confidence", "ai_vision_identified", "ai_provider", "ai_model", "ai_analyzed_at",
        "ai_error", "created_by", "created_at", "waiting_reason", "next_attempt_at",
    )
    fieldsets = (
        (None, {"fields": ("preview_large", "title", "status", "last_error", "waiting_reason",
                           "next_attempt_at")}),
        ("Collections and favourite", {"fields": ("collections", "favourite", "keep")}),
        ("Source", {"fields": ("source", "source_ref", "original_filename", "created_by",
                               "created_at")}),
        ("Picture", {"fields": ("width", "height", "bytes", "sha256")}),
        ("Description", {"fields": ("analysis_status", "ai_title", "ai_artist", "ai_year",
                                    "ai_medium", "ai_school", "ai_vibes", "ai_description",
                                    "ai_confidence", "ai_vision_identified", "ai_provider",
                                    "ai_model", "ai_analyzed_at", "ai_error")}),
    )

    formfield_overrides = {
        # The owner's few collections, each a box to tick.
        Artwork.collections.field.__class__: {"widget": forms.CheckboxSelectMultiple},
    }

    def lookup_allowed(self, lookup, value, request=None):
        # OnTVFilter's and PlacementStateFilter's own parameters, named for the links to them.
        return lookup in (_TV_PARAM, _STATUS_PARAM) or super().lookup_allowed(
            lookup, value, request)

    def has_add_permission(self, request):
        # Pictures arrive through "Upload artwork" or a source, never a blank form.
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="artwork_artwork_upload"),
            path("<int:pk>/thumbnail/", wrap(self.file_view, cacheable=True),
                 {"field": "thumbnail"}, name="artwork_artwork_thumbnail"),
            path("<int:pk>/image/", wrap(self.file_view, cacheable=True), {"field": "image"},
                 name="artwork_artwork_image"),
            path("<int:pk>/show/", wrap(self.show_view), name="artwork_artwork_show"),
            path("<int:pk>/remove/", wrap(self.remove_view), name="artwork_artwork_remove"),
            path("<int:pk>/put-back/", wrap(self.put_back_view),
                 name="artwork_artwork_put_back"),
            path("<int:pk>/matte/", wrap(self.matte_view), name="artwork_artwork_matte"),
            path("<int:pk>/favourite/", wrap(self.favourite_view),
                 name="artwork_artwork_favourite"),
            *admin_crop.CropEditor(self).urls(),
        ] + super().get_urls()

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The cards' "Sort by" links: the columns' headers, without building the columns.
        changelist.sort_headers = [header for header in result_headers(changelist)
                                   if header["sortable"]]
        if not changelist.has_active_filters and not changelist.query:
            changelist.full_result_count = changelist.result_count  # no "Show all" link
        # Without the full count Django would offer the actions over no cards at all.
        changelist.show_admin_actions = bool(changelist.result_count)
        # What the cards may offer, and what they say of the TVs, read once for the page.
        all_tvs = gallery_tvs(request)
        # The cards' columns only, and their placements in one query of our own rather
        # than get_queryset's prefetch (which the actions and other pages keep).
        changelist.result_list = cards.with_placements(
            list(changelist.result_list.prefetch_related(None).only(*cards.CARD_FIELDS)),
            tvs=all_tvs)
        default = next((tv for tv in all_tvs if tv.enabled), None)
        changelist.gallery = cards.Gallery(
            url=reverse("admin:artwork_artwork_changelist"), several_tvs=len(all_tvs) > 1,
            # "Show on TV now" never interrupts: the header knows when the default TV is
            # being watched, and its cards say so before anyone clicks.
            watched_tv_id=default.pk if default and tvstate.tv_state_known().key == "watched"
            else None,
            can_change=self.has_change_permission(request),
            can_delete=self.has_delete_permission(request))
        return changelist

    def get_queryset(self, request):
        # One query for every placement of the artworks, with its TV (Artwork.placed);
        # the gallery's page reads them its own way (get_changelist_instance).
        return super().get_queryset(request).prefetch_related(
            Prefetch("placements", queryset=Placement.objects.select_related("tv")))

    @admin.display(description="Title", ordering="title")
    def display_title(self, artwork):
        return str(artwork)

    @admin.display(description="Preview")
    def preview_large(self, artwork):
        return self._img(artwork, "image", 640)

    def _img(self, artwork, field, width):
        if not artwork.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="{}" width="{}" loading="lazy" '
                           'style="height:auto;max-width:100%">', cards.picture_url(artwork, field),
                           str(artwork), width)

    def file_view(self, request, pk, field):
        if not self.has_view_permission(request):
            raise PermissionDenied(denied(["artwork.view_artwork"]))
        artwork = get_object_or_404(Artwork, pk=pk)
        stored = getattr(artwork, field)
        if not stored:
            raise Http404
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
        # Private: pictures are behind the admin login; a prepared JPEG never changes.
        response["Cache-Control"] = "private, max-age=86400"
        return response

    def upload_view(self, request):
        # has_add_permission is False (no blank form); uploading is adding all the same.
        if not request.user.has_perm("artwork.add_artwork"):
            raise PermissionDenied(denied(["artwork.add_artwork"]))
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if form.is_bound and form.is_valid():
            created = services.artwork_upload_files(
                files=form.cleaned_data["files"], analyze=form.cleaned_data["analyze"],
                user=request.user, tvs=form.cleaned_data.get("tvs"),
                framing=form.cleaned_data.get("framing") or None,
                matte=form.cleaned_data.get("matte") or None,
            )
            self.message_user(request, f"{len(created)} picture(s) queued for the TV. "
                              "Their status updates here as they are prepared and uploaded.")
            return redirect("admin:artwork_artwork_changelist")
        context = {**self.admin_site.each_context(request), "form": form,
                   "opts": self.model._meta, "title": "Upload artwork"}
        return TemplateResponse(request, "admin/artwork/artwork/upload.html", context)

    # -- one card's actions: one click (or one question) from the gallery -----------------

    def _card(self, request, pk) -> Artwork:
        if not self.has_change_permission(request):
            raise PermissionDenied(denied(["artwork.change_artwork"]))
        return get_object_or_404(Artwork, pk=pk)

    def show_view(self, request, pk):
        artwork = self._card(request, pk)
        shown_on = TV.objects.filter(pk__in=[p.tv_id for p in artwork.shown])
        chosen = [None]
        if len(shown_on) > 1:
            # On several TVs: which? Each shows it only if it is in Art Mode.
            form = TVsForm(request.POST if "apply" in request.POST else None, tvs=shown_on)
            if not form.is_valid():
                return self._tvs_page(
                    request, form, Artwork.objects.filter(pk=pk).prefetch_related(
                        "placements__tv"), title="Show on TV now",
                    question=f"Show “{artwork}” on which TVs now? A TV someone is watching "
                             "is left alone.",
                    submit="Show on these TVs", post_to=request.path)
            chosen = list(form.cleaned_data["tvs"])
        if request.method == "POST":
            for tv in chosen:
                self._show(request, artwork, tv)
        return redirect("admin:artwork_artwork_changelist")

    def _show(self, request, artwork, tv):
        try:
            shown = placements.artwork_show_now(artwork_id=artwork.pk, tv=tv)
        except DocentError as exc:
            self.message_user(request, f"“{artwork}” not shown: {exc}", messages.WARNING)
        else:
            self.message_user(request, f"{capfirst(tvs.tv_called(shown.tv))} now shows "
                              f"“{artwork}”.")

    def remove_view(self, request, pk):
        artwork = self._card(request, pk)
        shown_on = TV.objects.filter(pk__in=[p.tv_id for p in artwork.shown])
        if len(shown_on) > 1:
            # On several TVs: which? (All of them, unless the owner unticks some.)
            form = TVsForm(request.POST if request.method == "POST" else None, tvs=shown_on,
                           initial={"tvs": list(shown_on)})
            if not form.is_valid():
                return self._tvs_page(
                    request, form, Artwork.objects.filter(pk=pk).prefetch_related(
                        "placements__tv"), title="Remove from TV",
                    question=f"Take “{artwork}” off which TVs? Docent keeps the picture: its card "
                             "stays in the gallery with Put back.",
                    submit="Remove from these TVs", post_to=request.path)
            chosen = list(form.cleaned_data["tvs"])
        elif request.method != "POST":
            context = {**self.admin_site.each_context(request), "artwork": artwork,
                       "opts": self.model._meta, "title": "Remove from TV"}
            return TemplateResponse(request, "admin/artwork/artwork/remove_from_tv.html",
                                    context)
        else:
            chosen = None
        try:
            result = placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=pk),
                                                       tvs_chosen=chosen)
        except DocentError as exc:
            self.message_user(request, f"Nothing was removed: {exc}", messages.ERROR)
        else:
            if result.removed or result.already_gone:
                self.message_user(request, f"“{artwork}” is off the TV and stays in Docent: "
                                  "“Put back” on its card puts it on the TV again.")
            else:
                self._remove_messages(request, result)
        return redirect("admin:artwork_artwork_changelist")

    def put_back_view(self, request, pk):
        artwork = self._card(request, pk)
        if request.method == "POST":
            try:
                placements.artwork_put_back(artwork_id=artwork.pk)
            except DocentError as exc:
                self.message_user(request, f"Not put back: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"“{artwork}” is on its way back to the TV. Its card "
                                  "updates by itself.")
        return redirect("admin:artwork_artwork_changelist")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "favourite" in form.changed_data:
            # Starred on its page: each TV it is on follows, as from the card's star.
            tvfavourites.artworks_starred(artwork_ids=[obj.pk])

    def favourite_view(self, request, pk):
        # The card's star: POST favourite=1 stars it, favourite=0 unstars it.
        artwork = self._card(request, pk)
        if request.method == "POST":
            collections.artwork_favourite(artworks=[artwork],
                                          favourite=request.POST.get("favourite") == "1")
        # Back to the page the star was on, with its filters.
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:artwork_artwork_changelist")
        return redirect(back)

    def matte_view(self, request, pk):
        # The matte question for one card; it answers to the "Change matte" action.
        artwork = self._card(request, pk)
        try:
            offered = _mattes_offered(matte_change.matte_tv(Artwork.objects.filter(pk=pk)),
                                      Artwork.objects.filter(pk=pk))
        except DocentError as exc:
            self.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
            return redirect("admin:artwork_artwork_changelist")
        return self._matte_page(request, Artwork.objects.filter(pk=artwork.pk),
                                MatteForm(mattes=offered), offered, [str(artwork.pk)])

    def _matte_page(self, request, artworks, form, offered, selected):
        shown = artworks[0].shown if len(artworks) == 1 else []
        chosen = form["matte_id"].value() or (shown[0].matte_id if shown else "")
        context = {**self.admin_site.each_context(request), "form": form,
                   "artworks": artworks, "opts": self.model._meta,
                   "title": "Change matte", "action": "change_matte", "selected": selected,
                   "styles": mattes.by_style(offered), "chosen": chosen,
                   "upload_only": _upload_only(artworks)}
        return TemplateResponse(request, "admin/artwork/artwork/change_matte.html", context)

    def changelist_view(self, request, extra_context=None):
        # The owner's gallery, not Django's "Select artwork to change".
        return super().changelist_view(request, {
            "title": "Gallery", "media": pagecache.media(self), **(extra_context or {})})

    def delete_view(self, request, object_id, extra_context=None):
        artwork = self.get_object(request, object_id)
        if artwork is not None and artwork.placements.filter(
                status__in=placements.ON_TV_STATUSES).exists():
            self.message_user(request, on_tv_message([artwork]), messages.ERROR)
            return redirect("admin:artwork_artwork_change", artwork.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Delete selected artworks", permissions=["delete"])
    def delete_selected(self, request, queryset):
        # Refused before Django's confirmation page, which would promise a deletion.
        on_tv = list(queryset.filter(placements__status__in=placements.ON_TV_STATUSES).distinct())
        if on_tv:
            self.message_user(request, on_tv_message(on_tv) + " Nothing was deleted.",
                              messages.ERROR)
            return None
        return django_delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Artwork.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        result = services.artwork_delete(artworks=queryset)
        if result.on_tv:
            self.message_user(request, on_tv_message(result.on_tv), messages.ERROR)

    @admin.action(description="Re-analyze with the vision model", permissions=["change"])
    def reanalyze(self, request, queryset):
        count = services.artwork_reanalyze(artworks=queryset)
        self.message_user(request, f"{count} artwork(s) queued for analysis.")

    @admin.action(description="Send to TV…", permissions=["change"])
    def send_to_tv(self, request, queryset):
        form = TVsForm(request.POST if "apply" in request.POST else None, tvs=enabled_tvs())
        if not form.is_valid():
            return self._tvs_page(
                request, form, queryset, title="Send to TV", action="send_to_tv",
                question="Send the selected pictures to which TVs? A picture already on a TV "
                         "stays as it is there; one removed from it goes back.",
                submit="Send to these TVs")
        chosen = list(form.cleaned_data["tvs"])
        try:
            queued = placements.artwork_place(artworks=queryset, tvs_wanted=chosen)
        except DocentError as exc:
            self.message_user(request, f"Nothing was sent: {exc}", messages.ERROR)
            return None
        names = ", ".join(tv.name for tv in chosen)
        skipped = len(queryset) * len(chosen) - queued
        already = f"; {skipped} already there or on the way" if skipped else ""
        self.message_user(request, f"{queued} picture(s) queued for {names}{already}. Their "
                          "cards update as they go.")
        return None

    def _tvs_page(self, request, form, artworks, *, title, question, submit, action="",
                  post_to=None):
        context = {**self.admin_site.each_context(request), "form": form,
                   "artworks": artworks, "opts": self.model._meta, "title": title,
                   "question": question, "submit": submit, "action": action,
                   "post_to": post_to or reverse("admin:artwork_artwork_changelist"),
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
        return TemplateResponse(request, "admin/artwork/artwork/choose_tvs.html", context)

    @admin.action(description="Remove from TV", permissions=["change"])
    def remove_from_tv(self, request, queryset):
        chosen = None
        shown_on = TV.objects.filter(placements__artwork__in=queryset,
                                     placements__status="on_tv").distinct()
        if len(shown_on) > 1:
            form = TVsForm(request.POST if "apply" in request.POST else None, tvs=shown_on,
                           initial={"tvs": list(shown_on)})
            if not form.is_valid():
                return self._tvs_page(
                    request, form, queryset, title="Remove from TV", action="remove_from_tv",
                    question="Take the selected pictures off which TVs? Docent keeps them: "
                             "their cards stay in the gallery with Put back.",
                    submit="Remove from these TVs")
            chosen = list(form.cleaned_data["tvs"])
        try:
            result = placements.artwork_remove_from_tv(artworks=queryset, tvs_chosen=chosen)
        except DocentError as exc:
            self.message_user(request, f"Nothing was removed: {exc}", messages.ERROR)
            return
        self._remove_messages(request, result)

    def _remove_messages(self, request, result):
        if result.removed:
            # After a stop, which ones were done matters.
            done = f": {_titles(result.removed)}" if result.stopped else ""
            self.message_user(request, f"{len(result.removed)} artwork(s) removed from the "
                              f"TV{done}.")
        if result.already_gone:
            gone = result.already_gone
            self.message_user(request, f"{len(gone)} already gone from the TV (deleted there), "
                              f"now marked removed: {_titles(gone)}.")
        if result.not_on_tv:
            self.message_user(request, f"{len(result.not_on_tv)} not on the TV, left as they "
                              "are.", messages.WARNING)
        for placement, reason in result.refused:
            self.message_user(request, f"{placement.artwork}: not removed. {reason}",
                              messages.WARNING)
        if result.stopped:
            self.message_user(request, f"Nothing more was removed: {result.stopped} Not "
                              f"reached: {_titles(result.left)}.", messages.ERROR)

    @admin.action(description="Change matte", permissions=["change"])
    def change_matte(self, request, queryset):
        try:
            tv = matte_change.matte_tv(queryset)
            offered = _mattes_offered(tv, queryset)
        except DocentError as exc:
            self.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
            return None
        form = MatteForm(request.POST if "apply" in request.POST else None, mattes=offered)
        if not form.is_valid():
            # Ask first: the page posts back here with `apply` and the chosen matte.
            return self._matte_page(request, queryset, form, offered,
                                    request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))
        try:
            result = matte_change.artwork_change_matte(
                artworks=queryset, matte_id=form.cleaned_data["matte_id"], tv=tv)
        except DocentError as exc:
            self.message_user(request, f"No matte was changed: {exc}", messages.ERROR)
            return None
        self._matte_messages(request, result, form.cleaned_data["matte_id"], tv)
        return None

    def _matte_messages(self, request, result, matte_id, tv):
        if result.changed:
            self.message_user(request, f"Matte {mattes.matte_name(matte_id)} on "
                              f"{len(result.changed)} picture(s).")
        if result.queued:
            # Its lane's work: the cards follow it.
            count = len(result.queued)
            self.message_user(request, f"Changing the matte of {count} picture"
                              f"{'' if count == 1 else 's'} on {tv.name}: each is sent again "
                              f"with it, in {tv.name}'s own time.")
        if result.not_on_tv:
            self.message_user(request, f"{len(result.not_on_tv)} not on the TV, left as they "
                              "are.", messages.WARNING)
        for placement, reason in result.refused:
            self.message_user(request, f"{placement.artwork}: {reason} Not every matte fits every "
                              "picture: try another.", messages.WARNING)
        if result.stopped:
            self.message_user(request, f"{len(result.left)} picture(s) not reached: "
                              f"{result.stopped}", messages.ERROR)

    def has_collect_permission(self, request):
        return request.user.has_perm("artwork.change_collection")

    @admin.action(description="Add to collection…", permissions=["collect"])
    def add_to_collection(self, request, queryset):
        allow_new = request.user.has_perm("artwork.add_collection")
        form = CollectionChoiceForm(request.POST if "apply" in request.POST else None,
                                    collections=Collection.objects.all(), allow_new=allow_new)
        if not form.is_valid():
            return self._collection_page(
                request, form, queryset, action="add_to_collection", submit="Add to it",
                question="Add the selected pictures to which collection? They stay in the "
                         "others they are in.")
        try:
            collection = form.cleaned_data["collection"] or collections.collection_named(
                name=form.cleaned_data["new_name"], create=True)
        except DocentError as exc:
            self.message_user(request, f"Nothing was added: {exc}", messages.ERROR)
            return None
        added = collections.collection_add(collection=collection, artworks=queryset)
        self.message_user(request, f"{added} picture(s) added to “{collection}”"
                          f"{'' if added == len(queryset) else '; the others were in it'}.")
        return None

    @admin.action(description="Remove from collection…", permissions=["collect"])
    def remove_from_collection(self, request, queryset):
        form = CollectionChoiceForm(
            request.POST if "apply" in request.POST else None, allow_new=False,
            collections=Collection.objects.filter(artworks__in=queryset).distinct())
        if not form.is_valid():
            return self._collection_page(
                request, form, queryset, action="remove_from_collection",
                submit="Remove from it", question="Take the selected pictures out of which "
                "collection? They stay in the library and in the other collections.")
        collection = form.cleaned_data["collection"]
        removed = collections.collection_remove(collection=collection, artworks=queryset)
        self.message_user(request, f"{removed} picture(s) taken out of “{collection}”.")
        return None

    def _collection_page(self, request, form, artworks, *, action, submit, question):
        context = {**self.admin_site.each_context(request), "form": form,
                   "artworks": artworks, "opts": self.model._meta,
                   "title": "Add to collection" if action == "add_to_collection"
                   else "Remove from collection", "question": question,
                   "submit": submit, "action": action,
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
        return TemplateResponse(request, "admin/artwork/artwork/choose_collection.html",
                                context)

    @admin.action(description="Star as favourite", permissions=["change"])
    def mark_favourite(self, request, queryset):
        count = collections.artwork_favourite(artworks=queryset, favourite=True)
        self.message_user(request, f"{count} picture(s) starred as favourite.")

    @admin.action(description="Unstar favourite", permissions=["change"])
    def unmark_favourite(self, request, queryset):
        count = collections.artwork_favourite(artworks=queryset, favourite=False)
        self.message_user(request, f"{count} picture(s) no longer a favourite.")

    @admin.action(description="Retry failed or stalled uploads", permissions=["change"])
    def retry(self, request, queryset):
        count = services.artwork_retry(artworks=queryset)
        self.message_user(request, f"{count} artwork(s) queued again.")


def on_tv_message(artworks) -> str:
    names = ", ".join(f"“{artwork}”" for artwork in artworks)
    return (f"{names}: on the TV (or on its way there), so not deleted. Use the action "
            "“Remove from TV” first; deleting it here would leave its picture on the TV.")


def _titles(items) -> str:
    """Artworks, or placements named by their artwork (one TV) or artwork and TV."""
    several = Placement.objects.values("tv").distinct().count() > 1
    return ", ".join(str(item.artwork) if isinstance(item, Placement) and not several
                     else str(item) for item in items)


def _mattes_offered(tv, artworks) -> list[str]:
    """The TV's mattes that suit every one of the pictures."""
    # Pictures not on the TV are left as they are: their shape does not count.
    on_tv = artworks.filter(placements__tv=tv, placements__status=PlacementStatus.ON_TV)
    return matte_fit.mattes_suiting(tv=tv, offered=matte_change.matte_change_offer(tv=tv),
                                    artworks=on_tv if on_tv.exists() else artworks)


def _upload_only(artworks) -> str:
    """What the matte page says of a TV that takes a matte only with the picture."""
    tv = matte_change.matte_tv(artworks)
    return "" if tv is None or matte_fit.tv_changes_mattes(tv) else \
        matte_fit.upload_only_reason(tv)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """The owner's collections: create, rename, delete (their pictures stay)."""

    list_display = ("name", "pictures", "created_at")
    search_fields = ("name",)
    fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(picture_count=Count("artworks"))

    @admin.display(description="Pictures", ordering="picture_count")
    def pictures(self, collection):
        url = reverse("admin:artwork_artwork_changelist")
        return format_html('<a href="{}?collection={}">{} in the gallery</a>', url,
                           collection.pk, collection.picture_count)
