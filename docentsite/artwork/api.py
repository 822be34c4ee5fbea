from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from docentsite.artwork import placements, services, tvs
from docentsite.artwork.errors import DocentError, Rejected
from docentsite.artwork.models import Artwork, Framing
from docentsite.artwork.schemas import ArtworkOut, DuplicateOut, Message, UploadOut
from docentsite.artwork.tvs import tvs_for_new_work
from docentsite.permissions import api_requires

router = Router(tags=["artwork"])


@router.get("/artwork", response=list[ArtworkOut])
@api_requires("artwork.view_artwork")
@paginate(PageNumberPagination, page_size=50)
def artwork_list(request, status: str | None = None, source: str | None = None,
                 collection: int | None = None, favourite: bool | None = None):
    """`collection`: only the artworks in it (an id, GET /api/collections)."""
    artworks = Artwork.objects.order_by("-created_at").prefetch_related(
        "placements__tv", "collections")
    if status:
        artworks = artworks.filter(status=status)
    if source:
        artworks = artworks.filter(source=source)
    if collection is not None:
        artworks = artworks.filter(collections__id=collection)
    if favourite is not None:
        artworks = artworks.filter(favourite=favourite)
    return artworks


@router.post("/artwork/upload",
             response={201: UploadOut, 404: Message, 409: DuplicateOut, 413: Message,
                       422: Message})
@api_requires("artwork.add_artwork")
def artwork_upload(request, file: File[UploadedFile], analyze: Form[bool | None] = None,
                   allow_duplicate: Form[bool] = False, tvs: Form[list[str]] = None,
                   framing: Form[str | None] = None, matte: Form[str | None] = None):
    """One picture of the upload page (it sends one request per file, to show progress).

    `tvs` (repeated): the TVs it goes to, by name or id (GET /api/tvs); none: the default TV.
    `framing`: fill, fit or as_is; none: the TV's or the default.
    `matte`: a matte the TVs offer (their `mattes` in GET /api/tvs) or none, put on the
    picture by each TV it suits (the others use their default matte or none, and the
    placement's matte_note says why); empty: each TV's default.
    """
    if framing and framing not in Framing.values:
        return Status(422, {"detail": f"framing is one of {', '.join(Framing.values)}, "
                                      f"not {framing!r}."})
    if matte:
        try:
            services.import_matte_check(matte=matte, tvs=tvs_for_new_work(tvs or None))
        except Rejected as exc:
            return Status(422, {"detail": str(exc)})
    limit = settings.UPLOAD_MAX_MB
    if file.size > limit * 1024 * 1024:
        return Status(413, {"detail": f"{file.name} is {file.size / 1024 / 1024:.1f} MB; "
                                      f"pictures up to {limit:g} MB are accepted "
                                      "(UPLOAD_MAX_MB in .env)."})
    try:
        services.upload_check(file)
    except Rejected as exc:
        return Status(422, {"detail": str(exc)})
    if not allow_duplicate:
        existing = services.artwork_duplicates(digest=services.upload_digest(file)).first()
        if existing is not None:
            return Status(409, {"detail": f"Already in the library as “{existing}”.",
                                "id": existing.pk, "title": str(existing)})
    [artwork] = services.artwork_upload_files(files=[file], analyze=analyze, user=request.user,
                                              tvs=tvs or None, framing=framing or None,
                                              matte=matte or None)
    return Status(201, {"id": artwork.pk, "title": str(artwork),
                        "detail": "Queued for the TV."})


@router.get("/artwork/{artwork_id}", response={200: ArtworkOut, 404: Message})
@api_requires("artwork.view_artwork")
def artwork_detail(request, artwork_id: int):
    return get_object_or_404(Artwork.objects.prefetch_related("placements__tv", "collections"),
                             pk=artwork_id)


@router.post("/artwork/{artwork_id}/reanalyze", response={202: Message, 404: Message})
@api_requires("artwork.change_artwork")
def artwork_reanalyze(request, artwork_id: int):
    get_object_or_404(Artwork, pk=artwork_id)
    services.artwork_reanalyze(artworks=Artwork.objects.filter(pk=artwork_id))
    return Status(202, {"detail": "Queued for analysis."})


@router.post("/artwork/{artwork_id}/remove",
             response={200: Message, 404: Message, 422: Message, 503: Message})
@api_requires("artwork.change_artwork")
def artwork_remove(request, artwork_id: int):
    get_object_or_404(Artwork, pk=artwork_id)
    result = placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=artwork_id))
    if result.refused:
        return Status(422, {"detail": f"The TV did not remove it: {result.refused[0][1]}"})
    if result.stopped:
        return Status(503, {"detail": f"The TV was not reached: {result.stopped}"})
    if result.already_gone:
        return Status(200, {"detail": "It was already gone from the TV (deleted there); "
                                      "marked removed."})
    return Status(200, {"detail": "Removed from the TV." if result.removed
                        else "It was not on the TV."})


@router.post("/artwork/{artwork_id}/show",
             response={200: Message, 404: Message, 409: Message, 422: Message, 503: Message},
             summary="Show it on a TV now, if that TV shows art (never switches a TV over)")
@api_requires("artwork.change_artwork")
def artwork_show(request, artwork_id: int, tv: str | None = None):
    """`tv`: the TV, by name or id (GET /api/tvs); none: the first TV the picture is on.
    A TV not in Art Mode is being watched: 409, and nothing is sent to it."""
    get_object_or_404(Artwork, pk=artwork_id)
    chosen = tvs.tv_get(tv=tv) if tv else None
    try:
        placements.artwork_show_now(artwork_id=artwork_id, tv=chosen)
    except placements.TVBeingWatched as exc:
        return Status(409, {"detail": str(exc)})
    except Rejected as exc:
        return Status(422, {"detail": str(exc)})
    except DocentError as exc:
        return Status(503, {"detail": f"The TV was not reached: {exc}"})
    return Status(200, {"detail": "Shown on the TV." if chosen is None
                        else f"Shown on {chosen.name}."})


@router.post("/artwork/{artwork_id}/put-back", response={202: Message, 404: Message, 422: Message},
             summary="Upload a picture removed from the TV again")
@api_requires("artwork.change_artwork")
def artwork_put_back(request, artwork_id: int):
    get_object_or_404(Artwork, pk=artwork_id)
    try:
        placements.artwork_put_back(artwork_id=artwork_id)
    except Rejected as exc:
        return Status(422, {"detail": str(exc)})
    return Status(202, {"detail": "Queued for the TV."})
