from django.contrib import admin

from drivesource.models import DriveSync


@admin.register(DriveSync)
class DriveSyncAdmin(admin.ModelAdmin):
    """The Drive folders imported from, with the sync id their pictures carry."""

    list_display = ("name", "folder_id", "sync_id", "last_synced_at", "created_at")
    readonly_fields = ("folder_id", "name", "sync_id", "last_synced_at", "created_at",
                       "updated_at")
    search_fields = ("name", "folder_id", "sync_id")

    def has_add_permission(self, request):
        return False
