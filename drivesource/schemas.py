from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from docentsite.artwork.schemas import CollectionName, Message, TVRef

__all__ = ["Message"]

#: Ids of Docent's own rows fit a signed 64-bit database column.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
MAX_PAGE_NUMBER = 1_000_000

#: A Drive file or folder id: Google's URL-safe alphabet, 10 to 200 characters.
DriveId = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]

#: The shared folder in /folders/{folder_id}: its id, or "root".
FolderRef = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=4, max_length=200,
    pattern=r"^(root|[A-Za-z0-9_-]{10,200})$")]


class FolderOut(Schema):
    id: str
    name: str


class StatusOut(Schema):
    configured: bool
    connected: bool
    folder: FolderOut | None = Field(description="The shared folder DRIVE_FOLDER_URL names")
    error: str | None
    checked_at: datetime | None = Field(
        None, description="When Docent last asked Google (a worker does, every "
                          "STATUS_CHECK_INTERVAL seconds); null when the settings alone tell")


class ContainerOut(Schema):
    id: str = Field(description="The shared folder's id")
    title: str
    photo_count: int | None


class CrumbOut(Schema):
    id: str | None = Field(description="A folder's id; null for the shared folder")
    title: str


class AlbumOut(Schema):
    id: str
    title: str
    path: list[CrumbOut] = Field(description="From the shared folder down to this one")


class BrowseItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    drive_file_id: str
    type: str = Field(description='"album" (a folder below) or "photo"')
    title: str
    thumbnail_url: str = Field(description="Docent's own URL of its preview")
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None


class BrowseOut(Schema):
    library: ContainerOut = Field(description="The shared folder")
    album: AlbumOut | None = Field(description="The folder below it shown, if any")
    page: int
    page_size: int
    total: int
    items: list[BrowseItemOut]


class ImportIn(Schema):
    drive_file_ids: list[DriveId] = Field(
        default_factory=list, max_length=1000, description="The pictures to import")
    album: DriveId | None = Field(
        None, description="Instead: every picture not imported yet of this folder (the "
                          "shared one, or one below it): \"sync this folder\"")
    below: bool = Field(False, description="With album: the folders below it too")
    analyze: bool | None = Field(None, description="null: the AUTO_ANALYZE setting")
    force: bool = Field(False, description="Import again pictures already on the TV")
    tvs: list[TVRef] = Field(
        default_factory=list, max_length=32,
        description="The TVs to put the pictures on, by name or id; empty: the default TV")
    collection: CollectionName | None = Field(
        None, description="A collection's name: the pictures join it, those imported before "
                          "too; made if there is none by that name")

    @model_validator(mode="after")
    def one_way(self):
        if bool(self.drive_file_ids) == bool(self.album):
            raise ValueError("give either drive_file_ids or album (a folder)")
        if self.album and self.force:
            raise ValueError("force is for drive_file_ids: a folder imports what is not "
                             "imported yet")
        return self


class SkippedOut(Schema):
    drive_file_id: str
    reason: str


class ImportErrorOut(Schema):
    drive_file_id: str
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
    drive_file_id: str
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
    def resolve_drive_file_id(record):
        return record.ref

    @staticmethod
    def resolve_error(record):
        return record.last_error

    @staticmethod
    def resolve_content_id(record):
        from docentsite.artwork import placements

        return placements.content_id_on_first_tv(record.artwork)

    @staticmethod
    def resolve_placements(record):
        if record.artwork is None:
            return []
        return [{"tv": p.tv.name, "tv_id": p.tv_id, "status": p.status,
                 "content_id": p.content_id, "error": p.last_error,
                 "waiting_reason": p.waiting_reason}
                for p in record.artwork.placements.all()]
