"""One picture onto one TV, once: the transfer, a confirmation that was lost, room
on a full TV, a matte the TV refuses. Each function here holds the TV's lane
(lane.py runs them one after another under the TV's lock).
"""

import logging

from django.db.models import F
from django.utils import timezone

from docentsite.artwork import capacity, frametv, heartbeat, matte_fit, settle, tvs
from docentsite.artwork.errors import NeedsAttention, Rejected
from docentsite.artwork.models import Artwork, Placement, PlacementStatus

logger = logging.getLogger(__name__)


class UploadAmbiguous(NeedsAttention):
    """After a lost confirmation, the TV holds more than one new unknown picture."""


def placement_upload(*, placement: Placement, frame: frametv.FrameTV,
                     known_ids: set[str] | None = None,
                     made_room: list[Placement] | None = None) -> Placement:
    """Put the prepared JPEG on the placement's TV once, and only once. Hold the lane.

    A transfer whose confirmation was lost has often landed. So the TV's photo
    ids are saved before each transfer, and the next attempt first looks for a
    picture that appeared since: one new unknown id is ours and is adopted,
    none means upload again, more than one needs a person.

    `known_ids`: the TV's ids as the lane knows them from its last upload, which
    saves asking the TV again before each picture. A picture someone added on the
    TV meanwhile only matters after a lost confirmation, and then it makes the
    retry ask a person rather than adopt. The returned placement's `tv_ids_after`
    is what the lane knows next.

    A TV at its capacity gets room first (the pictures removed are added to
    `made_room`: the caller rewrites the TV's file), or the placement needs a person
    and nothing is sent (capacity.py).
    """
    # Every upload to this TV holds its lane, so a row still marked "uploading"
    # while we hold it belongs to a worker that died.
    claimed = Placement.objects.filter(pk=placement.pk, status__in=settle.OPEN).update(
        status=PlacementStatus.UPLOADING, upload_started_at=timezone.now(),
        upload_attempts=F("upload_attempts") + 1, updated_at=timezone.now())
    placement.refresh_from_db()
    placement.tv_ids_after = None
    if not claimed:
        return placement
    artwork = placement.artwork
    matte, matte_note = matte_fit.matte_to_upload(
        tv=placement.tv, artwork=artwork, wanted=placement.matte_id)
    settle.progress(artwork, "uploading", tv=placement.tv)
    rows = Placement.objects.filter(pk=placement.pk)
    before = None
    try:
        with heartbeat.beating(rows):
            content_id = None
            if placement.tv_ids_before is not None:
                content_id = landed_since(frame, placement)
            if content_id is None:
                before = set(known_ids) if known_ids is not None else frame.photo_ids()
                before = _make_room(placement, frame, before,
                                    made_room if made_room is not None else [])
                rows.update(tv_ids_before=sorted(before))
                jpeg = prepared_jpeg(artwork)
                try:
                    content_id = frame.upload(jpeg, matte=matte)
                except frametv.TVRejected as exc:
                    if not refused_for_its_matte(exc, matte):
                        raise
                    content_id, matte, matte_note = upload_after_refusal(
                        placement, frame, jpeg, before, exc, matte, wanted=placement.matte_id)
    except (Rejected, NeedsAttention) as exc:
        if _worth_one_more_try(exc, placement):
            again = frametv.TVUnavailable(
                f"{exc} A TV whose art service is jammed answers so until it is switched "
                "off and on: Docent tries once more later.")
            _keep_for_retry(placement, again)
            raise again from exc
        if isinstance(exc, frametv.TVStorageFull) and before:
            learned = frametv.TVStorageFull(
                capacity.tv_learned_full(tv=placement.tv, held=len(before)), code=exc.code)
            placement_failed(placement, learned)
            raise learned from exc
        placement_failed(placement, exc)
        raise
    except Exception as exc:
        # Transient (TV off or busy, confirmation lost): the next attempt reconciles.
        _keep_for_retry(placement, exc)
        raise
    now = timezone.now()
    # A new picture is in no favourites on the TV: the lane stars it after the upload.
    rows.update(content_id=content_id, status=PlacementStatus.ON_TV, uploaded_at=now,
                tv_favourite=False, matte_id=matte, matte_note=matte_note,
                tv_ids_before=None, last_error="",
                waiting_reason="", next_attempt_at=None, updated_at=now)
    placement.refresh_from_db()
    placement.tv_ids_after = None
    if before is not None:
        placement.tv_ids_after = before | {content_id}
        tvs.tv_saw(tv=placement.tv, photo_count=len(placement.tv_ids_after))
    logger.info("Artwork %s is on %s as %r", artwork.pk, placement.tv.name, content_id)
    return placement


def refused_for_its_matte(exc: frametv.TVRejected, matte: str) -> bool:
    """Whether the TV's no to an upload was a no to its matte: -7 (INVALID_PARAMETER)
    answered to a picture sent with one."""
    return matte != "none" and exc.code == "-7" and not isinstance(exc, frametv.TVStorageFull)


def upload_after_refusal(placement: Placement, frame: frametv.FrameTV, jpeg: bytes,
                         before: set[str], refusal: Exception, matte: str, *, wanted: str
                         ) -> tuple[str, str, str]:
    """Send the picture again once the TV refused `matte` for it: with the TV's default
    matte where that suits (another was asked for: `wanted`, or the import's), else
    without one; (content id, matte, note). Each refusal is remembered, so this TV is
    not asked so again. Hold the lane."""
    artwork, tv = placement.artwork, placement.tv
    while True:
        # A TV that kept the picture while refusing its matte must not end with two copies.
        for stray in frame.photo_ids() - before:
            delete_held(frame, stray)
        matte_fit.matte_refused(tv=tv, matte_id=matte, width=artwork.width,
                                height=artwork.height, reason=str(refusal))
        instead, _ = matte_fit.matte_to_upload(tv=tv, artwork=artwork, wanted=wanted)
        if instead == matte:  # a picture of no known shape teaches nothing
            instead = "none"
        logger.info("%s refused the matte %s for artwork %s; sent with %s",
                    tv.name, matte, artwork.pk, instead)
        try:
            return (frame.upload(jpeg, matte=instead), instead,
                    matte_fit.refused_note(tv=tv, matte_id=matte, instead=instead))
        except frametv.TVRejected as exc:
            if not refused_for_its_matte(exc, instead):
                raise
            refusal, matte = exc, instead


def _make_room(placement: Placement, frame: frametv.FrameTV, before: set[str],
               made_room: list[Placement]) -> set[str]:
    """The TV's ids once there is room for one more picture. Hold the lane.

    At capacity, pictures Docent put there leave, the one uploaded longest ago first,
    when the owner allowed it for this TV; NeedsAttention otherwise, or when too few
    of the pictures there may leave."""
    tv = placement.tv
    need = capacity.room_needed(tv=tv, held=len(before))
    if not need:
        return before
    if not tv.make_room:
        raise NeedsAttention(capacity.full(tv=tv, held=len(before)))
    listed = {frametv.content_id_of(raw): raw for raw in before}
    movable, kept = capacity.candidates(tv=tv, present=set(listed), placement=placement)
    if len(movable) < need:
        raise NeedsAttention(capacity.no_room(tv=tv, held=len(before), kept=kept))
    left = set(before)
    for old in movable:
        if need == 0:
            break
        try:
            delete_held(frame, old.content_id)
        except frametv.TVRejected as exc:  # this one stays; the next may go instead
            logger.warning("%s kept %s when making room: %s", tv.name, old.content_id, exc)
            continue
        Placement.objects.filter(pk=old.pk, status=PlacementStatus.ON_TV).update(
            status=PlacementStatus.REMOVED, updated_at=timezone.now(),
            last_error=capacity.made_room_note(tv=tv, placement=placement))
        made_room.append(old)
        left.discard(listed[old.content_id])
        need -= 1
        logger.info("Removed %s from %s to make room for artwork %s",
                    old.content_id, tv.name, placement.artwork_id)
    if need:
        raise NeedsAttention(capacity.no_room(tv=tv, held=len(left), kept=kept))
    return left


def landed_since(frame: frametv.FrameTV, placement: Placement) -> str | None:
    """The content id our earlier, unconfirmed transfer got, if it landed."""
    known = set(Placement.objects.filter(tv_id=placement.tv_id).exclude(
        content_id=None).values_list("content_id", flat=True))
    new = frame.photo_ids() - set(placement.tv_ids_before) - known
    if len(new) > 1:
        raise UploadAmbiguous(
            "The TV's answer to an earlier upload was lost, and since then "
            f"{len(new)} new pictures appeared on it ({', '.join(sorted(new))}). "
            "Docent cannot tell which one is this artwork: check the TV, delete "
            "the extra copies, then retry."
        )
    if new:
        (content_id,) = new
        logger.info("Adopting %r, which landed although the TV never confirmed it", content_id)
        return content_id
    return None


def _worth_one_more_try(exc: Exception, placement: Placement) -> bool:
    """-1 refuses a picture for good, but a jammed art service answers it to everything:
    on a placement's first upload attempt it is taken for the TV's state, not the picture's."""
    return (isinstance(exc, frametv.TVRejected) and exc.code == frametv.SYSTEM_FAIL
            and placement.upload_attempts <= 1)


def _keep_for_retry(placement: Placement, error: Exception) -> None:
    Placement.objects.filter(pk=placement.pk).update(
        status=PlacementStatus.QUEUED, last_error=str(error), updated_at=timezone.now())


def placement_failed(placement: Placement, error) -> None:
    """The placement needs a person (NeedsAttention) or failed for good, and why."""
    status = (PlacementStatus.NEEDS_ATTENTION if isinstance(error, NeedsAttention)
              else PlacementStatus.FAILED)
    Placement.objects.filter(pk=placement.pk).update(
        status=status, last_error=str(error), waiting_reason="", next_attempt_at=None,
        updated_at=timezone.now())
    logger.warning("Artwork %s failed on %s: %r", placement.artwork_id, placement.tv.name,
                   str(error))
    settle.artwork_settle(artwork_id=placement.artwork_id)


def prepared_jpeg(artwork: Artwork) -> bytes:
    """The picture's JPEG as it is now: framing it again (the crop page) stores a new
    file and deletes the old one, maybe since this lane read the row."""
    artwork.refresh_from_db(fields=["image"])
    try:
        with artwork.image.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        artwork.refresh_from_db(fields=["image"])  # replaced between the two: once more
        with artwork.image.open("rb") as handle:
            return handle.read()


def delete_held(frame: frametv.FrameTV, content_id: str) -> None:
    """Delete one picture the TV has. Hold the lane."""
    # False: the TV's answer did not list it as deleted; gone is gone all the same.
    if not frame.delete(content_id) and content_id in frame.photo_ids():
        raise frametv.TVRejected(f"The TV kept {content_id} when asked to delete it.")
