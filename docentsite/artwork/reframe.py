"""A picture prepared again (a new crop, another framing) replaces the old one on its TVs.

On each TV the artwork is on, the new JPEG goes up first and the old one is deleted
after, both holding the TV's lock (tvlock.py), so the TV never holds two copies
once it is done and never none: a TV that refuses the new picture, or cannot be
reached, keeps the old one, and its placement says why.
"""

import contextlib
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from docentsite.artwork import (
    cropping,
    frametv,
    framing,
    imaging,
    metafile,
    placements,
    tvlock,
    tvs,
)
from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import (
    TV,
    Artwork,
    CropSource,
    Framing,
    Placement,
    PlacementStatus,
)

logger = logging.getLogger(__name__)


@dataclass
class ReplaceResult:
    replaced: list[Placement] = field(default_factory=list)
    #: (placement, why): the TV kept the old picture, as it was.
    kept_old: list[tuple[Placement, str]] = field(default_factory=list)
    #: (placement, why): the new picture is on, but the TV kept the old copy too.
    old_left: list[tuple[Placement, str]] = field(default_factory=list)

    def summary(self, artwork: Artwork) -> str:
        """What happened on the TVs, in one sentence for a message."""
        said = []
        if self.replaced:
            names = ", ".join(p.tv.name for p in self.replaced)
            said.append(f"replaced on {names}")
        said += [f"{p.tv.name} kept the previous picture: {why}" for p, why in self.kept_old]
        said += [f"{p.tv.name} shows the new picture but kept the previous copy too: {why}"
                 for p, why in self.old_left]
        return "; ".join(said)


def artwork_replace_on_tvs(*, artwork_id: int) -> ReplaceResult:
    """The artwork's prepared JPEG changed: each TV it is on gets the new one, then
    loses the old one. The placement's content id becomes the new picture's and the
    TV's artwork_meta.json is rewritten. A placement still waiting for its TV is left
    to its lane, which sends the new JPEG."""
    result = ReplaceResult()
    on_tv = Placement.objects.filter(
        artwork_id=artwork_id, status=PlacementStatus.ON_TV).exclude(
        content_id=None).select_related("tv").order_by("tv_id")
    for placement in on_tv:
        _replace_on(placement.tv, placement.pk, result)
    return result


def placement_send_again(*, placement_id: int) -> ReplaceResult:
    """Send one placement's picture to its TV again, with the placement's matte, then
    delete the copy the TV had: a 2025 Frame takes a matte only with the picture."""
    result = ReplaceResult()
    placement = Placement.objects.select_related("tv").get(pk=placement_id)
    _replace_on(placement.tv, placement.pk, result)
    return result


def _replace_on(tv: TV, placement_id: int, result: ReplaceResult) -> None:
    placement = Placement.objects.select_related("artwork", "tv").get(pk=placement_id)
    old_id = None
    try:
        frame = tvs.frame_of(tv)
        with tvlock.holding(tv, wait=frame.lock_wait):
            # Read again holding the lock: the lane may have just sent it, or taken it off.
            placement.refresh_from_db()
            if placement.status != PlacementStatus.ON_TV or placement.content_id is None:
                return
            old_id = placement.content_id
            replaced = _replace_held(frame, placement, result)
    except DocentError as exc:  # the TV could not be reached: it keeps what it shows
        _kept_old(placement, exc, result)
        return
    finally:
        placements.tv_lane_resume(tv=tv)
    if replaced:
        # The old id is no placement's any more: named, or the file would keep its
        # entry as an original Docent's.
        metafile.sync(tv=tv, forget={old_id})
        if placement.artwork.favourite:
            placements.kick_lane_on_commit(tv.pk)  # the lane stars the new copy on the TV


def _replace_held(frame: frametv.FrameTV, placement: Placement, result: ReplaceResult) -> bool:
    """Upload the new picture, then delete the old one; whether the new one went.
    Hold the TV's lock."""
    artwork, tv = placement.artwork, placement.tv
    if placement.replaced_content_id:
        # An old copy from the last time is deleted first: never more than one left.
        try:
            _leftover_delete(frame, placement)
        except frametv.TVAnswered as exc:
            _kept_old(placement, f"{tv.name} kept {placement.replaced_content_id}, the copy "
                      f"before, when asked to delete it ({exc})", result)
            return False
        placement.refresh_from_db()
    old_id = frametv.content_id_of(placement.content_id)
    matte = placement.matte_id or tv.matte_for(artwork.width, artwork.height)
    before = frame.photo_ids()
    shown = _showing(frame)
    try:
        with artwork.image.open("rb") as handle:
            jpeg = handle.read()
        try:
            new_id = frame.upload(jpeg, matte=matte)
        except frametv.TVUploadUnconfirmed:
            new_id = _landed(frame, before)
            if new_id is None:
                raise
    except (DocentError, OSError) as exc:
        _kept_old(placement, exc, result)
        return False
    now = timezone.now()
    Placement.objects.filter(pk=placement.pk).update(
        content_id=new_id, uploaded_at=now, matte_id=matte, tv_favourite=False,
        last_error="", updated_at=now)
    placement.refresh_from_db()
    result.replaced.append(placement)
    logger.info("Artwork %s on %s: %r replaces %r", artwork.pk, tv.name, new_id, old_id)
    if shown == old_id:
        # The screen showed the old copy: it goes on to the new one, in Art Mode only
        # (show() never wakes a TV someone watches), before the old one is deleted.
        with contextlib.suppress(DocentError):
            frame.show(new_id)
    try:
        if not frame.delete(old_id) and old_id in frame.photo_ids():
            raise frametv.TVRejected(f"The TV kept {old_id} when asked to delete it.")
    except DocentError as exc:
        why = (f"the previous copy {old_id} is still on {tv.name} ({exc}); Docent tries "
               "again to delete it.")
        Placement.objects.filter(pk=placement.pk).update(
            last_error=f"Replaced, but {why}", replaced_content_id=old_id)
        result.old_left.append((placement, why))
        logger.warning("Artwork %s: %s", artwork.pk, why)
    return True


def _showing(frame: frametv.FrameTV) -> str | None:
    try:
        return frame.showing()
    except DocentError:  # it does not say: nothing to follow
        return None


def leftovers_delete() -> int:
    """Delete the old copies that TVs kept when their pictures were replaced (the TV went
    off in between, say), each TV that answers holding its lock; a TV busy or off is
    tried at the next sweep. How many were deleted (or found gone)."""
    done = 0
    left = Placement.objects.exclude(replaced_content_id="").filter(
        tv__enabled=True).select_related("tv").order_by("tv_id", "pk")
    by_tv: dict[TV, list[Placement]] = {}
    for placement in left:
        by_tv.setdefault(placement.tv, []).append(placement)
    for tv, waiting in by_tv.items():
        deleted = 0
        try:
            frame = tvs.frame_of(tv)
            with tvlock.holding(tv, wait=0):
                for placement in waiting:
                    try:
                        _leftover_delete(frame, placement)
                    except frametv.TVAnswered as exc:  # this one stays; the next may go
                        logger.warning("%s kept %s: %s", tv.name,
                                       placement.replaced_content_id, exc)
                        continue
                    deleted += 1
        except DocentError as exc:  # off, busy: the next sweep tries again
            logger.info("%s: old copies left to delete at the next sweep: %s", tv.name, exc)
        finally:
            placements.tv_lane_resume(tv=tv)
        if deleted:
            metafile.sync(tv=tv)
        done += deleted
    return done


def _leftover_delete(frame: frametv.FrameTV, placement: Placement) -> None:
    """Delete one old copy. Hold the TV's lock."""
    old_id = frametv.content_id_of(placement.replaced_content_id)
    if not frame.delete(old_id) and old_id in frame.photo_ids():
        raise frametv.TVRejected(f"The TV kept {old_id} when asked to delete it.")
    Placement.objects.filter(pk=placement.pk, replaced_content_id=placement.replaced_content_id
                             ).update(replaced_content_id="", last_error="",
                                      updated_at=timezone.now())
    logger.info("Deleted %s, the copy artwork %s replaced on %s", old_id,
                placement.artwork_id, placement.tv.name)


def _landed(frame: frametv.FrameTV, before: set[str]) -> str | None:
    """The new picture's id when its confirmation was lost but it landed: the one new id."""
    try:
        new = frame.photo_ids() - before
    except DocentError:
        return None
    return new.pop() if len(new) == 1 else None


def _kept_old(placement: Placement, exc: Exception | str, result: ReplaceResult) -> None:
    why = f"{exc}"
    Placement.objects.filter(pk=placement.pk).update(
        last_error=f"Still shows the previous picture: the new one was not sent ({why}).",
        updated_at=timezone.now())
    result.kept_old.append((placement, why))
    logger.warning("Artwork %s keeps its previous picture on %s: %r", placement.artwork_id,
                   placement.tv.name, why)


def artwork_recrop(*, artwork_id: int, box: dict) -> tuple[Artwork, ReplaceResult]:
    """The crop editor's Save: the picture is filled again to this 16:9 box of its
    original (chosen by hand), and replaced on each TV it is on. BadCropBox or
    FramingRejected, with nothing changed, for a box or a picture that cannot be."""
    artwork = Artwork.objects.get(pk=artwork_id)
    if not artwork.original:
        raise framing.FramingRejected(
            f"Docent does not have the original of “{artwork}”, so it cannot crop it "
            "again: import it again to get it.")
    width, height = imaging.upright_size(artwork.original.path)
    checked = cropping.box_checked(box, width=width, height=height)
    artwork = framing.artwork_reframe(
        artwork=artwork, crop_box={**checked, "source": CropSource.MANUAL})
    return artwork, artwork_replace_on_tvs(artwork_id=artwork.pk)


def artwork_reframe_on_tvs(*, artwork_id: int, framing_to: str) -> tuple[Artwork, ReplaceResult]:
    """Another framing for a picture (fit, as is, or fill with smart crop's box), from
    its original, replaced on each TV it is on. FramingRejected, with nothing changed,
    for a framing that is not one or a picture that cannot be framed again."""
    if framing_to not in Framing.values:
        raise framing.FramingRejected(
            f"A framing is one of {', '.join(Framing.values)}, not {framing_to!r}.")
    artwork = Artwork.objects.get(pk=artwork_id)
    box = framing.artwork_crop_suggestion(artwork=artwork) \
        if framing_to == Framing.FILL and artwork.original else None
    artwork = framing.artwork_reframe(artwork=artwork, framing=framing_to, crop_box=box)
    return artwork, artwork_replace_on_tvs(artwork_id=artwork.pk)
