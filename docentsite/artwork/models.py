from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Source(models.TextChoices):
    """Where a picture came from: uploaded here, or a source app's key (its Source in
    docentsite.sources.registry), which no choices list here."""

    UPLOAD = "upload", "Direct upload"


class Status(models.TextChoices):
    """Where a picture is in Docent's library; where it is on each TV is its placements'."""

    PENDING = "pending", "Waiting to be prepared"
    PREPARED = "prepared", "Prepared"
    FAILED = "failed", "Failed"


class PlacementStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the TV"
    UPLOADING = "uploading", "Uploading to the TV"
    ON_TV = "on_tv", "On the TV"
    FAILED = "failed", "Failed"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    REMOVED = "removed", "Removed from the TV"


#: The card's word for each placement state, most pressing first.
_CARD_ORDER = (
    (PlacementStatus.UPLOADING, "uploading"),
    (PlacementStatus.QUEUED, "prepared"),
    (PlacementStatus.NEEDS_ATTENTION, "needs_attention"),
    (PlacementStatus.FAILED, "failed"),
    (PlacementStatus.ON_TV, "on_tv"),
    (PlacementStatus.REMOVED, "removed"),
)
CARD_STATES = {
    "pending": "Waiting to be prepared", "failed": "Failed", "library": "On no TV",
    "uploading": "Uploading to the TV", "prepared": "Prepared, waiting for the TV",
    "needs_attention": "Needs attention", "on_tv": "On the TV",
    "removed": "Removed from the TV",
}


class Framing(models.TextChoices):
    """How a picture meets the TV's 16:9 panel (framing.py)."""

    FILL = "fill", "Fill the screen (cropped to 16:9)"
    FIT = "fit", "The whole picture, on a matte"
    AS_IS = "as_is", "As is"


class CropSource(models.TextChoices):
    """Who chose a crop box: the words the original Docent writes in its `source`
    ("google" there is Google Vision's crop hint; Docent keeps any such word it adopts).
    A vision model's second opinion says its provider: "claude" or "openai"."""

    SMARTCROP = "smartcrop", "Smart crop"
    MANUAL = "manual", "Chosen by hand"


_FRAMING_KNOWN = Q(framing__isnull=True) | Q(framing__in=Framing.values)


class AnalysisStatus(models.TextChoices):
    NONE = "none", "Not analysed"
    PENDING = "pending", "Waiting for analysis"
    RUNNING = "running", "Analysing"
    DONE = "done", "Analysed"
    FAILED = "failed", "Analysis failed"


class Collection(models.Model):
    """A named set of artworks (Summer 2024, Grandma's paintings); an artwork may be in
    several. Deleting one keeps its artworks."""

    name = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # "summer" is Summer: a source's import and the API find a collection by name.
            models.UniqueConstraint(Lower("name"), name="collection_name_unique",
                                    violation_error_message="There is already a collection "
                                                            "by that name."),
        ]

    def __str__(self):
        return self.name


def _placement_order(placement: "Placement") -> tuple:
    # The TV of .env first, then the others by id.
    return (not placement.tv.from_env, placement.tv_id)


class Artwork(models.Model):
    """One picture in Docent's library: its source, the prepared JPEG, its description.

    Where it is shown is its placements' business: one per TV it was sent to.
    """

    source = models.CharField(
        max_length=32, default=Source.UPLOAD,
        help_text="upload, or the key of the source it came from (docentsite.sources).")
    source_ref = models.CharField(
        max_length=255, blank=True, help_text="The source's id for the picture.")
    extra = models.JSONField(
        default=dict, blank=True,
        help_text="Keys of an adopted artwork_meta.json entry that Docent does not model.",
    )
    title = models.CharField(max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    original = models.FileField(upload_to="originals/", blank=True)
    image = models.FileField("prepared JPEG", upload_to="prepared/", blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True)
    # Made with the thumbnail from the one decode of the original: describing
    # the picture later reads this instead of decoding the 4K JPEG again.
    vision = models.FileField(
        "vision copy", upload_to="vision/", blank=True,
        help_text="The smaller JPEG the vision model is shown.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # The original is kept after preparing so the picture can be framed again.
    framing = models.CharField(  # noqa: DJ001
        max_length=8, choices=Framing.choices, null=True, blank=True,
        help_text="How the picture meets the 16:9 screen; empty: decided when it is "
                  "prepared (the TV's, the source's or FRAMING_DEFAULT).")
    # Asked for at import; each TV puts it on only where it suits (matte_fit.py).
    matte = models.CharField(
        max_length=64, blank=True,
        help_text="The matte asked for at import, e.g. shadowbox_polar or none; empty: "
                  "each TV's default. A TV it does not suit uses its default or none.")
    #: {"x", "y", "w", "h", "source"}: the 16:9 window of the original, in its upright
    #: pixels, as the original Docent writes it in artwork_meta.json. Kept when the
    #: framing changes (fill again uses it); only fill crops to it.
    crop_box = models.JSONField(
        "crop box", null=True, blank=True,
        help_text="The part of the original that fill shows, in its upright pixels.")
    original_width = models.PositiveIntegerField(
        null=True, blank=True, help_text="The original's width, upright.")
    original_height = models.PositiveIntegerField(
        null=True, blank=True, help_text="The original's height, upright.")
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

    collections = models.ManyToManyField(Collection, blank=True, related_name="artworks")
    favourite = models.BooleanField(default=False)
    keep = models.BooleanField(
        default=False, help_text="A favourite that rotation never takes off a TV.")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(keep=True) | Q(favourite=True), name="artwork_keep_is_a_favourite",
                violation_error_message="Only a favourite can be kept: star it too."),
            models.CheckConstraint(condition=_FRAMING_KNOWN, name="artwork_framing_known"),
        ]
        indexes = [
            # The gallery's order (newest first, then the admin's -pk): a page is read
            # from this index, not sorted out of the whole library every time.
            models.Index(fields=["created_at", "id"], name="artwork_created_at_id"),
            # The gallery's source filter lists the sources present, on every page.
            models.Index(fields=["source"], name="artwork_source"),
        ]

    def __str__(self):
        return self.title or self.original_filename or f"Artwork {self.pk}"

    def clean_fields(self, exclude=None):
        """`source` is "upload" or an installed source's key: the registry, not a
        choices list, knows them, so a new source needs no migration here."""
        super().clean_fields(exclude=exclude)
        from docentsite.sources.registry import source_get

        checked = exclude is None or "source" not in exclude
        if checked and self.source != Source.UPLOAD and source_get(self.source) is None:
            raise ValidationError({"source": f"No installed source is called {self.source!r}."})

    # -- the gallery card: the library's state and the placements', in one word --------
    # Read from the placements as fetched, with their TVs (prefetched for lists: the
    # gallery fetches them in one query, ArtworkAdmin.get_queryset).

    @property
    def placed(self) -> list["Placement"]:
        given = self.__dict__.get("_placed")
        if given is not None:
            return given
        return sorted(self.placements.all(), key=_placement_order)

    def set_placed(self, placements: list["Placement"]) -> None:
        """What `placed` answers: a list page's placements, each with its TV, read for
        all its artworks at once (cards.with_placements), without a queryset apiece."""
        self._placed = sorted(placements, key=_placement_order)

    @property
    def state(self) -> str:
        """pending, failed, library (on no TV), or the most pressing placement state:
        uploading, prepared (waiting for a TV), needs_attention, failed, on_tv, removed."""
        if self.status != Status.PREPARED:
            return self.status
        states = {p.status for p in self.placed}
        for state, word in _CARD_ORDER:
            if state in states:
                return word
        return "library"

    def get_state_display(self) -> str:
        return CARD_STATES[self.state]

    @property
    def on_any_tv(self) -> bool:
        return any(p.status == PlacementStatus.ON_TV for p in self.placed)

    @property
    def removed_from_all(self) -> bool:
        placed = self.placed
        return bool(placed) and all(p.status == PlacementStatus.REMOVED for p in placed)

    @property
    def shown(self) -> list["Placement"]:
        return [p for p in self.placed if p.status == PlacementStatus.ON_TV]

    @property
    def placement_error(self) -> str:
        return " ".join(f"{p.tv.name}: {p.last_error}" for p in self.placed
                        if p.status in (PlacementStatus.FAILED, PlacementStatus.NEEDS_ATTENTION))

    @property
    def placement_waiting(self) -> "Placement | None":
        return next((p for p in self.placed if p.waiting_reason
                     and p.status in (PlacementStatus.QUEUED, PlacementStatus.UPLOADING)), None)


class TV(models.Model):
    """One Frame TV Docent puts pictures on.

    The TV named by TV_HOST in .env is kept in step with it (`from_env`); others
    are added in the admin or by the API. Its pairing token is a file only its
    owner can read (`token_path`), never a column that a page or an answer shows.
    """

    name = models.CharField(max_length=64, unique=True,
                            help_text="What Docent calls it: Living room, Bedroom…")
    host = models.CharField(max_length=255, help_text="The TV's IP address or host name.")
    port = models.PositiveIntegerField(
        default=8002, help_text="8002 (TLS, needs pairing) or 8001 (plain, older models).")
    matte = models.CharField(
        max_length=64, default="none",
        help_text="The matte new pictures get, e.g. shadowbox_polar or none.")
    portrait_matte = models.CharField(
        max_length=64, blank=True, help_text="For portrait pictures; empty: the same matte.")
    framing = models.CharField(  # noqa: DJ001
        max_length=8, choices=Framing.choices, null=True, blank=True,
        help_text="How new pictures for this TV are framed; empty: FRAMING_DEFAULT "
                  "(portrait pictures are fitted, never cropped, unless chosen so).")
    enabled = models.BooleanField(
        default=True, help_text="A disabled TV gets no new pictures; what it shows stays.")
    from_env = models.BooleanField(
        "from .env", default=False, editable=False,
        help_text="Set by TV_HOST, TV_PORT and TV_MATTE in .env, which win over edits here.")

    # What Docent last learned from the TV itself.
    model_name = models.CharField("model", max_length=64, blank=True)
    art_api_version = models.CharField("art API version", max_length=32, blank=True)
    resolution = models.CharField(max_length=32, blank=True)
    photo_count = models.PositiveIntegerField(
        "personal photos", null=True, blank=True,
        help_text="Pictures in the TV's My Photos when Docent last looked.")
    last_seen_at = models.DateTimeField("last seen", null=True, blank=True)

    # How many pictures Docent lets My Photos hold (capacity.py): the owner's figure, or
    # the one learned when the TV answered that its storage was full.
    capacity = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Pictures the TV's My Photos may hold, its own and others' together; "
                  "empty: no limit known.")
    make_room = models.BooleanField(
        "rotate when full", default=False,
        help_text="When the TV holds its capacity, remove the picture Docent put there "
                  "longest ago to make room for a new one: never a favourite marked keep, "
                  "never a picture Docent did not upload. Off: the new picture waits for you.")
    full_at = models.PositiveIntegerField(
        "full at", null=True, blank=True,
        help_text="Personal photos the TV held when it last answered that its storage "
                  "was full.")
    # Whether the TV keeps favourites of its own (tvfavourites.py): None not asked yet,
    # False its firmware does not know the request (asked again after a firmware update).
    favourites_supported = models.BooleanField(
        "keeps favourites", null=True, blank=True, editable=False,
        help_text="Docent's stars are mirrored to the TV's own Favourites.")
    # Whether the TV changes a picture's matte once it has it (matte_fit.py): None not
    # asked, False it refused change_matte (2025 firmware sets a matte only at upload).
    changes_mattes = models.BooleanField(
        "changes mattes", null=True, blank=True, editable=False,
        help_text="Whether the TV puts another matte around a picture it already has.")
    # Kept so that pages offer the TV's mattes without asking it (matte_fit.py).
    mattes = models.JSONField(
        default=list, blank=True, editable=False,
        help_text="The matte ids the TV offered when Docent last asked.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The .env TV first: the default TV, the first TV's artwork_meta.json, "the first TV".
        ordering = ["-from_env", "pk"]
        verbose_name = "TV"
        # Pairing makes the TV show a prompt in someone's living room: its own permission.
        permissions = [("pair_tv", "Can pair Docent with a TV")]
        constraints = [
            models.UniqueConstraint(fields=["from_env"], condition=Q(from_env=True),
                                    name="tv_one_from_env"),
            models.CheckConstraint(condition=_FRAMING_KNOWN, name="tv_framing_known"),
        ]

    def __str__(self):
        return self.name

    @property
    def token_path(self):
        """The TV_HOST TV keeps TV_TOKEN_FILE (an upgrade stays paired); others their own."""
        from pathlib import Path

        if self.from_env:
            return Path(settings.TV_TOKEN_FILE)
        return Path(settings.DOCENT_DATA_DIR) / "tv-tokens" / f"tv-{self.pk}.token"

    def matte_for(self, width: int | None, height: int | None) -> str:
        portrait = width is not None and height is not None and height > width
        return (self.portrait_matte if portrait and self.portrait_matte else self.matte) or "none"


class Placement(models.Model):
    """One picture on one TV: asked for, on its way, on it, or taken off."""

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="placements")
    tv = models.ForeignKey(TV, on_delete=models.CASCADE, related_name="placements",
                           verbose_name="TV")
    # NULL, not "", until the TV gives one: unique per TV, and many have none yet.
    content_id = models.CharField(  # noqa: DJ001
        "TV content id", max_length=64, null=True, blank=True,
        help_text="The TV's id for the picture, e.g. MY_F0042.",
    )
    matte_id = models.CharField(
        "matte", max_length=64, blank=True,
        help_text="The matte the TV shows around it, e.g. shadowbox_polar or none.",
    )
    # A picture prepared again (a new crop) is uploaded anew before its old copy is
    # deleted; an old copy the TV did not delete then is remembered, and deleted later.
    replaced_content_id = models.CharField(
        "previous copy", max_length=64, blank=True,
        help_text="The TV's id for the copy this picture replaced, still to delete there.")
    # Set when the picture is prepared again while on the TV: the TV's lane uploads the
    # new JPEG and deletes the old copy, then clears it (or the TV refused, and says so).
    replace_asked_at = models.DateTimeField(
        "replacing since", null=True, blank=True,
        help_text="The picture was prepared again; the TV still shows the previous one.")
    # Change matte on a TV that takes a matte only with the picture (2025 firmware): the
    # lane sends the picture again with it (replace_asked_at); matte_id stays what the TV
    # shows until then.
    matte_asked = models.CharField(
        "matte asked for", max_length=64, blank=True,
        help_text="Change matte's matte, to go with the picture when it is sent again.")
    status = models.CharField(max_length=32, choices=PlacementStatus.choices,
                              default=PlacementStatus.QUEUED, db_index=True)
    last_error = models.TextField(blank=True)
    upload_attempts = models.PositiveIntegerField(default=0)
    upload_started_at = models.DateTimeField(null=True, blank=True)
    # The TV's photo ids just before our transfer began. A transfer whose
    # confirmation was lost may still have landed; this is what a retry compares
    # against so it adopts the new picture instead of uploading it twice.
    tv_ids_before = models.JSONField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    # Whether the picture is in the TV's own Favourites, as Docent last set or saw it
    # (None: not known); the lane mirrors the artwork's star when the two differ.
    tv_favourite = models.BooleanField("in the TV's favourites", null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    waiting_reason = models.TextField(
        blank=True, help_text="Why the upload is waiting to be tried again.")
    next_attempt_at = models.DateTimeField("next try", null=True, blank=True)
    matte_note = models.TextField(
        blank=True, help_text="Why the picture is shown without the matte asked for.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tv", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["artwork", "tv"], name="placement_once_per_tv"),
            models.UniqueConstraint(fields=["tv", "content_id"],
                                    name="placement_content_id_per_tv"),
            models.CheckConstraint(
                condition=~Q(status=PlacementStatus.ON_TV) | Q(content_id__isnull=False),
                name="placement_on_tv_has_content_id",
            ),
            models.CheckConstraint(condition=~Q(content_id=""),
                                   name="placement_content_id_not_empty"),
        ]

    def __str__(self):
        return f"{self.artwork} on {self.tv}"

    @property
    def is_on_tv(self) -> bool:
        return self.status == PlacementStatus.ON_TV

    @property
    def matte_name(self) -> str:
        """The matte in words ("Shadowbox, Polar"), as the matte picker names it."""
        from docentsite.artwork.mattes import matte_name

        return matte_name(self.matte_id)


class RefusedMatte(models.Model):
    """A matte this TV would not put around pictures of this shape: never tried again there."""

    tv = models.ForeignKey(TV, on_delete=models.CASCADE, related_name="refused_mattes",
                           verbose_name="TV")
    matte_id = models.CharField("matte", max_length=64)
    shape = models.CharField(max_length=16, help_text="landscape, portrait or square")
    reason = models.TextField(blank=True, help_text="What the TV answered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tv", "matte_id", "shape"]
        constraints = [
            models.UniqueConstraint(fields=["tv", "matte_id", "shape"],
                                    name="refused_matte_once_per_tv_and_shape"),
            models.CheckConstraint(condition=~Q(matte_id="none"),
                                   name="refused_matte_is_a_matte"),
        ]

    def __str__(self):
        return f"{self.tv}: {self.matte_id} ({self.shape})"


class RotationPool(models.TextChoices):
    LIBRARY = "library", "The whole library"
    FAVOURITES = "favourites", "The favourites"
    COLLECTION = "collection", "A collection"


class RotationEvery(models.TextChoices):
    HOURS = "hours", "Every few hours"
    DAY = "day", "Every day"
    WEEK = "week", "Every week"


#: Monday first, as Python's date.weekday() counts.
WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
            (5, "Saturday"), (6, "Sunday")]


def stop_rotations_of_deleted_collection(collector, field, sub_objs, using):
    """A rotation's collection was deleted: the rotation stops (and keeps its settings),
    rather than the row going or its pool silently becoming the whole library. The
    rotation is switched off before its collection is cleared: the database refuses an
    enabled rotation of no collection."""
    collector.add_field_update(Rotation._meta.get_field("enabled"), False, sub_objs)
    collector.add_field_update(field, None, sub_objs)


_POOL_IS_COLLECTION = Q(pool=RotationPool.COLLECTION)


class Rotation(models.Model):
    """A TV's rotation: which pictures it holds, changed on a timer (rotation.py)."""

    tv = models.OneToOneField(TV, on_delete=models.CASCADE, related_name="rotation",
                              verbose_name="TV")
    enabled = models.BooleanField(
        default=True, help_text="Off: the timer leaves the TV as it is; Rotate now still runs.")
    pool = models.CharField(max_length=16, choices=RotationPool.choices,
                            default=RotationPool.FAVOURITES,
                            help_text="Where the pictures come from.")
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=stop_rotations_of_deleted_collection,
        related_name="rotations", help_text="The collection, when the pool is a collection.")
    keep = models.PositiveIntegerField(
        "pictures to keep", default=20,
        help_text="How many of Docent's pictures the TV holds, favourites marked keep "
                  "among them. Pictures not from Docent are not counted and never removed.")
    change = models.PositiveIntegerField(
        "pictures per change", default=2, help_text="How many leave and arrive each time.")
    every = models.CharField("how often", max_length=8, choices=RotationEvery.choices,
                             default=RotationEvery.DAY)
    hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Every this many hours (1 to 168), for every few hours.")
    at = models.TimeField(
        "time of day", null=True, blank=True,
        help_text="For every day or every week (the TIME_ZONE in .env).")
    weekday = models.PositiveSmallIntegerField("day of the week", null=True, blank=True,
                                               choices=WEEKDAYS, help_text="For every week.")
    no_repeat_days = models.PositiveIntegerField(
        "no repeat within (days)", default=30,
        help_text="A picture that was on this TV in these many days is not picked again "
                  "(0: any picture not on the TV now may come back).")
    show_new = models.BooleanField(
        "show one of the new ones", default=False,
        help_text="Only when the TV shows art at that moment: never while someone watches.")
    next_run_at = models.DateTimeField("next run", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~_POOL_IS_COLLECTION | Q(collection__isnull=False) | Q(enabled=False),
                name="rotation_collection_pool_has_collection",
                violation_error_message="Choose the collection the pictures come from."),
            models.CheckConstraint(
                condition=_POOL_IS_COLLECTION | Q(collection__isnull=True),
                name="rotation_collection_only_for_collection_pool",
                violation_error_message="A collection is chosen only for a collection pool."),
            models.CheckConstraint(
                condition=Q(keep__gte=1, keep__lte=10_000), name="rotation_keep_range",
                violation_error_message="Keep 1 to 10000 pictures."),
            models.CheckConstraint(
                condition=Q(change__gte=1, change__lte=1000), name="rotation_change_range",
                violation_error_message="Change 1 to 1000 pictures at a time."),
            models.CheckConstraint(
                condition=Q(no_repeat_days__lte=3650), name="rotation_no_repeat_range",
                violation_error_message="A no-repeat window is at most 3650 days."),
            models.CheckConstraint(
                # isnull=False spelled out: a CHECK passes when it is NULL (unknown).
                condition=(Q(every=RotationEvery.HOURS, hours__isnull=False, hours__gte=1,
                             hours__lte=168, at__isnull=True, weekday__isnull=True)
                           | Q(every=RotationEvery.DAY, hours__isnull=True, at__isnull=False,
                               weekday__isnull=True)
                           | Q(every=RotationEvery.WEEK, hours__isnull=True, at__isnull=False,
                               weekday__isnull=False, weekday__lte=6)),
                name="rotation_schedule_complete",
                violation_error_message="Every few hours needs the hours (1 to 168); every "
                                        "day a time; every week a day and a time."),
        ]

    def __str__(self):
        return f"Rotation of {self.tv}"


class RotationOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class RotationRun(models.Model):
    """One run of a TV's rotation, for its history; the last few are kept per TV."""

    tv = models.ForeignKey(TV, on_delete=models.CASCADE, related_name="rotation_runs",
                           verbose_name="TV")
    outcome = models.CharField(max_length=16, choices=RotationOutcome.choices,
                               default=RotationOutcome.RUNNING)
    #: What started it: the timer, Rotate now (the TVs page, the API) or the command.
    trigger = models.CharField(max_length=16, default="timer")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Consecutive skips (the TV off at each tick) are one entry.
    tries = models.PositiveIntegerField(default=1)
    #: [{"artwork_id", "title"}], in the order they were picked.
    added = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    #: [{"artwork_id", "title", "why"}]
    failed = models.JSONField(default=list, blank=True)
    shown = models.ForeignKey(Artwork, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The new picture it showed.")
    why = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["tv", "-started_at"], name="rotationrun_tv_started")]
        constraints = [
            # Claimed by creating the row: two runs of one TV at once (the timer and
            # Rotate now) cannot both start.
            models.UniqueConstraint(fields=["tv"], condition=Q(outcome="running"),
                                    name="rotationrun_one_running_per_tv"),
            models.CheckConstraint(
                condition=Q(outcome="running") | Q(finished_at__isnull=False),
                name="rotationrun_finished_has_time"),
        ]

    def __str__(self):
        return f"{self.tv} rotation at {self.started_at:%Y-%m-%d %H:%M}"
