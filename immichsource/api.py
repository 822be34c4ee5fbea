"""/api/immich/: browse Immich ("All photos" and its albums), import pictures to the TV
(thumbnails: immichsource.views.immich_thumbnail, outside ninja)."""

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from docentsite.artwork.errors import Rejected
from docentsite.permissions import api_requires
from docentsite.sources import routes
from docentsite.sources.registry import source_get
from docentsite.sources.schemas import MAX_PAGE_NUMBER, Message, RowId
from docentsite.status import services as status_services
from immichsource import browse, importing
from immichsource.schemas import (
    BrowseId,
    ImmichAlbumOut,
    ImmichBrowseOut,
    ImmichId,
    ImmichImportIn,
    ImmichImportOut,
    ImmichImportRecordOut,
    ImmichStatusOut,
)

router = Router(tags=["immich"])

ERRORS, VIEW, ADD = routes.ERRORS, routes.VIEW, routes.ADD


@router.get("/status", response=ImmichStatusOut, summary="Is Immich configured and reachable?")
@api_requires(VIEW)
def immich_status(request):
    return status_services.status_source(source=source_get("immich"))


@router.get("/albums", response={200: list[ImmichAlbumOut], **ERRORS},
            summary='"All photos", then Immich\'s albums')
@api_requires(VIEW)
def immich_albums(request):
    return browse.immich_albums()


class BrowseQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER)
    page_size: int = Field(50, ge=1, le=browse.MAX_PAGE_SIZE)
    hide_imported: bool = False


@router.get("/albums/{album_id}", response={200: ImmichBrowseOut, **ERRORS},
            summary="One page of an album's pictures, or of all (`all`), newest first")
@api_requires(VIEW)
def immich_album(request, album_id: Path[BrowseId], query: Query[BrowseQuery]):
    return browse.immich_browse(album_id=album_id, page=query.page, page_size=query.page_size,
                                hide_imported=query.hide_imported).__dict__


@router.post("/import", response={202: ImmichImportOut, **ERRORS},
             summary="Queue pictures (or a whole album) for the TV; imported ones are skipped")
@api_requires(ADD)
def immich_import(request, payload: ImmichImportIn):
    """With `collection`, also `artwork.change_collection` (and `add_collection` for a new one)."""
    if not payload.asset_ids and not payload.album_id:
        raise Rejected("Name the pictures to import (asset_ids) or an album (album_id).")
    routes.import_collection_check(request, payload.collection)
    options = {"analyze": payload.analyze, "force": payload.force,
               "user": routes.request_user(request),
               "tvs_wanted": payload.tvs, "collection": payload.collection,
               "framing": payload.framing, "matte": payload.matte}
    if payload.album_id:
        result = importing.immich_album_import(album_id=payload.album_id, **options)
        if payload.asset_ids:
            more = importing.immich_import_request(asset_ids=payload.asset_ids, **options)
            result.queued += more.queued
            result.skipped += more.skipped
            result.errors += more.errors
    else:
        result = importing.immich_import_request(asset_ids=payload.asset_ids, **options)
    return Status(202, result.__dict__)


ImportsQuery = routes.imports_query(__name__, ref="asset_id", kind=ImmichId, what="assets")



@router.get("/imports", response=list[ImmichImportRecordOut], summary="Imports, newest first")
@api_requires(VIEW)
@paginate(routes.Pages, page_size=50)
def immich_imports(request, query: Query[ImportsQuery]):
    return routes.imports_filtered(source_get("immich"), query)


@router.get("/imports/{record_id}", response={200: ImmichImportRecordOut, 404: Message})
@api_requires(VIEW)
def immich_import_detail(request, record_id: Path[RowId]):
    return get_object_or_404(routes.import_rows(source_get("immich")), pk=record_id)
