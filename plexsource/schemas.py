from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from docentsite.artwork import placements
from docentsite.artwork.schemas import CollectionName

#: A Plex ratingKey as Docent stores it: opaque text, no control characters.
PlexId = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
)]
#: Ids of Docent's own rows fit a signed 64-bit database column.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
#: Deeper pages than this are no one's reading: 50 million photos at 50 a page.
MAX_PAGE_NUMBER = 1_000_000


class ServerOut(Schema):
    name: str
    version: str
    machine_identifier: str


class StatusOut(Schema):
    configured: bool
    connected: bool
    server: ServerOut | None
    library_count: int | None
    error: str | None
    checked_at: datetime | None = Field(
        None, description="When Docent last asked Plex (a worker does, every "
                          "STATUS_CHECK_INTERVAL seconds); null when the settings alone tell, "
                          "or before the first time")


class LibraryOut(Schema):
    id: int
    title: str
    photo_count: int | None


class CrumbOut(Schema):
    id: str | None = Field(description="Album ratingKey; null for the library's top")
    title: str


class AlbumOut(Schema):
    id: str
    title: str
    path: list[CrumbOut]


class BrowseItemOut(BaseModel):
    """A plain pydantic model, read from the service's dataclass: ninja's Schema wraps
    each object it reads in a getter of its own, ten times the cost, and a page holds
    up to 200 items (benchmarks/browse.py)."""

    model_config = ConfigDict(from_attributes=True)

    plex_metadata_id: str
    type: str = Field(description='"album" or "photo"')
    title: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


class BrowseOut(Schema):
    library: LibraryOut
    album: AlbumOut | None
    page: int
    page_size: int
    total: int
    items: list[BrowseItemOut]


#: A TV by name or id, as `GET /api/tvs` lists them.
TVRef = RowId | Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ImportIn(Schema):
    plex_metadata_ids: list[PlexId] = Field(
        default_factory=list, max_length=1000, description="The photos; or an album")
    album: PlexId | None = Field(
        None, description="Instead of plex_metadata_ids: every photo of this album (its "
                          "ratingKey; nested albums included) not imported yet")
    container: RowId | None = Field(None, description="The album's library (its id)")
    top: bool = Field(False, description="The browse page sends true at a library's top, "
                                         "where a whole library is not imported at a click")
    analyze: bool | None = Field(None, description="null: the AUTO_ANALYZE setting")
    force: bool = Field(False, description="Import again photos already on the TV")
    tvs: list[TVRef] = Field(
        default_factory=list, max_length=32,
        description="The TVs to put the photos on, by name or id (GET /api/tvs); "
                    "empty: the default TV")
    collection: CollectionName | None = Field(
        None, description="A collection's name: the photos join it, those imported before "
                          "too; made if there is none by that name (GET /api/collections)")

    @model_validator(mode="after")
    def photos_or_an_album(self):
        if self.album and self.plex_metadata_ids:
            raise ValueError("Give plex_metadata_ids or an album, not both.")
        if self.album and self.container is None:
            raise ValueError("An album needs its library: container.")
        if not (self.album or self.plex_metadata_ids):
            raise ValueError("Give plex_metadata_ids (at least one) or an album.")
        return self


class SkippedOut(Schema):
    plex_metadata_id: str
    reason: str


class ImportErrorOut(Schema):
    plex_metadata_id: str
    error: str


class ImportOut(Schema):
    queued: list[str]
    skipped: list[SkippedOut]
    errors: list[ImportErrorOut]
    collection: str | None = Field(description="The collection the photos were put in")
    added_to_collection: int = Field(description="Photos that joined it (the others were in "
                                                 "it already)")


class PlacementOut(Schema):
    tv: str
    tv_id: int
    status: str
    content_id: str | None
    error: str
    waiting_reason: str


class ImportRecordOut(Schema):
    id: int
    plex_metadata_id: str
    title: str
    status: str
    step: str
    attempts: int
    error: str
    note: str = Field(description="Something worth knowing about an import that went well")
    waiting_reason: str = Field(description="Why the current step waits to be tried again")
    next_attempt_at: datetime | None = Field(description="When it is tried again")
    analyze: bool
    content_id: str | None = Field(description="Its content id on the first TV showing it")
    placements: list[PlacementOut] = Field(description="The picture on each TV asked for")
    requested_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_title(record):
        return record.photo.title if record.photo else ""

    @staticmethod
    def resolve_error(record):
        return record.last_error

    @staticmethod
    def resolve_content_id(record):
        return placements.content_id_on_first_tv(record.artwork)

    @staticmethod
    def resolve_placements(record):
        if record.artwork is None:
            return []
        return [{"tv": p.tv.name, "tv_id": p.tv_id, "status": p.status,
                 "content_id": p.content_id, "error": p.last_error,
                 "waiting_reason": p.waiting_reason}
                for p in record.artwork.placements.all()]


class Message(Schema):
    detail: str
