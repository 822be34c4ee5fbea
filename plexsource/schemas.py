from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from docentsite.artwork.schemas import CollectionName
from docentsite.sources.schemas import (
    FRAMING_FIELD,
    MATTE_FIELD,
    FramingName,
    FromAttributes,
    MatteName,
    RowId,
    TVRef,
    browse_item_out,
    import_out,
    import_record_out,
    status_out,
)

#: A Plex ratingKey as Docent stores it: opaque text, no control characters.
PlexId = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
)]


class ServerOut(Schema):
    name: str
    version: str
    machine_identifier: str


StatusOut = status_out(
    __name__, asked="Plex (a worker does, every STATUS_CHECK_INTERVAL seconds); null when "
                    "the settings alone tell, or before the first time",
    server=ServerOut | None, library_count=int | None)


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


BrowseItemOut = browse_item_out(__name__, ref="plex_metadata_id", kind='"album" or "photo"',
                                doc=FromAttributes.__doc__)


class BrowseOut(Schema):
    library: LibraryOut
    album: AlbumOut | None
    page: int
    page_size: int
    total: int
    items: list[BrowseItemOut]


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
    framing: FramingName | None = FRAMING_FIELD
    matte: MatteName | None = MATTE_FIELD

    @model_validator(mode="after")
    def photos_or_an_album(self):
        if self.album and self.plex_metadata_ids:
            raise ValueError("Give plex_metadata_ids or an album, not both.")
        if self.album and self.container is None:
            raise ValueError("An album needs its library: container.")
        if not (self.album or self.plex_metadata_ids):
            raise ValueError("Give plex_metadata_ids (at least one) or an album.")
        return self


ImportOut, SkippedOut, ImportErrorOut = import_out(__name__, ref="plex_metadata_id")
ImportRecordOut = import_record_out(
    __name__, ref="plex_metadata_id",
    resolve_title=staticmethod(lambda record: record.photo.title if record.photo else ""))
