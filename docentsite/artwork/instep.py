"""Each TV kept in step with Docent, from the list of pictures the background check got.

A picture of Docent's that the TV no longer lists was deleted there (with the remote,
the SmartThings app): its placement becomes removed, its artwork stays in the library
and can be sent again. Pictures on the TV that Docent did not upload are counted and
named, and deleted only when the owner asks (foreign.py).
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from docentsite.artwork import metafile, tvs
from docentsite.artwork.frametv import TVStatus, content_id_of
from docentsite.artwork.models import TV, Placement, PlacementStatus

logger = logging.getLogger(__name__)

#: A placement uploaded this soon before the TV was asked for its list may be missing
#: from it without having been deleted: the TV lists a picture a moment after it lands,
#: and a process's clock is not the TV's. It is looked at again on the next check.
SETTLING = timedelta(seconds=60)

#: What a placement found gone from the TV says.
DELETED_ON_TV = ("Deleted on the TV (with the remote or the SmartThings app). Docent keeps "
                 "the picture: Put back sends it again.")

#: How many of the TV's other pictures the status page names; all are counted.
FOREIGN_NAMED = 50


@dataclass
class InStep:
    #: Docent's pictures the TV no longer has, marked removed by this run.
    removed: list[Placement] = field(default_factory=list)
    #: Content ids on the TV that Docent did not upload, sorted.
    foreign: list[str] = field(default_factory=list)

    def facts(self) -> dict:
        """What the TV check keeps of it for the status page."""
        return {"foreign_count": len(self.foreign), "foreign": self.foreign[:FOREIGN_NAMED]}


def tv_reconcile(*, tv: TV, status: TVStatus) -> InStep:
    """Compare the TV's list (`status`, from frametv.status()) with its placements.

    Only a placement on the TV since before the list was taken (and SETTLING more) can
    be found deleted: one uploading now, or just uploaded, may be missing from a list
    the TV gave before it landed. Each is claimed with its state and content id as read,
    so a placement that changed meanwhile (removed by Docent, sent again) is left as it is.
    """
    result = InStep()
    if status.content_ids is None or status.listed_at is None:
        return result
    listed = {content_id_of(cid) for cid in status.content_ids}
    before = datetime.fromtimestamp(status.listed_at, tz=UTC) - SETTLING
    rows = list(Placement.objects.filter(tv=tv).exclude(content_id=None))
    for placement in rows:
        if (placement.status != PlacementStatus.ON_TV
                or content_id_of(placement.content_id) in listed
                or (placement.uploaded_at is not None and placement.uploaded_at >= before)):
            continue
        claimed = Placement.objects.filter(
            Q(uploaded_at=None) | Q(uploaded_at__lt=before), pk=placement.pk,
            status=PlacementStatus.ON_TV, content_id=placement.content_id,
        ).update(status=PlacementStatus.REMOVED, last_error=DELETED_ON_TV,
                 updated_at=timezone.now())
        if claimed:
            result.removed.append(placement)
            logger.info("%s no longer has %r (artwork %s): marked removed", tv.name,
                        placement.content_id, placement.artwork_id)
    result.foreign = sorted(listed - _ours(tv, rows))
    if result.removed:
        metafile.sync(tv=tv)
    return result


def tv_foreign(*, tv: TV, listed: set[str]) -> set[str]:
    """Which of the TV's pictures (`listed`, content ids as content_id_of gives them)
    Docent did not upload."""
    return {content_id_of(cid) for cid in listed} - _ours(
        tv, Placement.objects.filter(tv=tv).exclude(content_id=None))


def _ours(tv: TV, rows) -> set[str]:
    """Docent's pictures on the TV as far as it knows: every placement's, and those the
    TV's artwork_meta.json names."""
    return {content_id_of(p.content_id) for p in rows} | _listed_in_meta(tv)


def _listed_in_meta(tv: TV) -> set[str]:
    """The pictures the TV's artwork_meta.json names: an original Docent's among them
    were uploaded by Docent, though no placement has them until they are adopted."""
    path = tvs.meta_path(tv)
    if not path.exists():
        return set()
    return {content_id_of(cid) for cid in metafile.read(path).get("artwork", {})}
