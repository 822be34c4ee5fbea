from django.conf import settings
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    UPLOAD = "upload", "Direct upload"
    PLEX = "plex", "Plex"
    # Entries adopted from an original Docent's artwork_meta.json.
    GOOGLE_DRIVE = "google_drive", "Google Drive"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to be prepared"
    PREPARED = "prepared", "Prepared, waiting for the TV"
    UPLOADING = "uploading", "Uploading to the TV"
    ON_TV = "on_tv", "On the TV"
    FAILED = "failed", "Failed"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    REMOVED = "removed", "Removed from the TV"


class AnalysisStatus(models.TextChoices):
    NONE = "none", "Not analysed"
    PENDING = "pending", "Waiting for analysis"
    RUNNING = "running", "Analysing"
    DONE = "done", "Analysed"
    FAILED = "failed", "Analysis failed"


class Artwork(models.Model):
    """One picture that is, was, or is about to be on the TV."""

    content_id = models.CharField(
        "TV content id", max_length=64, unique=True, null=True, blank=True,
        help_text="The TV's id for the picture, e.g. MY_F0042.",
    )
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.UPLOAD)
    source_ref = models.CharField(
        max_length=255, blank=True,
        help_text="The source's id for the picture (Plex ratingKey, Drive file id).",
    )
    extra = models.JSONField(
        default=dict, blank=True,
        help_text="Keys of an adopted artwork_meta.json entry that Docent does not model.",
    )
    title = models.CharField(max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    original = models.FileField(upload_to="originals/", blank=True)
    image = models.FileField("prepared JPEG", upload_to="prepared/", blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # The prepared JPEG's hash cannot tell the next upload of the same file
    # (preparing takes seconds); the received file's own hash can.
    original_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True,
        help_text="sha256 of the file as Docent received it (uploads).")

    status = models.CharField(
        max_length=32, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    last_error = models.TextField(blank=True)
    upload_attempts = models.PositiveIntegerField(default=0)
    upload_started_at = models.DateTimeField(null=True, blank=True)
    # The TV's photo ids just before our transfer began. A transfer whose
    # confirmation was lost may still have landed; this is what a retry compares
    # against so it adopts the new picture instead of uploading it twice.
    tv_ids_before = models.JSONField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    matte_id = models.CharField(
        "matte", max_length=64, blank=True,
        help_text="The matte the TV shows around it, e.g. shadowbox_polar or none.",
    )
    # Liveness and waiting (docentsite.artwork.heartbeat): a running step stamps
    # heartbeat_at; a step waiting to be retried says why and when.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    waiting_reason = models.TextField(
        blank=True, help_text="Why the current step is waiting to be tried again.")
    next_attempt_at = models.DateTimeField("next try", null=True, blank=True)

    analysis_status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.NONE
    )
    ai_title = models.CharField(max_length=255, blank=True)
    ai_artist = models.CharField(max_length=255, blank=True)
    ai_year = models.CharField(max_length=64, blank=True)
    ai_medium = models.CharField(max_length=255, blank=True)
    ai_school = models.CharField(max_length=255, blank=True)
    ai_vibes = models.JSONField(default=list, blank=True)
    ai_description = models.TextField(blank=True)
    ai_confidence = models.CharField(max_length=16, blank=True)
    ai_vision_identified = models.BooleanField(default=False)
    ai_provider = models.CharField(max_length=32, blank=True)
    ai_model = models.CharField(max_length=128, blank=True)
    ai_analyzed_at = models.DateTimeField(null=True, blank=True)
    ai_error = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.ON_TV) | Q(content_id__isnull=False),
                name="artwork_on_tv_has_content_id",
            ),
            models.CheckConstraint(
                condition=~Q(content_id=""), name="artwork_content_id_not_empty"
            ),
        ]

    def __str__(self):
        return self.title or self.original_filename or self.content_id or f"Artwork {self.pk}"

    @property
    def is_on_tv(self) -> bool:
        return self.status == Status.ON_TV

    @property
    def matte_name(self) -> str:
        """The matte in words ("Shadowbox, Polar"), as the matte picker names it."""
        from docentsite.artwork.mattes import matte_name

        return matte_name(self.matte_id)
