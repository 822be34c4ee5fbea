"""One import record per (source, picture): the state of its way to the TVs.

Every source's records share ImportRecordBase's fields, so the core's import machinery
(docentsite.sources.imports) works on any of them. A source without a model of its own
uses SourceImport, unique by (source, ref); a source may keep a model of its own
(unique by its id field) derived from the same base (docs/sources.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from docentsite.artwork.models import Artwork


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "In progress"
    DONE = "done", "On the TV"
    FAILED = "failed", "Failed"


class ImportStep(models.TextChoices):
    QUEUED = "queued", "Queued"
    DOWNLOADING = "downloading", "Downloading"
    PREPARING = "preparing", "Preparing"
    UPLOADING = "uploading", "Uploading"
    ANALYZING = "analyzing", "Analyzing"
    DONE = "done", "Done"


class ImportRecordBase(models.Model):
    """One picture's way to the TV. One per picture, ever: the uniqueness of its
    source's id for it is what refuses a second upload of the same picture."""

    artwork = models.OneToOneField(
        Artwork, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="%(app_label)s_%(class)s")
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    step = models.CharField(max_length=16, choices=ImportStep.choices, default=ImportStep.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    note = models.CharField(
        max_length=255, blank=True,
        help_text="Something a person may want to know about an import that went well.")
    # As on Artwork: the download stamps heartbeat_at while it runs; a step
    # waiting to be retried (the source down, the TV off) says why and when.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    waiting_reason = models.TextField(
        blank=True, help_text="Why the current step is waiting to be tried again.")
    next_attempt_at = models.DateTimeField("next try", null=True, blank=True)
    analyze = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.DONE) | Q(artwork__isnull=False),
                name="%(app_label)s_%(class)s_done_has_artwork",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
                | Q(finished_at__isnull=False),
                name="%(app_label)s_%(class)s_finished_has_time",
            ),
        ]


class SourceImport(ImportRecordBase):
    """The import record of a source that keeps none of its own."""

    source = models.CharField(max_length=32, db_index=True)
    ref = models.CharField("the source's id", max_length=255)
    title = models.CharField(max_length=255, blank=True,
                             help_text="What the source calls the picture.")

    class Meta(ImportRecordBase.Meta):
        verbose_name = "import"
        constraints = [
            *ImportRecordBase.Meta.constraints,
            models.UniqueConstraint(fields=["source", "ref"], name="source_import_unique_ref"),
        ]

    def __str__(self):
        from docentsite.sources.registry import source_label

        return f"{source_label(self.source)} {self.title or self.ref}: {self.get_status_display()}"
