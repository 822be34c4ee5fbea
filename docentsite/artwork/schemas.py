from datetime import datetime, time
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from docentsite.artwork import frametv, placements, reframe, rotation
from docentsite.artwork.models import PlacementStatus, Rotation


class PlacementOut(Schema):
    """The picture on one TV."""

    tv: str
    tv_id: int
    status: str
    content_id: str | None
    matte_id: str
    matte_note: str = Field("", description="Why it is shown without the matte asked for")
    uploaded_at: datetime | None
    error: str
    waiting_reason: str
    next_attempt_at: datetime | None
    replacing: bool = Field(description="On the TV, and to be sent again by its lane (a new "
                                        "crop, another matte); it shows it as it was until then")
    matte_asked: str = Field("", description="The matte it is to be sent again with")
    said: str = Field(description="Where it stands, in words, as the pages say it")

    @staticmethod
    def resolve_tv(placement):
        return placement.tv.name

    @staticmethod
    def resolve_error(placement):
        return placement.last_error

    @staticmethod
    def resolve_replacing(placement):
        return placement.replace_asked_at is not None

    @staticmethod
    def resolve_said(placement):
        return reframe.replacement_said(placement) if placement.is_on_tv else ""


class ArtworkOut(Schema):
    id: int
    content_id: str | None = Field(description="Its content id on the first TV showing it")
    source: str
    source_ref: str
    title: str
    status: str = Field(description="pending, failed, library (on no TV), or the most "
                                    "pressing of its placements: uploading, prepared, "
                                    "needs_attention, failed, on_tv, removed")
    library_status: str = Field(description="pending, prepared or failed")
    last_error: str
    width: int | None
    height: int | None
    uploaded_at: datetime | None
    placements: list[PlacementOut]
    analysis_status: str
    ai_title: str
    ai_artist: str
    ai_description: str
    ai_vibes: list[str]
    ai_error: str
    favourite: bool
    keep: bool = Field(description="A favourite that rotation never takes off a TV")
    collections: list[int] = Field(description="The ids of its collections "
                                               "(GET /api/collections)")

    @staticmethod
    def resolve_status(artwork):
        return artwork.state

    @staticmethod
    def resolve_library_status(artwork):
        return artwork.status

    @staticmethod
    def resolve_content_id(artwork):
        return placements.content_id_on_first_tv(artwork)

    @staticmethod
    def resolve_uploaded_at(artwork):
        shown = artwork.shown
        return shown[0].uploaded_at if shown else None

    @staticmethod
    def resolve_last_error(artwork):
        return artwork.last_error or artwork.placement_error

    @staticmethod
    def resolve_placements(artwork):
        return artwork.placed

    @staticmethod
    def resolve_collections(artwork):
        return [collection.pk for collection in artwork.collections.all()]


class Message(Schema):
    detail: str


class UploadOut(Schema):
    """One picture kept and queued for the TV by the upload page."""

    id: int
    title: str
    detail: str


class DuplicateOut(Schema):
    """The picture is already in the library; nothing was kept."""

    detail: str
    id: int
    title: str


#: A matte id as the TV spells it: `none`, `shadowbox_polar`.
MatteId = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
#: A TV by name or id, as `GET /api/tvs` lists them.
TVRef = Annotated[int, Field(ge=1, le=2**63 - 1)] | Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class NowShowingOut(Schema):
    content_id: str
    artwork_id: int | None = Field(description="The artwork, when it is one of Docent's")
    title: str | None


class SlideshowOut(Schema):
    mode: str = Field(description="off, shuffle or in order")
    minutes: int | None = Field(description="A picture every this many minutes")
    category_id: str | None = Field(description="MY-C0002 My Photos, MY-C0004 Favourites")


class TVOut(Schema):
    """A TV and what Docent last learned of it. Its pairing token is never shown."""

    id: int
    name: str
    host: str
    port: int
    matte: str
    portrait_matte: str
    mattes: list[str] = Field(description="The matte ids it offered when Docent last asked "
                                          "(its check on the status page asks): what an "
                                          "import's matte is chosen from")
    enabled: bool
    from_env: bool = Field(description="Set by TV_HOST, TV_PORT and TV_MATTE in .env")
    paired: bool = Field(description="Docent holds its pairing token (a TV on the plain "
                                     "port 8001 needs none)")
    model: str = Field(description="The model the TV reported, e.g. 22_PONTUSM_FTV")
    art_api_version: str
    resolution: str
    photo_count: int | None = Field(description="Pictures in its My Photos when last seen")
    used: int | None = Field(description="The pictures it holds, its own and others' (its "
                                         "My Photos when last seen): what capacity counts")
    capacity: int | None = Field(description="Pictures Docent lets it hold; none: no limit "
                                             "known")
    make_room: bool = Field(description="At capacity, Docent removes the picture it put there "
                                        "longest ago before an upload (never a favourite "
                                        "marked keep, never one it did not upload)")
    full_at: int | None = Field(description="Pictures it held when it last answered that its "
                                            "storage was full")
    last_seen_at: datetime | None
    placements: dict[str, int] = Field(
        description="How many pictures it has in each placement state (queued, uploading, "
                    "on_tv, failed, needs_attention, removed)")
    showing: NowShowingOut | None = Field(
        None, description="What the TV showed at its last check (none: not checked, or "
                          "it did not say)")
    slideshow: SlideshowOut | None = Field(
        None, description="The TV's own slideshow at its last check")
    foreign_count: int | None = Field(
        None, description="Pictures on the TV that Docent did not put there (deleted only "
                          "when the owner asks), at its last check")
    favourites_supported: bool | None = Field(
        description="Docent's stars are mirrored to the TV's own Favourites; false: its "
                    "firmware keeps none; null: not asked yet")

    @staticmethod
    def resolve_showing(tv):
        return (getattr(tv, "checked_facts", None) or {}).get("showing")

    @staticmethod
    def resolve_slideshow(tv):
        return (getattr(tv, "checked_facts", None) or {}).get("slideshow")

    @staticmethod
    def resolve_foreign_count(tv):
        return (getattr(tv, "checked_facts", None) or {}).get("foreign_count")

    @staticmethod
    def resolve_paired(tv):
        return tv.port == frametv.PLAIN_PORT or tv.token_path.is_file()

    @staticmethod
    def resolve_used(tv):
        return tv.photo_count

    @staticmethod
    def resolve_model(tv):
        return tv.model_name

    @staticmethod
    def resolve_placements(tv):
        return {status: getattr(tv, f"placed_{status}", 0) for status in PlacementStatus.values}


class TVIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    host: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255,
                                           pattern=r"^[^\s/]+$")] = Field(
        description="The TV's IP address or host name")
    port: int = Field(8002, ge=1, le=65535,
                      description="8002 (TLS, needs pairing) or 8001 (plain, older models)")
    matte: MatteId = Field("none", description="The matte new pictures get")
    portrait_matte: MatteId | None = Field(
        None, description="For portrait pictures; null: the same matte")
    capacity: int | None = Field(None, ge=1, le=100_000,
                                 description="Pictures Docent lets it hold; null: no limit known")
    make_room: bool = Field(False, description="At capacity, remove the picture Docent put "
                                               "there longest ago before an upload")


class PlaceIn(Schema):
    tvs: list[TVRef] = Field(
        default_factory=list, max_length=32,
        description="The TVs to put the picture on, by name or id (GET /api/tvs); "
                    "empty: the default TV")


class PlaceOut(Schema):
    detail: str
    queued: int = Field(description="Placements queued; a TV already showing it is left be")
    placements: list[PlacementOut]


class MatteIn(Schema):
    matte: MatteId = Field(description="One of the TV's mattes (its `mattes` in GET /api/tvs), "
                                       "or none")
    tv: TVRef | None = Field(None, description="The TV, by name or id; null: the first TV the "
                                               "picture is on")


class MatteChangeOut(Schema):
    detail: str
    follow: str = Field(description="Where to look: the picture, whose placement on the TV "
                                    "says `replacing` until it is sent again with the matte")
    placements: list[PlacementOut]


CollectionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=128)]
#: Up to a thousand artworks a request, as the gallery's actions take them.
ArtworkIds = Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]],
                       Field(min_length=1, max_length=1000)]


class CollectionOut(Schema):
    id: int
    name: str
    pictures: int = Field(description="How many artworks it holds")
    created_at: datetime

    @staticmethod
    def resolve_pictures(collection):
        return collection.picture_count


class CollectionIn(Schema):
    name: CollectionName


class ArtworkIdsIn(Schema):
    artwork_ids: ArtworkIds


class CollectionChangeOut(Schema):
    detail: str
    changed: int = Field(description="Artworks that joined (or left) it; those already in "
                                     "(or not in) it are left be")
    collection: CollectionOut


class FavouriteIn(Schema):
    favourite: bool
    keep: bool = Field(False, description="Rotation never takes it off a TV (a favourite only)")


class TVPatchIn(Schema):
    """Only the fields given change; null clears capacity (no limit) and portrait_matte
    (the same matte). What .env sets on its TV (name, host, port, matte) stays."""

    name: Annotated[str, StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64)] = None
    host: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255,
                                           pattern=r"^[^\s/]+$")] = None
    port: int = Field(None, ge=1, le=65535)
    matte: MatteId = Field(None, description="The matte new pictures get")
    portrait_matte: MatteId | None = Field(None, description="For portrait pictures; null: "
                                                             "the same matte")
    enabled: bool = Field(None, description="A disabled TV gets no new pictures")
    capacity: int | None = Field(None, ge=1, le=100_000,
                                 description="Pictures Docent lets it hold; null: no limit known")
    make_room: bool = Field(None, description="At capacity, remove the picture Docent put "
                                              "there longest ago before an upload")


#: A content id as the TV gives it: MY_F0041.
ContentId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ForeignDeleteIn(Schema):
    """Either `content_ids`, or `all` with `confirm_count`: how many pictures not from
    Docent the owner saw on the TV (GET /api/tvs/{id}: foreign_count)."""

    content_ids: list[ContentId] | None = Field(
        None, min_length=1, max_length=500,
        description="Pictures on the TV that Docent did not upload, by content id")
    all: bool = Field(False, description="Every picture on the TV that Docent did not upload")
    confirm_count: int | None = Field(
        None, ge=0, description="With all: their count; 409 when the TV holds another number")


class ForeignDeleteOut(Schema):
    detail: str
    deleted: list[str] = Field(description="Deleted from the TV now")
    already_gone: list[str] = Field(description="Asked for, no longer on the TV")
    kept: list[str] = Field(description="Still on the TV after it was asked to delete them")
    left: int = Field(description="Pictures not from Docent left on the TV")


class RotationIn(Schema):
    """A TV's rotation. PUT: every field not given takes its default; PATCH: only the
    fields given change."""

    enabled: bool = Field(True, description="Off: the timer leaves the TV as it is")
    pool: Literal["library", "favourites", "collection"] = Field(
        "favourites", description="Where the pictures come from")
    collection: int | CollectionName | None = Field(
        None, description="The collection (id or name, GET /api/collections), for the "
                          "collection pool")
    keep: int = Field(20, ge=1, le=10_000,
                      description="Docent's pictures the TV holds, favourites marked keep "
                                  "among them (pictures not from Docent are not counted)")
    change: int = Field(2, ge=1, le=1000, description="Pictures that leave and arrive each run")
    every: Literal["hours", "day", "week"] = Field(
        "day", description="hours: every `hours` hours; day: every day at `at`; week: every "
                           "`weekday` at `at`")
    hours: int | None = Field(None, ge=1, le=168, description="For `every: hours`")
    at: time | None = Field(time(8, 0), description="HH:MM in the server's TIME_ZONE, for "
                                                    "day and week")
    weekday: int | None = Field(None, ge=0, le=6, description="0 Monday … 6 Sunday, for week")
    no_repeat_days: int = Field(30, ge=0, le=3650,
                                description="A picture on the TV in these many days is not "
                                            "picked again")
    show_new: bool = Field(False, description="Show one of the new pictures, only when the "
                                              "TV shows art at that moment")


class RotationOut(Schema):
    enabled: bool
    pool: str
    collection_id: int | None
    collection: str | None = Field(description="The collection's name")
    keep: int
    change: int
    every: str
    hours: int | None
    at: str | None = Field(description="HH:MM, in the server's TIME_ZONE")
    weekday: int | None = Field(description="0 Monday … 6 Sunday")
    no_repeat_days: int
    show_new: bool
    next_run_at: datetime | None = Field(description="When the timer runs it next")
    summary: str = Field(description="In words: Rotates 2 pictures every day at 08:00 · "
                                     "next 08:00")

    @staticmethod
    def resolve_collection(obj):
        return obj.collection.name if obj.collection else None

    @staticmethod
    def resolve_at(obj):
        return obj.at.strftime("%H:%M") if obj.at else None

    @staticmethod
    def resolve_summary(obj):
        return rotation.rotation_card(obj)


class PickOut(Schema):
    artwork_id: int
    title: str
    why: str = Field("", description="Why it was picked, or why it failed")


class RotationRunOut(Schema):
    id: int
    outcome: str = Field(description="running, done, skipped (the TV was off: tried again at "
                                     "the next tick) or failed")
    trigger: str = Field(description="timer, now (the TVs page, the API) or command")
    started_at: datetime
    finished_at: datetime | None
    tries: int = Field(description="Consecutive skips, counted in one entry")
    added: list[PickOut]
    removed: list[PickOut]
    failed: list[PickOut]
    shown_artwork_id: int | None = Field(description="The new picture it showed")
    why: str

    @staticmethod
    def resolve_shown_artwork_id(run):
        return run.shown_id


class TVDetailOut(TVOut):
    rotation: RotationOut | None = Field(description="Its rotation; none: not set")
    rotation_runs: list[RotationRunOut] = Field(description="The last runs, newest first")

    @staticmethod
    def resolve_rotation(tv):
        return Rotation.objects.filter(tv=tv).select_related("collection").first()

    @staticmethod
    def resolve_rotation_runs(tv):
        return rotation.last_runs(tv=tv)


class RotateOut(Schema):
    dry_run: bool
    detail: str
    outcome: str | None = Field(description="The run's outcome; none for a dry run")
    add: list[PickOut] = Field(description="Added, or (dry run) would be added")
    remove: list[PickOut] = Field(description="Removed, or (dry run) would be removed")
    failed: list[PickOut]
    notes: list[str] = Field(description="Why no more (or fewer) pictures change")
    shown_artwork_id: int | None = None
    run: RotationRunOut | None = Field(None, description="The history entry the run left")
