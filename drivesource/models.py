import uuid

from django.db import models


def _new_sync_id() -> str:
    return str(uuid.uuid4())


class DriveSync(models.Model):
    """A Drive folder Docent imports from (DRIVE_FOLDER_URL's), as the original Docent's
    drive_sync.json keeps one: every picture imported from it carries its `sync_id` as
    `drive_sync_id` in artwork_meta.json. The import records themselves are the core's
    (sources.SourceImport, unique by Drive file id)."""

    folder_id = models.CharField("Drive folder id", max_length=200, unique=True)
    name = models.CharField(max_length=255, blank=True)
    sync_id = models.CharField(max_length=64, unique=True, default=_new_sync_id,
                               help_text="drive_sync_id in artwork_meta.json.")
    last_synced_at = models.DateTimeField(
        null=True, blank=True, help_text='When "Import the whole folder" last ran.')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Drive folder"

    def __str__(self):
        return self.name or self.folder_id
