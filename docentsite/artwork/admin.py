"""The gallery: the artwork admin (its cards, upload, a picture's page) and the collections.

The gallery's filters, its actions and their pages, a card's buttons and the crop
editor stand apart: admin_filters.py, admin_actions.py, admin_cards.py, admin_crop.py.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_list import result_headers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from docentsite import tvstate
from docentsite.artwork import (
    admin_actions,
    admin_cards,
    admin_crop,
    admin_filters,
    admin_tvs,  # noqa: F401 - registers the TVs page
    cards,
    pagecache,
    placements,
    reframe,
    services,
    tvfavourites,
)
from docentsite.artwork.forms import UploadForm
from docentsite.artwork.models import Artwork, Collection, Placement
from docentsite.permissions import denied


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
    list_filter = (("status", admin_filters.titled("in the library")), admin_filters.OnTVFilter,
                   admin_filters.PlacementStateFilter, admin_filters.CollectionFilter,
                   "favourite", admin_filters.PresentSourceFilter, "analysis_status")
    search_fields = ("title", "original_filename", "placements__content_id", "source_ref",
                     "ai_title", "ai_artist", "ai_description")
    # Counting the library again for "N results (M total)" is a second COUNT(*) on
    # every page; the unfiltered gallery knows it already (get_changelist_instance).
    show_full_result_count = False
    actions = (admin_actions.send_to_tv, admin_actions.reanalyze, admin_actions.remove_from_tv,
               admin_actions.change_matte, admin_actions.retry, admin_actions.add_to_collection,
               admin_actions.remove_from_collection, admin_actions.mark_favourite,
               admin_actions.unmark_favourite, admin_actions.delete_selected)
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
        return lookup in (admin_filters.TV_PARAM, admin_filters.STATUS_PARAM) or \
            super().lookup_allowed(lookup, value, request)

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
            *admin_cards.CardButtons(self).urls(),
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
        all_tvs = admin_filters.gallery_tvs(request)
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

    def changelist_view(self, request, extra_context=None):
        # The owner's gallery, not Django's "Select artwork to change".
        return super().changelist_view(request, {
            "title": "Gallery", "media": pagecache.media(self), **(extra_context or {})})

    def delete_view(self, request, object_id, extra_context=None):
        artwork = self.get_object(request, object_id)
        if artwork is not None and artwork.placements.filter(
                status__in=placements.ON_TV_STATUSES).exists():
            self.message_user(request, admin_actions.on_tv_message([artwork]), messages.ERROR)
            return redirect("admin:artwork_artwork_change", artwork.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Artwork.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        result = services.artwork_delete(artworks=queryset)
        if result.on_tv:
            self.message_user(request, admin_actions.on_tv_message(result.on_tv),
                              messages.ERROR)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "favourite" in form.changed_data:
            # Starred on its page: each TV it is on follows, as from the card's star.
            tvfavourites.artworks_starred(artwork_ids=[obj.pk])

    def has_collect_permission(self, request):
        return request.user.has_perm("artwork.change_collection")


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
