"""/api/tvs: the TVs Docent puts pictures on, and sending a picture to some of them."""

from django.db.models import Count, JSONField, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.responses import Status

from docentsite.artwork import foreign, frametv, placements, tvs
from docentsite.artwork.models import TV, Artwork, PlacementStatus
from docentsite.artwork.schemas import (
    ForeignDeleteIn,
    ForeignDeleteOut,
    Message,
    PlaceIn,
    PlaceOut,
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


@router.get("/tvs/{tv_id}", response={200: TVOut, 404: Message})
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
