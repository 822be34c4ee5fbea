"""Deleting pictures on a TV that Docent did not upload: only when the owner asks, one by
one or all of them with the count typed, and never one of Docent's.

What is Docent's is decided again on the TV's own list, taken while holding the TV's
lock (instep.tv_foreign): the status page's list may be a minute old, and an upload
may have landed since.
"""

import logging
from dataclasses import dataclass, field

from docentsite.artwork import instep, tvlock, tvs
from docentsite.artwork.errors import NeedsAttention, Rejected
from docentsite.artwork.frametv import content_id_of
from docentsite.artwork.models import TV

logger = logging.getLogger(__name__)

#: The most pictures one request names.
MOST = 500


@dataclass
class ForeignDeleted:
    #: Deleted from the TV now.
    deleted: list[str] = field(default_factory=list)
    #: Asked for, but no longer on the TV.
    already_gone: list[str] = field(default_factory=list)
    #: Still on the TV after it was asked to delete them.
    kept: list[str] = field(default_factory=list)
    #: Pictures not from Docent left on the TV.
    left: int = 0


def tv_foreign_delete(*, tv: TV, content_ids: list[str] | None = None,
                      everything: bool = False,
                      confirm_count: int | None = None) -> ForeignDeleted:
    """Delete these pictures from the TV (`content_ids`), each one the TV holds and Docent
    did not upload; or `everything` of them, when `confirm_count` is how many there are.

    Rejected, and nothing deleted, when an id is one of Docent's pictures; NeedsAttention
    when the count typed is not the TV's count now (it changed since the owner looked).
    Waits for a transfer to the TV to end; TVUnavailable when the TV does not answer.
    """
    if everything == (content_ids is not None):
        raise Rejected("Name the pictures to delete, or ask for all of them with their count.")
    if everything and confirm_count is None:
        raise Rejected("Type how many pictures not from Docent the TV holds to delete them all.")
    if content_ids is not None:
        content_ids = list(dict.fromkeys(content_id_of(str(cid).strip()) for cid in content_ids))
        if not content_ids or not all(content_ids):
            raise Rejected("Name at least one picture to delete, by its content id.")
        if len(content_ids) > MOST:
            raise Rejected(f"At most {MOST} pictures at a time.")
    frame = tvs.frame_of(tv)
    result = ForeignDeleted()
    with tvlock.holding(tv, wait=frame.lock_wait):
        listed = {content_id_of(cid) for cid in frame.photo_ids()}
        foreign = instep.tv_foreign(tv=tv, listed=listed)
        if everything:
            if confirm_count != len(foreign):
                raise NeedsAttention(
                    f"{tv.name} now holds {len(foreign)} picture(s) not from Docent, not "
                    f"{confirm_count}: nothing was deleted. Look at the list again and type "
                    "the new count.")
            wanted = sorted(foreign)
        else:
            ours = [cid for cid in content_ids if cid in listed and cid not in foreign]
            if ours:
                raise Rejected(
                    f"{', '.join(ours)} {'is' if len(ours) == 1 else 'are'} Docent's: take "
                    "Docent's pictures off the TV from the gallery (Remove from TV). "
                    "Nothing was deleted.")
            wanted = [cid for cid in content_ids if cid in foreign]
            result.already_gone = [cid for cid in content_ids if cid not in listed]
        gone = frame.delete_many(wanted) if wanted else set()
    result.deleted = [cid for cid in wanted if cid in gone]
    result.kept = [cid for cid in wanted if cid not in gone]
    result.left = len(foreign) - len(result.deleted)
    if result.deleted:
        logger.info("Deleted %d picture(s) not from Docent from %s at its owner's request: %s",
                    len(result.deleted), tv.name, ", ".join(result.deleted))
    from docentsite.artwork.lane import tv_lane_resume

    tv_lane_resume(tv=tv)
    return result
