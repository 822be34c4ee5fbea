"""Docent's stars mirrored to each TV's own Favourites (MY-C0004), where the TV keeps
them: the TV's slideshow can then play "Favourites" from Docent's choice.

The TV's lane does it (lane.tv_lane_run), after its uploads and holding the
TV's lock for each change, so a change never overlaps a transfer and no request
waits for the TV. Starring or unstarring starts the lane of every TV the picture is
on; a picture uploaded as a favourite is starred on the TV right after its upload.
A TV that is off is not retried: its check, once it answers again, reads the TV's
Favourites, corrects what differs either way (Docent's star wins, but a star the TV
had before Docent knew is taken in) and starts the lane. A TV whose firmware does
not know the request is said so once and not asked again until its Art API version
changes (a firmware update).
"""

import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from docentsite.artwork import tvlock, tvs
from docentsite.artwork.errors import DocentError
from docentsite.artwork.frametv import (
    FrameTV,
    TVAnswered,
    TVBusy,
    TVNotSupported,
    TVStatus,
    content_id_of,
)
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus

logger = logging.getLogger(__name__)

#: Seconds before the lane tries again when another transfer held the TV's lock.
LANE_HELD_RETRY = 5.0

#: What the TV card and the API say of a TV whose firmware keeps no favourites.
UNSUPPORTED = ("its firmware does not keep favourites (it does not know change_favorite): "
               "stars stay in Docent")


def tv_favourites_behind(*, tv: TV):
    """Docent's pictures on this TV whose star the TV does not show as Docent has it.
    One whose state on the TV is not known counts when it is a favourite."""
    return Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV).exclude(
        content_id=None).filter(
        Q(artwork__favourite=True) & ~Q(tv_favourite=True)
        | Q(artwork__favourite=False, tv_favourite=True))


@dataclass
class Mirrored:
    changed: int = 0
    #: Another transfer held the TV's lock: the lane runs again in this many seconds.
    retry_in: float | None = None


def tv_favourites_mirror(*, tv: TV, frame: FrameTV | None = None) -> Mirrored:
    """Star and unstar on the TV what differs from Docent's stars, one picture at a time,
    each holding the TV's lock (never waiting for it). Stops quietly when the TV does not
    answer: its next check catches up."""
    result = Mirrored()
    if tv.favourites_supported is False:
        return result
    for placement in tv_favourites_behind(tv=tv).select_related("artwork").order_by("pk"):
        wanted = placement.artwork.favourite
        try:
            frame = frame or tvs.frame_of(tv)
            with tvlock.holding(tv, wait=0):
                frame.set_favourite(content_id_of(placement.content_id), wanted)
        except tvlock.LaneBusy:
            result.retry_in = LANE_HELD_RETRY
            break
        except TVNotSupported as exc:
            _unsupported(tv, exc)
            break
        except TVBusy as exc:
            logger.info("%s is busy; its favourites follow at its next check: %s", tv.name, exc)
            break
        except TVAnswered as exc:  # it no longer has this picture: its check finds so
            logger.warning("%s did not change the favourite %s: %s", tv.name,
                           placement.content_id, exc)
            continue
        except DocentError as exc:  # off, asleep, not paired
            logger.info("%s's favourites follow at its next check: %s", tv.name, exc)
            break
        Placement.objects.filter(pk=placement.pk).update(tv_favourite=wanted)
        result.changed += 1
        if tv.favourites_supported is not True:
            TV.objects.filter(pk=tv.pk).update(favourites_supported=True)
            tv.favourites_supported = True
    return result


def _unsupported(tv: TV, exc: TVNotSupported) -> None:
    """Said once: the TV is not asked again until its firmware changes."""
    if TV.objects.filter(pk=tv.pk).exclude(favourites_supported=False).update(
            favourites_supported=False):
        logger.warning("%s: %s (%s)", tv.name, UNSUPPORTED, exc)
    tv.favourites_supported = False


def tv_favourites_learned(*, tv: TV, status: TVStatus) -> dict:
    """What the TV's check found of its Favourites, kept on Docent's placements; the
    lane is started when the TV differs from Docent's stars. The check's facts."""
    supported = TV.objects.filter(pk=tv.pk).values_list("favourites_supported", flat=True).first()
    if status.favourite_ids is None:
        return {"favourites": None}
    starred = {content_id_of(cid) for cid in status.favourite_ids}
    rows = Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV).exclude(content_id=None)
    on_tv = [pk for pk, cid in rows.values_list("pk", "content_id")
             if content_id_of(cid) in starred]
    # A star the TV had before Docent knew its state (an original Docent's picture just
    # adopted, one placed before favourites were mirrored) is taken into Docent; from
    # then on Docent's star wins.
    first_seen = list(rows.filter(pk__in=on_tv, tv_favourite=None).values_list(
        "artwork_id", flat=True))
    if first_seen:
        Artwork.objects.filter(pk__in=first_seen, favourite=False).update(
            favourite=True, updated_at=timezone.now())
        artworks_starred(artwork_ids=first_seen)
    rows.filter(pk__in=on_tv).exclude(tv_favourite=True).update(tv_favourite=True)
    rows.exclude(pk__in=on_tv).exclude(tv_favourite=False).update(tv_favourite=False)
    behind = tv_favourites_behind(tv=tv).count() if supported is not False else 0
    if behind and tv.enabled:
        from docentsite.artwork.lane import kick_lane_on_commit

        kick_lane_on_commit(tv.pk)
    return {"favourites": {"supported": supported, "starred": len(on_tv), "behind": behind}}


def artworks_starred(*, artwork_ids) -> None:
    """Stars changed: the lane of each TV these pictures are on mirrors them."""
    from docentsite.artwork.lane import kick_lane_on_commit

    for tv_id in set(Placement.objects.filter(
            artwork_id__in=list(artwork_ids), status=PlacementStatus.ON_TV,
            tv__enabled=True).exclude(tv__favourites_supported=False).values_list(
            "tv_id", flat=True)):
        kick_lane_on_commit(tv_id)
