"""A TV that does not answer (switched off, unplugged, off the network) is asked less
and less often: the background checks and the rotation's timer each wait twice as
long after every miss, up to a ceiling, and keep their own pace again as soon as the
TV answers anyone (its `last_seen_at`: a check, a lane, a rotation).

A home whose TVs are off most of the day would otherwise have each of them knocked
on every minute, all day, for nothing.
"""

from datetime import datetime

from docentsite.artwork.models import TV


def wait_after(misses: int, *, every: float, most: float) -> float:
    """Seconds before asking again a TV that did not answer `misses` times in a row,
    when a TV that answers is asked every `every` seconds: `every` after the first
    miss (or none), then doubling, at most `most` (never less than `every`)."""
    return min(every * 2 ** max(misses - 1, 0), max(most, every))


def seen_since(tv: TV, moment: datetime | None) -> bool:
    """Whether the TV answered someone after `moment` (None: never asked)."""
    return moment is None or (tv.last_seen_at is not None and tv.last_seen_at > moment)
