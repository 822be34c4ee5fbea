from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from docentsite.artwork import placements
from docentsite.artwork.schemas import CollectionName

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: An Immich album or asset id: a UUID, as Immich makes them.
ImmichId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=rf"^{_UUID}$")]
#: What the browse page opens: an album's id, or "all" (every picture by date taken).
BrowseId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=rf"^({_UUID}|all)$")]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
MAX_PAGE_NUMBER = 1_000_000
TVRef = RowId | Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class StatusOut(Schema):
    configured: bool
    connected: bool
    version: str | None
    album_count: int | None
    error: str | None
    checked_at: datetime | None = Field(
        None, description="When Docent last asked Immich; null when the settings alone tell")


class AlbumOut(Schema):
    id: str = Field(description='An album\'s id, or "all": every picture, by date taken')
    title: str
    photo_count: int | None = Field(
        description="Assets in the album as Immich counts them (videos too); null for all")
    description: str
    thumbnail_url: str | None
    start: date | None
    end: date | None


class PhotoOut(Schema):
    asset_id: str
    type: str = Field(description='Always "photo": Immich\'s albums do not nest')
    title: str
    file_name: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


class BrowseOut(Schema):
    library: AlbumOut = Field(description="What this page is of: All photos, or an album")
    album: None = None
    page: int
    page_size: int
    total: int | None = Field(description="Pictures in the album; null for All photos, "
                                          "which Immich does not count (see has_next)")
    has_next: bool
    items: list[PhotoOut]


class ImportIn(Schema):
    asset_ids: list[ImmichId] = Field(default_factory=list, max_length=1000)
    album_id: ImmichId | None = Field(
        None, description="Import every picture of this album (with or instead of asset_ids)")
    analyze: bool | None = Field(None, description="null: the AUTO_ANALYZE setting")
    force: bool = Field(False, description="Import again pictures already on the TV")
    tvs: list[TVRef] = Field(
        default_factory=list, max_length=32,
        description="The TVs to put the pictures on, by name or id; empty: the default TV")
    collection: CollectionName | None = Field(
        None, description="A collection's name: the pictures join it; made if there is none")


class SkippedOut(Schema):
    asset_id: str
    reason: str


class ImportErrorOut(Schema):
    asset_id: str
    error: str


class ImportOut(Schema):
    queued: list[str]
    skipped: list[SkippedOut]
    errors: list[ImportErrorOut]
    collection: str | None
    added_to_collection: int


class PlacementOut(Schema):
    tv: str
    tv_id: int
    status: str
    content_id: str | None
    error: str
    waiting_reason: str


class ImportRecordOut(Schema):
    id: int
    asset_id: str
    title: str
    status: str
    step: str
    attempts: int
    error: str
    note: str
    waiting_reason: str
    next_attempt_at: datetime | None
    analyze: bool
    content_id: str | None
    placements: list[PlacementOut]
    requested_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_asset_id(record):
        return record.ref

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
