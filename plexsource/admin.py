from django.contrib import admin

from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary, PlexPhoto


@admin.register(PlexLibrary)
class PlexLibraryAdmin(admin.ModelAdmin):
    list_display = ("title", "photo_count", "section_key", "last_seen_at")
    search_fields = ("title",)
    readonly_fields = ("section_key", "title", "uuid", "photo_count", "last_seen_at")

    def has_add_permission(self, request):
        return False  # libraries come from Plex


@admin.register(PlexPhoto)
class PlexPhotoAdmin(admin.ModelAdmin):
    list_display = ("title", "album_path", "library", "taken_at", "width", "height",
                    "import_status")
    list_filter = ("library", ("taken_at", admin.DateFieldListFilter))
    search_fields = ("title", "album_path", "rating_key", "part_file")
    list_select_related = ("library",)
    actions = ("import_to_tv",)

    def has_add_permission(self, request):
        return False  # photos are remembered while browsing Plex

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("imports")

    @admin.display(description="Import")
    def import_status(self, photo):
        record = next(iter(photo.imports.all()), None)
        return record.get_status_display() if record else "—"

    @admin.action(description="Import selected photos to the TV")
    def import_to_tv(self, request, queryset):
        result = services.plex_import_request(
            plex_metadata_ids=list(queryset.values_list("rating_key", flat=True)),
            user=request.user,
        )
        self.message_user(request, summary(result))


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ("plex_metadata_id", "photo", "status", "step", "attempts", "content_id",
                    "requested_at", "finished_at")
    list_filter = ("status", "step", "photo__library", "requested_at")
    search_fields = ("plex_metadata_id", "photo__title", "last_error")
    list_select_related = ("photo", "artwork")
    actions = ("retry",)
    readonly_fields = [field.name for field in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="On the TV as")
    def content_id(self, record):
        return record.artwork.content_id if record.artwork else "—"

    @admin.action(description="Retry failed imports")
    def retry(self, request, queryset):
        result = services.plex_import_retry(records=queryset)
        ignored = queryset.exclude(status=ImportStatus.FAILED).count()
        note = f" {ignored} not failed, left as they are." if ignored else ""
        self.message_user(request, summary(result) + note)


def summary(result: services.ImportRequestResult) -> str:
    parts = [f"{len(result.queued)} import(s) queued"]
    if result.skipped:
        reasons = "; ".join(sorted({item["reason"].split(" as ")[0] for item in result.skipped}))
        parts.append(f"{len(result.skipped)} skipped ({reasons})")
    if result.errors:
        parts.append(f"{len(result.errors)} could not be imported")
    return ", ".join(parts) + "."
