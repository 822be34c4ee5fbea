"""/api/drive/: browse the shared Google Drive folder and import its pictures to the TV
(previews: drivesource.views.drive_thumbnail, outside ninja)."""

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from docentsite.permissions import api_requires
from docentsite.sources import routes
from docentsite.sources.schemas import MAX_PAGE_NUMBER, Message, RowId
from docentsite.status import services as status_services
from drivesource import browse, importing
from drivesource.schemas import (
    DriveBrowseOut,
    DriveContainerOut,
    DriveId,
    DriveImportIn,
    DriveImportOut,
    DriveImportRecordOut,
    DriveStatusOut,
    FolderRef,
)

router = Router(tags=["google drive"])

ERRORS, VIEW, ADD = routes.ERRORS, routes.VIEW, routes.ADD


@router.get("/status", response=DriveStatusOut, summary="Is Google Drive set up and answering?")
@api_requires(VIEW)
def drive_status(request):
    return status_services.status_source(source=importing.drive_source())


@router.get("/folders", response={200: list[DriveContainerOut], **ERRORS},
            summary="The shared folder (DRIVE_FOLDER_URL), as the browse page's picker lists it")
@api_requires(VIEW)
def drive_folders(request):
    return browse.drive_containers()


class BrowseQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER)
    page_size: int = Field(50, ge=1, le=browse.MAX_PAGE_SIZE)
    album: DriveId | None = Field(None, description="A folder below the shared one")
    hide_imported: bool = False


@router.get("/folders/{folder_id}", response={200: DriveBrowseOut, **ERRORS},
            summary='One page of the shared folder ("root" or its id), or of a folder below '
                    "it (album)")
@api_requires(VIEW)
def drive_folder(request, folder_id: Path[FolderRef], query: Query[BrowseQuery]):
    return browse.drive_browse(
        container_id=folder_id, album=query.album, page=query.page,
        page_size=query.page_size, hide_imported=query.hide_imported)


@router.post("/import", response={202: DriveImportOut, **ERRORS},
             summary="Queue pictures (or a whole folder) for the TV; imported ones are skipped")
@api_requires(ADD)
def drive_import(request, payload: DriveImportIn):
    """With `collection`, also `artwork.change_collection` (and `add_collection` for a new one)."""
    routes.import_collection_check(request, payload.collection)
    user = routes.request_user(request)
    if payload.album:
        result = importing.drive_folder_import(
            folder_id=payload.album, subfolders=payload.below,
            analyze=payload.analyze, user=user, tvs_wanted=payload.tvs,
            collection=payload.collection, framing=payload.framing, matte=payload.matte)
    else:
        result = importing.drive_import_request(
            drive_file_ids=payload.drive_file_ids, analyze=payload.analyze, force=payload.force,
            user=user, tvs_wanted=payload.tvs, collection=payload.collection,
            framing=payload.framing, matte=payload.matte)
    return Status(202, result.__dict__)


ImportsQuery = routes.imports_query(__name__, ref="drive_file_id", kind=DriveId, what="pictures")



@router.get("/imports", response=list[DriveImportRecordOut], summary="Imports, newest first")
@api_requires(VIEW)
@paginate(routes.Pages, page_size=50)
def drive_imports(request, query: Query[ImportsQuery]):
    return routes.imports_filtered(importing.drive_source(), query)


@router.get("/imports/{record_id}", response={200: DriveImportRecordOut, 404: Message})
@api_requires(VIEW)
def drive_import_detail(request, record_id: Path[RowId]):
    return get_object_or_404(routes.import_rows(importing.drive_source()), pk=record_id)
