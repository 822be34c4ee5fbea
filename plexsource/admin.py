from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from docentsite.sources.admin import ImportRecordAdminMixin, summary
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary, PlexPhoto

THUMBNAIL_WIDTH = 96


@admin.register(PlexLibrary)
class PlexLibraryAdmin(admin.ModelAdmin):
    list_display = ("title", "photo_count", "section_key", "last_seen_at")
    search_fields = ("title",)
    readonly_fields = ("section_key", "title", "uuid", "photo_count", "last_seen_at")

    def has_add_permission(self, request):
        return False  # libraries come from Plex


class ImportStateFilter(admin.SimpleListFilter):
    """A photo's import state lives on its ImportRecord, if it has one."""

    title = "import"
    parameter_name = "import"

    def lookups(self, request, model_admin):
        return [("none", "Not imported"), *ImportStatus.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(imports__isnull=True)
        if self.value() in ImportStatus.values:
            return queryset.filter(imports__status=self.value())
        return queryset


@admin.register(PlexPhoto)
class PlexPhotoAdmin(admin.ModelAdmin):
    list_display = ("preview", "title", "album_path", "library", "taken_at", "width", "height",
                    "import_status")
    list_display_links = ("preview", "title")
    list_filter = (ImportStateFilter, "library", ("taken_at", admin.DateFieldListFilter))
    search_fields = ("title", "album_path", "rating_key", "part_file")
    list_select_related = ("library",)
    date_hierarchy = "taken_at"
    actions = ("import_to_tv",)

    def has_add_permission(self, request):
        return False  # photos are remembered while browsing Plex

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("imports")

    @admin.display(description="Thumbnail")
    def preview(self, photo):
        return plex_thumbnail_img(photo.rating_key, str(photo))

    @admin.display(description="Import")
    def import_status(self, photo):
        record = next(iter(photo.imports.all()), None)
        return record.get_status_display() if record else "—"

    def has_import_permission(self, request):
        return request.user.has_perm("plexsource.add_importrecord")

    @admin.action(description="Import selected photos to the TV", permissions=["import"])
    def import_to_tv(self, request, queryset):
        result = services.plex_import_request(
            plex_metadata_ids=list(queryset.values_list("rating_key", flat=True)),
            user=request.user,
        )
        self.message_user(request, summary(result))


@admin.register(ImportRecord)
class ImportRecordAdmin(ImportRecordAdminMixin, admin.ModelAdmin):
    list_display = ("preview", "plex_metadata_id", "photo", "status", "step", "error",
                    "note_text", "waiting", "attempts", "content_id", "requested_at", "finished_at")
    list_display_links = ("preview", "plex_metadata_id")
    list_filter = ("status", "step", "photo__library", "requested_at", "finished_at")
    search_fields = ("plex_metadata_id", "photo__title", "last_error")
    list_select_related = ("photo", "artwork")
    date_hierarchy = "requested_at"
    readonly_fields = [field.name for field in ImportRecord._meta.fields]

    @admin.display(description="Thumbnail")
    def preview(self, record):
        artwork = record.artwork
        if artwork is not None and artwork.thumbnail:
            # The prepared picture is on our disk: no need to ask Plex.
            url = reverse("admin:artwork_artwork_thumbnail", args=[artwork.pk])
            return _img(url, str(record.photo or artwork))
        return plex_thumbnail_img(record.plex_metadata_id, str(record.photo or ""))


def plex_thumbnail_img(plex_metadata_id: str, title: str) -> str:
    # Through Docent's own route: the page never holds Plex's address or token.
    return _img(services.thumbnail_url(plex_metadata_id), title or f"Plex photo {plex_metadata_id}")


def _img(url: str, alt: str) -> str:
    return format_html(
        '<img src="{}" alt="{}" width="{}" loading="lazy" '
        'style="aspect-ratio:4/3;height:auto;object-fit:cover;background:#eee">',
        url, alt, THUMBNAIL_WIDTH,
    )
