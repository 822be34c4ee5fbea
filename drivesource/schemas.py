from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from docentsite.artwork.schemas import CollectionName
from docentsite.sources.schemas import (
    FRAMING_FIELD,
    MATTE_FIELD,
    FramingName,
    MatteName,
    TVRef,
    browse_item_out,
    import_out,
    import_record_out,
    status_out,
)

#: A Drive file or folder id: Google's URL-safe alphabet, 10 to 200 characters.
DriveId = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]

#: The shared folder in /folders/{folder_id}: its id, or "root".
FolderRef = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=4, max_length=200,
    pattern=r"^(root|[A-Za-z0-9_-]{10,200})$")]


class DriveFolderOut(Schema):
    id: str
    name: str


DriveStatusOut = status_out(
    __name__, prefix="Drive",
    asked="Google (a worker does, every STATUS_CHECK_INTERVAL seconds); null when "
          "the settings alone tell",
    folder=(DriveFolderOut | None, Field(description="The shared folder DRIVE_FOLDER_URL names")))


class DriveContainerOut(Schema):
    id: str = Field(description="The shared folder's id")
    title: str
    photo_count: int | None


class DriveCrumbOut(Schema):
    id: str | None = Field(description="A folder's id; null for the shared folder")
    title: str


class DriveAlbumOut(Schema):
    id: str
    title: str
    path: list[DriveCrumbOut] = Field(description="From the shared folder down to this one")


DriveBrowseItemOut = browse_item_out(__name__, ref="drive_file_id", name="DriveBrowseItemOut",
                                     kind='"album" (a folder below) or "photo"',
                                     thumbnail="Docent's own URL of its preview")


class DriveBrowseOut(Schema):
    library: DriveContainerOut = Field(description="The shared folder")
    album: DriveAlbumOut | None = Field(description="The folder below it shown, if any")
    page: int
    page_size: int
    total: int
    items: list[DriveBrowseItemOut]


class DriveImportIn(Schema):
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
    framing: FramingName | None = FRAMING_FIELD
    matte: MatteName | None = MATTE_FIELD

    @model_validator(mode="after")
    def one_way(self):
        if bool(self.drive_file_ids) == bool(self.album):
            raise ValueError("give either drive_file_ids or album (a folder)")
        if self.album and self.force:
            raise ValueError("force is for drive_file_ids: a folder imports what is not "
                             "imported yet")
        return self


DriveImportOut, DriveSkippedOut, DriveImportErrorOut = import_out(
    __name__, prefix="Drive", ref="drive_file_id")
DriveImportRecordOut = import_record_out(__name__, prefix="Drive", ref="drive_file_id",
                                         ref_attr="ref")
