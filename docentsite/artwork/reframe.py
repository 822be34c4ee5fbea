"""A picture prepared again (a new crop, another framing) replaces the old one on its TVs.

Preparing happens at once; the TVs' part is each TV's lane's (lane.py): asking
marks the placements (`replace_asked_at`) and starts the lanes, so a page never waits
on a TV. On each TV the new JPEG goes up first and the old one is deleted after, both
holding the TV's lock (tvlock.py), so the TV never holds two copies once it is done
and never none: a TV that refuses the new picture keeps the old one, and its placement
says why; one that cannot be reached keeps it too, and its lane tries again later.
A worker killed midway leaves the placement marked, with the TV's ids from before
the upload (a copy that landed is adopted, not sent twice) or the old copy's id in
`replaced_content_id` (deleted by the next lane run or the sweep).

Change matte on a TV that takes a matte only with the picture (2025 firmware) is the
same replacement, with the matte asked for (`matte_asked`) sent along.
"""

import contextlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from docentsite.artwork import (
    cropping,
    frametv,
    framing,
    heartbeat,
    imaging,
    lane,
    matte_fit,
    metafile,
    placements,
    tvlock,
    tvs,
    tvupload,
)
from docentsite.artwork.errors import DocentError
from docentsite.artwork.mattes import matte_name
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


def artwork_replace_ask(*, artwork_id: int) -> list[Placement]:
    """The artwork's prepared JPEG changed: each TV it is on is to get the new one, then
    lose the old one, in its lane, once the transaction commits. The placements asked
    (the TVs the page names). A placement still waiting for its TV is left to its lane,
    which sends the new JPEG; one uploading now is marked too, in case it sends the old."""
    now = timezone.now()
    with transaction.atomic():
        asked = Placement.objects.filter(
            artwork_id=artwork_id, status__in=placements.ON_TV_STATUSES)
        asked.update(replace_asked_at=now, updated_at=now)
        # Counted afresh: a replacement asked again starts its tries again (an upload
        # under way keeps its own count).
        asked.filter(status=PlacementStatus.ON_TV).update(
            upload_attempts=0, next_attempt_at=None, waiting_reason="")
        marked = list(asked.select_related("tv").order_by("tv__name", "tv_id"))
        for tv_id in {p.tv_id for p in marked}:
            lane.kick_lane_on_commit(tv_id)
    return marked


def matte_send_again_ask(*, placements_asked: list[Placement], matte_id: str) -> None:
    """Change matte on a TV that takes a matte only with the picture: each of these
    pictures on it is to be sent again with `matte_id`, then lose the copy it had, in
    the TV's lane once the transaction commits. Contacts no TV."""
    now = timezone.now()
    with transaction.atomic():
        Placement.objects.filter(
            pk__in=[p.pk for p in placements_asked], status=PlacementStatus.ON_TV,
        ).update(matte_asked=matte_id, replace_asked_at=now, upload_attempts=0,
                 next_attempt_at=None, waiting_reason="", updated_at=now)
        for tv_id in {p.tv_id for p in placements_asked}:
            lane.kick_lane_on_commit(tv_id)


def tv_names(placed: list[Placement]) -> str:
    """"Den", "Den and Kitchen", "Den, Hall and Kitchen"."""
    names = [p.tv.name for p in placed]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class OnTV:
    """What the crop page says of one TV the picture is on."""

    tv: str
    said: str
    #: Still to happen: the page looks again.
    replacing: bool


def replacements_said(*, artwork_id: int) -> list[OnTV]:
    """Each TV the picture is on, and where its replacement stands."""
    return [OnTV(tv=p.tv.name, said=replacement_said(p), replacing=p.replace_asked_at is not None)
            for p in Placement.objects.filter(artwork_id=artwork_id, status=PlacementStatus.ON_TV
                                              ).select_related("tv").order_by("tv__name")]


def replacement_said(placement: Placement) -> str:
    """What a page says of a picture on a TV: being replaced (by a new crop, or the same
    picture with another matte), and what the TV shows meanwhile; or what it shows.
    A TV that does not answer yet is no error: it shows the picture as it was."""
    p = placement
    if not p.replace_asked_at:
        return p.last_error or f"Shows it as {p.content_id}."
    if p.matte_asked:
        now = ("as it was" if not p.matte_id else "as it was (no matte)" if p.matte_id == "none"
               else f"as it was (matte {matte_name(p.matte_id)})")
        coming = f"to be sent again with the matte {matte_name(p.matte_asked)}"
        doing = f"Sending it again with the matte {matte_name(p.matte_asked)}…"
    else:
        now, coming = "with the previous picture", "to be replaced by the new one"
        doing = "Replacing it with the new picture…"
    if not p.waiting_reason:
        return doing
    when = timezone.localtime(p.next_attempt_at).strftime("%H:%M:%S") \
        if p.next_attempt_at else "soon"
    return (f"On the TV {now}, {coming} when {p.tv.name} answers "
            f"({p.waiting_reason.rstrip('.')}); Docent tries again at {when}.")


def placement_replace(*, placement_id: int, frame: frametv.FrameTV) -> ReplaceResult:
    """The lane's part: the TV gets the placement's new picture and loses the old copy.
    Hold the lane. A TV that refuses keeps the old one, said on the placement and in the
    result; DocentError (transient) when the TV cannot be reached now: the placement
    stays marked, and the lane tries again later."""
    result = ReplaceResult()
    placement = Placement.objects.select_related("artwork", "tv").get(pk=placement_id)
    asked = placement.replace_asked_at
    if asked is None or placement.status != PlacementStatus.ON_TV or not placement.content_id:
        return result
    rows = Placement.objects.filter(pk=placement.pk)
    rows.update(upload_attempts=F("upload_attempts") + 1)
    with heartbeat.beating(rows):
        _replace_held(frame, placement, result, asked=asked)
    if result.kept_old:
        _done_asking(placement, asked)
    return result


def replacement_given_up(*, placement: Placement, why: str) -> None:
    """The TV did not answer however often its lane asked: it keeps the old picture."""
    _kept_old(placement, why, ReplaceResult())
    _done_asking(placement, placement.replace_asked_at)


def replacements_refused(*, tv: TV, why: str) -> None:
    """Someone pressed Deny on the TV: each picture waiting to be replaced there stays."""
    for placement in lane.replacements_ready(tv).select_related("tv"):
        replacement_given_up(placement=placement, why=why)


def _done_asking(placement: Placement, asked) -> None:
    # Only the request this run answered: a Save since then is the lane's next turn.
    Placement.objects.filter(pk=placement.pk, replace_asked_at=asked).update(
        replace_asked_at=None, matte_asked="", waiting_reason="", next_attempt_at=None)


def _replace_held(frame: frametv.FrameTV, placement: Placement, result: ReplaceResult,
                  *, asked=None) -> None:
    """Upload the new picture, then delete the old one. Hold the TV's lock. A refusal is
    recorded (kept_old); a TV that cannot be reached raises (transient DocentError), and
    the TV's ids from before the upload stay on the placement for the next try. It goes
    with the matte asked for (Change matte's), else the one it has; one the TV does not
    take gives way to the TV's default where that suits, else to none (matte_note)."""
    artwork, tv = placement.artwork, placement.tv
    rows = Placement.objects.filter(pk=placement.pk)
    try:
        if placement.replaced_content_id:
            # An old copy from the last time is deleted first: never more than one left.
            try:
                _leftover_delete(frame, placement)
            except frametv.TVAnswered as exc:
                raise frametv.TVRejected(
                    f"{tv.name} kept {placement.replaced_content_id}, the copy before, when "
                    f"asked to delete it ({exc})") from exc
            placement.refresh_from_db()
        old_id = frametv.content_id_of(placement.content_id)
        wanted = placement.matte_asked or placement.matte_id
        matte, note = matte_fit.matte_to_upload(tv=tv, artwork=artwork, wanted=wanted)
        if not placement.matte_asked and matte == placement.matte_id:
            note = note or placement.matte_note  # the same matte: the same reason for it
        new_id = None
        if placement.tv_ids_before is not None:
            # A try before ended without an answer (the TV went off, a worker died): a
            # copy that landed then is this one.
            new_id = tvupload.landed_since(frame, placement)
        shown = _showing(frame)
        if new_id is None:
            before = frame.photo_ids()
            rows.update(tv_ids_before=sorted(before))
            jpeg = tvupload.prepared_jpeg(artwork)
            try:
                new_id = frame.upload(jpeg, matte=matte)
            except frametv.TVUploadUnconfirmed:
                new_id = _landed(frame, before)
                if new_id is None:
                    raise
            except frametv.TVRejected as exc:
                if not tvupload.refused_for_its_matte(exc, matte):
                    raise
                new_id, matte, note = tvupload.upload_after_refusal(
                    placement, frame, jpeg, before, exc, matte, wanted=wanted)
    except (DocentError, OSError) as exc:
        if getattr(exc, "transient", False):
            raise
        rows.update(tv_ids_before=None)
        _kept_old(placement, exc, result)
        return
    now = timezone.now()
    # The new id and the old one in one write: a worker killed after it leaves the old
    # copy named, for the next run or the sweep to delete.
    # Only what this run answered: a Save or a Change matte since is the lane's next turn.
    asked_now = {} if asked is None else {"replace_asked_at": Case(
        When(replace_asked_at=asked, then=Value(None)), default=F("replace_asked_at"))}
    rows.update(content_id=new_id, replaced_content_id=old_id, tv_ids_before=None,
                uploaded_at=now, matte_id=matte, matte_note=note, tv_favourite=False,
                last_error="", waiting_reason="", next_attempt_at=None, updated_at=now,
                matte_asked=Case(When(matte_asked=placement.matte_asked, then=Value("")),
                                 default=F("matte_asked")), **asked_now)
    placement.refresh_from_db()
    result.replaced.append(placement)
    logger.info("Artwork %s on %s: %r replaces %r", artwork.pk, tv.name, new_id, old_id)
    if shown == old_id:
        # The screen showed the old copy: it goes on to the new one, in Art Mode only
        # (show() never wakes a TV someone watches), before the old one is deleted.
        with contextlib.suppress(DocentError):
            frame.show(new_id)
    try:
        _leftover_delete(frame, placement, follow=False)  # it followed above
    except DocentError as exc:
        why = (f"the previous copy {old_id} is still on {tv.name} ({exc}); Docent tries "
               "again to delete it.")
        rows.update(last_error=f"Replaced, but {why}")
        result.old_left.append((placement, why))
        logger.warning("Artwork %s: %s", artwork.pk, why)


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
            lane.tv_lane_resume(tv=tv)
        if deleted:
            metafile.sync(tv=tv)
        done += deleted
    return done


def _leftover_delete(frame: frametv.FrameTV, placement: Placement, *,
                     follow: bool = True) -> None:
    """Delete one old copy; a TV showing it goes on to the new one first (`follow`, in
    Art Mode only). Hold the TV's lock."""
    old_id = frametv.content_id_of(placement.replaced_content_id)
    if follow and placement.content_id and _showing(frame) == old_id:
        with contextlib.suppress(DocentError):
            frame.show(frametv.content_id_of(placement.content_id))
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
    said = (f"Still shows it as it was: it was not sent again with the matte "
            f"{matte_name(placement.matte_asked)} ({why})." if placement.matte_asked else
            f"Still shows the previous picture: the new one was not sent ({why}).")
    Placement.objects.filter(pk=placement.pk).update(last_error=said,
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
    return artwork, artwork_replace_ask(artwork_id=artwork.pk)


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
    return artwork, artwork_replace_ask(artwork_id=artwork.pk)
