"""What a TV shows now and how its own slideshow is set, as the background check found
them: kept with the TV's check for the status page, never asked on a page view."""

from docentsite.artwork import tvs
from docentsite.artwork.errors import Rejected
from docentsite.artwork.frametv import TVStatus
from docentsite.artwork.models import TV, Placement, PlacementStatus

#: The categories a Frame's slideshow plays, in the words of its menu.
CATEGORIES = {"MY-C0002": "My Photos", "MY-C0004": "Favourites"}
#: How a slideshow goes: off, or one of the two orders the TV knows.
MODES = ("off", "shuffle", "in order")
#: The intervals a Frame's menu offers, in minutes: 2025 sets refuse any other.
MINUTES = (3, 15, 60, 720, 1440, 10080)


def tv_now_showing(*, tv: TV, status: TVStatus) -> dict:
    """The check's facts: `showing` (its content id, and the artwork when it is one of
    Docent's pictures on this TV) and `slideshow` (mode, minutes, category), each None
    when the TV did not say."""
    showing = None
    if status.showing:
        placement = (Placement.objects.filter(
            tv=tv, content_id=status.showing, status=PlacementStatus.ON_TV)
            .select_related("artwork").first())
        showing = {"content_id": status.showing,
                   "artwork_id": placement and placement.artwork_id,
                   "title": placement and str(placement.artwork)}
    slideshow = status.slideshow and {
        **status.slideshow, "every": every(status.slideshow.get("minutes")),
        "category": CATEGORIES.get(status.slideshow.get("category_id"),
                                   status.slideshow.get("category_id"))}
    return {"showing": showing, "slideshow": slideshow}


def tv_slideshow_set(*, tv: TV, mode: str, minutes: int | None, category_id: str) -> None:
    """Set the TV's own slideshow; Rejected for values the TV would refuse, before
    asking it. Nothing switches the TV to Art Mode."""
    if mode not in MODES:
        raise Rejected(f"A slideshow is {', '.join(MODES)}, not {mode!r}.")
    if mode != "off" and minutes not in MINUTES:
        raise Rejected("A Frame changes pictures every " + ", ".join(map(every, MINUTES))
                       + ": no other interval.")
    if category_id not in CATEGORIES:
        raise Rejected(f"A Frame's slideshow plays {' or '.join(CATEGORIES.values())}.")
    tvs.frame_of(tv).set_slideshow(minutes=None if mode == "off" else minutes,
                                   shuffle=mode == "shuffle", category_id=category_id)


def every(minutes: int | None) -> str:
    """An interval in the words of the TV's menu: 15 minutes, 12 hours, 1 day, 1 week."""
    if not minutes:
        return ""
    for unit, size in (("week", 10080), ("day", 1440), ("hour", 60)):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{minutes} minute{'s' if minutes > 1 else ''}"
