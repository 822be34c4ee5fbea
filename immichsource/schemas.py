from datetime import date
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

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

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: An Immich album or asset id: a UUID, as Immich makes them.
ImmichId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=rf"^{_UUID}$")]
#: What the browse page opens: an album's id, or "all" (every picture by date taken).
BrowseId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=rf"^({_UUID}|all)$")]


ImmichStatusOut = status_out(__name__, prefix="Immich",
                             asked="Immich; null when the settings alone tell",
                             version=str | None, album_count=int | None)


class ImmichAlbumOut(Schema):
    id: str = Field(description='An album\'s id, or "all": every picture, by date taken')
    title: str
    photo_count: int | None = Field(
        description="Assets in the album as Immich counts them (videos too); null for all")
    description: str
    thumbnail_url: str | None
    start: date | None
    end: date | None


ImmichPhotoOut = browse_item_out(__name__, ref="asset_id", name="ImmichPhotoOut", base=Schema,
                                 kind='Always "photo": Immich\'s albums do not nest',
                                 file_name=str)


class ImmichBrowseOut(Schema):
    library: ImmichAlbumOut = Field(description="What this page is of: All photos, or an album")
    album: None = None
    page: int
    page_size: int
    total: int | None = Field(description="Pictures in the album; null for All photos, "
                                          "which Immich does not count (see has_next)")
    has_next: bool
    items: list[ImmichPhotoOut]


class ImmichImportIn(Schema):
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
    framing: FramingName | None = FRAMING_FIELD
    matte: MatteName | None = MATTE_FIELD


ImmichImportOut, ImmichSkippedOut, ImmichImportErrorOut = import_out(
    __name__, prefix="Immich", ref="asset_id")
ImmichImportRecordOut = import_record_out(__name__, prefix="Immich", ref="asset_id",
                                          ref_attr="ref")
