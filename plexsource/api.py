"""/api/plex/: browse Plex photo libraries and import photos to the TV (thumbnails:
plexsource.views.plex_thumbnail, outside ninja)."""

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
from plexsource import services
from plexsource.schemas import (
    BrowseOut,
    ImportIn,
    ImportOut,
    ImportRecordOut,
    LibraryOut,
    PlexId,
    StatusOut,
)

router = Router(tags=["plex"])

ERRORS = {404: Message, 409: Message, 422: Message, 503: Message}


@router.get("/status", response=StatusOut, summary="Is Plex configured and reachable?")
@api_requires("plexsource.view_plexlibrary")
def plex_status(request):
    # Good news as a worker's checks last found it; a GET never writes.
    return status_services.status_source(source=source_get("plex"))


@router.get("/libraries", response={200: list[LibraryOut], **ERRORS})
@api_requires("plexsource.view_plexlibrary")
def plex_libraries(request):
    return services.plex_libraries()


class BrowseQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER)
    page_size: int = Field(50, ge=1, le=services.MAX_PAGE_SIZE)
    album: PlexId | None = None
    hide_imported: bool = False


@router.get("/libraries/{library_id}", response={200: BrowseOut, **ERRORS},
            summary="One page of a library or of an album in it")
@api_requires("plexsource.view_plexphoto")
def plex_browse(request, library_id: Path[RowId], query: Query[BrowseQuery]):
    page = services.plex_browse(
        library_id=library_id, album=query.album, page=query.page, page_size=query.page_size,
        hide_imported=query.hide_imported,
    )
    album = page.album and {"id": page.album.id, "title": page.album.title,
                            "path": page.path}
    return {**page.__dict__, "album": album}


@router.post("/import", response={202: ImportOut, **ERRORS},
             summary="Queue photos (or a whole album) for the TV; imported ones are skipped")
@api_requires("plexsource.add_importrecord")
def plex_import(request, payload: ImportIn):
    """With `collection`, also `artwork.change_collection` (and `add_collection` for a new one)."""
    routes.import_collection_check(request, payload.collection)
    user = routes.request_user(request)
    if payload.top:
        raise Rejected("Open an album first: a whole library is imported with "
                       "`./docent manage import_plex --library NAME --all`.")
    if payload.album:
        result = services.plex_album_import(
            library_id=payload.container, album_key=payload.album, analyze=payload.analyze,
            user=user, tvs_wanted=payload.tvs, collection=payload.collection,
            framing=payload.framing, matte=payload.matte)
    else:
        result = services.plex_import_request(
            plex_metadata_ids=payload.plex_metadata_ids, analyze=payload.analyze,
            force=payload.force, user=user, tvs_wanted=payload.tvs,
            collection=payload.collection, framing=payload.framing, matte=payload.matte)
    return Status(202, result.__dict__)


ImportsQuery = routes.imports_query(__name__, ref="plex_metadata_id", kind=PlexId, what="photos")


@router.get("/imports", response=list[ImportRecordOut], summary="Imports, newest first")
@api_requires("plexsource.view_importrecord")
@paginate(routes.Pages, page_size=50)
def plex_imports(request, query: Query[ImportsQuery]):
    return routes.imports_filtered(source_get("plex"), query, "photo")


@router.get("/imports/{record_id}", response={200: ImportRecordOut, 404: Message})
@api_requires("plexsource.view_importrecord")
def plex_import_detail(request, record_id: Path[RowId]):
    return get_object_or_404(routes.import_rows(source_get("plex"), "photo"), pk=record_id)
