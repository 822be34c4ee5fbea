from django.db import models
from django.db.models import Q

from docentsite.artwork.models import Artwork
from docentsite.sources.models import ImportRecordBase, ImportStatus, ImportStep

__all__ = ["ImportRecord", "ImportStatus", "ImportStep", "PlexLibrary", "PlexPhoto"]


class PlexLibrary(models.Model):
    """A photo library (section) of the Plex server, as last seen."""

    section_key = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=255)
    uuid = models.CharField(max_length=64, blank=True)
    photo_count = models.PositiveIntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "Plex libraries"

    def __str__(self):
        return self.title


class PlexPhoto(models.Model):
    """A photo Docent was asked to import (or `import_plex` listed for an import): a
    cache of Plex's metadata, not a mirror. Browsing writes none: it is read-only."""

    rating_key = models.CharField("Plex ratingKey", max_length=64, unique=True)
    library = models.ForeignKey(PlexLibrary, on_delete=models.CASCADE, related_name="photos")
    album_path = models.CharField(max_length=1024, blank=True)
    title = models.CharField(max_length=255, blank=True)
    taken_at = models.DateField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    format = models.CharField(max_length=32, blank=True)
    # Server paths, never URLs: the token never goes with them.
    thumb = models.CharField(max_length=512, blank=True)
    part_key = models.CharField(max_length=512, blank=True)
    part_file = models.CharField("original file name", max_length=1024, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    plex_updated_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-taken_at", "title"]

    def __str__(self):
        return self.title or self.rating_key


class ImportRecord(ImportRecordBase):
    """One Plex photo's way to the TV. One per photo, ever: the uniqueness of
    plex_metadata_id is what refuses a second upload of the same photo."""

    plex_metadata_id = models.CharField("Plex ratingKey", max_length=64, unique=True)
    photo = models.ForeignKey(
        PlexPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    artwork = models.OneToOneField(
        Artwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="plex_import"
    )

    class Meta(ImportRecordBase.Meta):
        # The names the design card gave them, before the base class had them.
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.DONE) | Q(artwork__isnull=False),
                name="import_done_has_artwork",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
                | Q(finished_at__isnull=False),
                name="import_finished_has_time",
            ),
        ]

    def __str__(self):
        return f"Plex {self.plex_metadata_id}: {self.get_status_display()}"
