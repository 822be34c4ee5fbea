"""Pictures on TVs: asking for them, taking them off, showing one.

A placement is one artwork on one TV. Asking queues it for the TV's upload lane
(lane.py), which sends it; taking one off holds the TV's lock for each picture,
between two of the lane's transfers, and starts the lane again when it is done.
"""

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst

from docentsite.artwork import frametv, lane, metafile, settle, tvlock, tvs, tvupload
from docentsite.artwork.errors import DocentError, Rejected
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, Status

logger = logging.getLogger(__name__)

#: A picture in these states is on the TV, or may be by the time a request ends.
ON_TV_STATUSES = (PlacementStatus.ON_TV, PlacementStatus.UPLOADING)


def shown_as(artwork: Artwork | None) -> str:
    """Where the picture is, in words: "MY_F0001" on one TV, "Frame: MY_F0001, Den:
    MY_F0007" on several, "Removed from the TV (was MY_F0001)" once taken off."""
    if artwork is None:
        return "—"
    placed = [p for p in artwork.placements.all() if p.content_id]
    on = [p for p in placed if p.status == PlacementStatus.ON_TV]
    if len(on) == 1 and len(placed) == 1:
        return on[0].content_id
    if on:
        return ", ".join(f"{p.tv.name}: {p.content_id}" for p in on)
    removed = [p.content_id for p in placed if p.status == PlacementStatus.REMOVED]
    if removed:
        return f"Removed from the TV (was {', '.join(removed)})"
    return "—"


def content_id_on_first_tv(artwork: Artwork | None) -> str | None:
    """The content id on the first TV showing it: what one-TV tools read."""
    if artwork is None:
        return None
    shown = [p for p in artwork.shown if p.content_id]
    return shown[0].content_id if shown else None


# -- asking for placements -----------------------------------------------------------

def artwork_place(*, artworks, tvs_wanted) -> int:
    """Send the artworks to these TVs: a placement each, or a removed one re-armed.

    A picture already on (or on its way to) a TV is left as it is there. The
    lanes start once the transaction commits; a picture not prepared yet goes
    when it is. How many placements were queued.
    """
    queued = 0
    for artwork in artworks:
        for tv in tvs_wanted:
            if placement_request(artwork=artwork, tv=tv):
                queued += 1
    return queued


def placement_request(*, artwork: Artwork, tv: TV) -> bool:
    """Queue this artwork for this TV; False when it is already there or on its way."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                Placement.objects.create(artwork=artwork, tv=tv)
        except IntegrityError:
            placed = Placement.objects.filter(artwork=artwork, tv=tv)
            rearmed = placed.filter(status=PlacementStatus.REMOVED).update(
                **_rearmed(), matte_id="", matte_note="")
            rearmed += placed.filter(status__in=settle.ENDED_BADLY).update(
                **_rearmed(retry=True), matte_id="", matte_note="")
            if not rearmed:
                return False
        if artwork.status == Status.PREPARED:
            lane.kick_lane_on_commit(tv.pk)
    return True


def _rearmed(*, retry: bool = False) -> dict:
    """A placement waiting for its lane again, as new (a removed one gets a new content id).

    A retry keeps the TV's ids from before its last transfer: a transfer given up on
    after a lost confirmation may have landed, and is adopted rather than sent twice.
    """
    rearmed = dict(status=PlacementStatus.QUEUED, content_id=None, tv_ids_before=None,
                   replace_asked_at=None, matte_asked="", last_error="", upload_attempts=0,
                   uploaded_at=None, waiting_reason="", next_attempt_at=None, heartbeat_at=None,
                   updated_at=timezone.now())
    if retry:
        del rearmed["tv_ids_before"]
    return rearmed


def placements_retry(*, artworks) -> int:
    """Queue again the failed placements of these artworks; how many."""
    failed = Placement.objects.filter(artwork__in=artworks, status__in=settle.ENDED_BADLY)
    tv_ids = set(failed.values_list("tv_id", flat=True))
    count = failed.update(**_rearmed(retry=True))
    for tv_id in tv_ids:
        lane.kick_lane_on_commit(tv_id)
    return count


# -- what is on each TV ---------------------------------------------------------------

@dataclass
class RemoveResult:
    removed: list[Placement] = field(default_factory=list)
    #: Deleted on the TV itself (the remote, the SmartThings app): marked removed too.
    already_gone: list[Placement] = field(default_factory=list)
    not_on_tv: list[Artwork] = field(default_factory=list)
    #: (placement, the TV's reason) for each picture the TV would not delete.
    refused: list[tuple[Placement, str]] = field(default_factory=list)
    #: A TV stopped answering: why, and the pictures not reached there.
    stopped: str = ""
    left: list[Placement] = field(default_factory=list)


def artwork_remove_from_tv(*, artworks, tvs_chosen=None) -> RemoveResult:
    """Delete the pictures from these TVs (default: every TV they are on), mark them
    removed and rewrite each TV's artwork_meta.json.

    A picture the TV no longer has is marked removed as well; one the TV refuses
    stops no other; a TV that stops answering ends that TV's part, and the result
    says which pictures were done and which were not reached.
    """
    result = RemoveResult()
    artworks = list(artworks.order_by("pk"))
    placements = Placement.objects.filter(
        artwork__in=artworks, status=PlacementStatus.ON_TV).exclude(content_id=None)
    if tvs_chosen is not None:
        placements = placements.filter(tv__in=tvs_chosen)
    by_tv: dict[TV, list[Placement]] = {}
    for placement in placements.select_related("tv", "artwork").order_by("tv_id", "artwork_id"):
        by_tv.setdefault(placement.tv, []).append(placement)
    placed = {p.artwork_id for group in by_tv.values() for p in group}
    result.not_on_tv = [artwork for artwork in artworks if artwork.pk not in placed]
    for tv, on_tv in by_tv.items():
        _remove_from(tv, on_tv, result)
    return result


def _remove_from(tv: TV, on_tv: list[Placement], result: RemoveResult) -> None:
    changed = False
    try:
        frame = tvs.frame_of(tv)
        present = frame.photo_ids()
        for index, placement in enumerate(on_tv):
            try:
                gone = _delete_from_tv(tv, frame, frametv.content_id_of(placement.content_id),
                                       present)
            except frametv.TVAnswered as exc:
                result.refused.append((placement, str(exc)))
                continue
            except DocentError as exc:  # off, asleep, or no longer paired: so for the rest too
                result.stopped, result.left = str(exc), result.left + on_tv[index:]
                break
            Placement.objects.filter(pk=placement.pk).update(
                status=PlacementStatus.REMOVED, updated_at=timezone.now())
            changed = True
            (result.already_gone if gone else result.removed).append(placement)
    except DocentError as exc:
        result.stopped, result.left = str(exc), result.left + on_tv
    if changed:
        metafile.sync(tv=tv)


def _delete_from_tv(tv: TV, frame: frametv.FrameTV, content_id: str, present: set[str]) -> bool:
    """Delete one picture; True when the TV no longer had it."""
    if content_id not in present:
        return True
    try:
        with tvlock.holding(tv, wait=frame.lock_wait):
            tvupload.delete_held(frame, content_id)
    finally:
        lane.tv_lane_resume(tv=tv)
    return False


class TVBeingWatched(Rejected):
    """The TV is not in Art Mode: someone is watching it, and Docent does not interrupt."""


def artwork_show_now(*, artwork_id: int, tv: TV | None = None) -> Placement:
    """Make this picture the one a TV shows (default: the first TV it is on), if that TV
    is showing art right now. Never switches a TV to Art Mode: TVBeingWatched then."""
    artwork = Artwork.objects.get(pk=artwork_id)
    placements = artwork.placements.filter(status=PlacementStatus.ON_TV).exclude(
        content_id=None).select_related("tv").order_by("-tv__from_env", "tv_id")
    if tv is not None:
        placements = placements.filter(tv=tv)
    placement = placements.first()
    if placement is None:
        raise Rejected(f"“{artwork}” is not on {tvs.tv_called(tv)} "
                       f"(“{artwork.get_state_display()}”).")
    if not tvs.frame_of(placement.tv).show(frametv.content_id_of(placement.content_id)):
        raise TVBeingWatched(
            f"{capfirst(tvs.tv_called(placement.tv))} is being watched (it is not in Art "
            "Mode), so Docent left it alone. Show the picture when the TV shows art again.")
    return placement


def artwork_put_back(*, artwork_id: int, tv: TV | None = None) -> list[Placement]:
    """Upload a removed picture's prepared JPEG again, as a new picture on the TV(s)
    it was removed from (or on `tv`); the TV gives it a new content id."""
    artwork = Artwork.objects.get(pk=artwork_id)
    removed = artwork.placements.filter(status=PlacementStatus.REMOVED).select_related("tv")
    if tv is not None:
        removed = removed.filter(tv=tv)
    removed = list(removed)
    if not removed:
        raise Rejected(f"“{artwork}” is not removed from {tvs.tv_called(tv, unnamed='a TV')} "
                       f"(“{artwork.get_state_display()}”): there is nothing to put back.")
    if not artwork.image:
        raise Rejected(f"“{artwork}” has no prepared picture left to put back.")
    for placement in removed:
        placement_request(artwork=artwork, tv=placement.tv)
    return removed
