"""/api/tvs: the TVs Docent puts pictures on, and sending a picture to some of them."""

from django.db.models import Count, JSONField, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.responses import Status

from docentsite.artwork import (
    collections,
    foreign,
    frametv,
    matte_change,
    mattes,
    placements,
    rotation,
    tvs,
)
from docentsite.artwork.errors import NotFound
from docentsite.artwork.models import TV, Artwork, Collection, PlacementStatus, RotationOutcome
from docentsite.artwork.schemas import (
    ForeignDeleteIn,
    ForeignDeleteOut,
    MatteChangeOut,
    MatteIn,
    Message,
    PlaceIn,
    PlaceOut,
    RotateOut,
    RotationIn,
    RotationOut,
    TVDetailOut,
    TVIn,
    TVOut,
    TVPatchIn,
)
from docentsite.permissions import api_requires
from docentsite.status.models import CheckResult
from docentsite.status.services import status_refresh_tv

router = Router(tags=["tvs"])

RowId = Path[int]
ERRORS = {404: Message, 409: Message, 422: Message, 503: Message}


def _with_counts(queryset):
    """Each TV with its placements counted by state (TVOut.placements) and what its last
    check found (TVOut.showing, slideshow, foreign_count), in one query."""
    checked = CheckResult.objects.filter(tv=OuterRef("pk")).values("facts")[:1]
    return queryset.annotate(**{
        f"placed_{status}": Count("placements", filter=Q(placements__status=status))
        for status in PlacementStatus.values
    }, checked_facts=Subquery(checked, output_field=JSONField()))


def _tv(tv_id: int) -> TV:
    tvs.tv_from_env()
    return get_object_or_404(_with_counts(TV.objects.all()), pk=tv_id)


@router.get("/tvs", response=list[TVOut], summary="The TVs, with what Docent last learned")
@api_requires("artwork.view_tv")
def tv_list(request):
    tvs.tv_from_env()
    # Given again: Django drops Meta.ordering from a query that counts (GROUP BY).
    return _with_counts(TV.objects.order_by("-from_env", "pk"))


@router.post("/tvs", response={201: TVOut, **ERRORS}, summary="Add a TV (pair it next)")
@api_requires("artwork.add_tv")
def tv_create(request, payload: TVIn):
    tv = tvs.tv_create(name=payload.name, host=payload.host, port=payload.port,
                       matte=payload.matte, portrait_matte=payload.portrait_matte or "",
                       capacity=payload.capacity, make_room=payload.make_room)
    return Status(201, _tv(tv.pk))


@router.get("/tvs/{tv_id}", response={200: TVDetailOut, 404: Message},
            summary="A TV: what Docent last learned, its rotation and the rotation's last runs")
@api_requires("artwork.view_tv")
def tv_detail(request, tv_id: RowId):
    return _tv(tv_id)


@router.patch("/tvs/{tv_id}", response={200: TVOut, 404: Message, 422: Message},
              summary="Change a TV's settings: capacity, rotate when full, name, mattes…")
@api_requires("artwork.change_tv")
def tv_update(request, tv_id: RowId, payload: TVPatchIn):
    tvs.tv_update(tv=_tv(tv_id), changes=payload.model_dump(exclude_unset=True))
    return _tv(tv_id)


@router.post("/tvs/{tv_id}/foreign/delete", response={200: ForeignDeleteOut, **ERRORS},
             summary="Delete pictures on the TV that Docent did not upload (by id, or all "
                     "with their count)")
@api_requires("artwork.change_tv")
def tv_foreign_delete(request, tv_id: RowId, payload: ForeignDeleteIn):
    tv = _tv(tv_id)
    done = foreign.tv_foreign_delete(
        tv=tv, content_ids=payload.content_ids, everything=payload.all,
        confirm_count=payload.confirm_count)
    status_refresh_tv(tv=tv)  # its card and foreign_count say what is left
    return {"detail": f"Deleted {len(done.deleted)} picture(s) not from Docent from {tv.name}.",
            "deleted": done.deleted, "already_gone": done.already_gone, "kept": done.kept,
            "left": done.left}


def _rotation_settings(payload: RotationIn, *, partial: bool) -> dict:
    given = payload.dict(exclude_unset=partial)
    if given.get("collection") is not None:
        ref = given["collection"]
        if isinstance(ref, int):
            given["collection"] = Collection.objects.filter(pk=ref).first()
            if given["collection"] is None:
                raise NotFound(f"There is no collection with id {ref}.")
        else:
            given["collection"] = collections.collection_named(name=ref)
    return given


@router.put("/tvs/{tv_id}/rotation", response={200: RotationOut, 404: Message, 422: Message},
            summary="Set the TV's rotation (fields not given take their defaults)")
@api_requires("artwork.change_tv")
def tv_rotation_put(request, tv_id: RowId, payload: RotationIn):
    return rotation.rotation_set(tv=_tv(tv_id), replace=True,
                                 **_rotation_settings(payload, partial=False))


@router.patch("/tvs/{tv_id}/rotation", response={200: RotationOut, 404: Message, 422: Message},
              summary="Change some of the TV's rotation settings")
@api_requires("artwork.change_tv")
def tv_rotation_patch(request, tv_id: RowId, payload: RotationIn):
    return rotation.rotation_set(tv=_tv(tv_id), replace=False,
                                 **_rotation_settings(payload, partial=True))


@router.post("/tvs/{tv_id}/rotate", response={200: RotateOut, **ERRORS},
             summary="Run the TV's rotation now, or (dry_run) say what it would add and remove")
@api_requires("artwork.change_tv")
def tv_rotate(request, tv_id: RowId, dry_run: bool = False):
    """A dry run asks no TV and changes nothing. A run answers 409 while another run of
    this TV's rotation is going, 503 when the TV is off (the run is skipped, and the
    timer tries again at its next tick), 422 when the TV has no rotation or is disabled.
    A TV being watched still gets its pictures; only showing one waits for Art Mode."""
    tv = _tv(tv_id)
    if dry_run:
        plan = rotation.rotation_run(tv=tv, dry_run=True)
        return Status(200, {"dry_run": True, "detail": plan.summary, "outcome": None,
                            "add": [p.as_dict() for p in plan.add],
                            "remove": [p.as_dict() for p in plan.remove],
                            "failed": [], "notes": plan.notes})
    try:
        run = rotation.rotation_run(tv=tv)
    except rotation.RotationRunning as exc:
        return Status(409, {"detail": str(exc)})
    if run.outcome == RotationOutcome.SKIPPED:
        return Status(503 if tv.enabled else 422, {"detail": run.why})
    return Status(200, {"dry_run": False, "detail": run.why, "outcome": run.outcome,
                        "add": run.added, "remove": run.removed, "failed": run.failed,
                        "notes": [], "shown_artwork_id": run.shown_id, "run": run})


@router.post("/tvs/{tv_id}/pair", response={200: Message, 202: Message, **ERRORS},
             summary="Ask the TV to allow Docent: press Allow on the TV within `wait` s")
@api_requires("artwork.pair_tv")
def tv_pair(request, tv_id: RowId, wait: float = tvs.PAIRING_WAIT):
    tv = _tv(tv_id)
    try:
        tvs.tv_pair(tv=tv, wait=min(max(wait, 1.0), 60.0))
    except frametv.TVAuthPending as exc:
        # The prompt is on the TV (or was): nothing is wrong, a person has to answer it.
        return Status(202, {"detail": f"{tv.name} is asking whether to allow Docent: press "
                                      f"Allow on the TV, then pair again. ({exc})"})
    except frametv.TVUnavailable as exc:
        return Status(503, {"detail": f"{tv.name} was not reached: {exc}"})
    return Status(200, {"detail": f"Paired: {tv.name} allowed Docent, and remembers it."})


@router.post("/artwork/{artwork_id}/place", response={202: PlaceOut, **ERRORS},
             summary="Send a picture to these TVs (default: the default TV)")
@api_requires("artwork.change_artwork")
def artwork_place(request, artwork_id: RowId, payload: PlaceIn):
    artwork = get_object_or_404(Artwork, pk=artwork_id)
    chosen = tvs.tvs_chosen(payload.tvs)
    queued = placements.artwork_place(artworks=[artwork], tvs_wanted=chosen)
    artwork = Artwork.objects.prefetch_related("placements__tv").get(pk=artwork_id)
    names = ", ".join(tv.name for tv in chosen)
    if queued == len(chosen):
        detail = f"Queued for {names}."
    elif queued:
        detail = f"Queued for {queued} of {names}; the others have it or are getting it."
    else:
        detail = f"Nothing queued: {names} already have it or are getting it."
    return Status(202, {"detail": detail, "queued": queued, "placements": artwork.placed})


@router.post("/artwork/{artwork_id}/matte", response={200: MatteChangeOut, 202: MatteChangeOut,
                                                     **ERRORS},
             summary="Put another matte around a picture on a TV")
@api_requires("artwork.change_artwork")
def artwork_matte(request, artwork_id: RowId, payload: MatteIn):
    """A TV that changes mattes in place does it now: 200. One that takes a matte only
    with the picture (2025 firmware) gets the picture again with it, in its own time:
    202, and the picture's placement there (`follow`) says `replacing` until then."""
    get_object_or_404(Artwork, pk=artwork_id)
    artworks = Artwork.objects.filter(pk=artwork_id)
    tv = tvs.tv_get(tv=payload.tv) if payload.tv else matte_change.matte_tv(artworks)
    if tv is None:
        return Status(422, {"detail": "Docent knows no TV yet: add one on the TVs page first."})
    result = matte_change.artwork_change_matte(artworks=artworks, matte_id=payload.matte, tv=tv)
    if result.not_on_tv:
        return Status(422, {"detail": f"It is not on {tv.name}, so it has no matte there."})
    if result.refused:
        return Status(422, {"detail": f"{tv.name} did not change it: {result.refused[0][1]}"})
    if result.stopped:
        return Status(503, {"detail": f"{tv.name} was not reached: {result.stopped}"})
    follow = f"/api/artwork/{artwork_id}"
    placed = Artwork.objects.prefetch_related("placements__tv").get(pk=artwork_id).placed
    name = mattes.matte_name(payload.matte)
    if result.queued:
        return Status(202, {"detail": f"Sending it again to {tv.name} with the matte {name}, "
                                      f"in {tv.name}'s own time: {follow} says when it is done.",
                            "follow": follow, "placements": placed})
    return Status(200, {"detail": f"Matte {name} on {tv.name}.", "follow": follow,
                        "placements": placed})
