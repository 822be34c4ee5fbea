"""How many pictures a TV may hold, known before every upload.

A TV's capacity counts everything in its My Photos, Docent's pictures and others'
alike: it is what the TV can take. The owner sets it on the TVs page; Docent learns
it when the TV answers that its storage is full. Before an upload the lane counts
what the TV holds: at capacity, it makes room (when the owner allowed it for that
TV) by removing the picture Docent put there longest ago, or the picture waits
for a person. A picture Docent did not upload has no placement, so it is never a
candidate; neither is a favourite marked keep.
"""

from django.db.models import F

from docentsite.artwork.models import TV, Placement, PlacementStatus
from docentsite.status.models import CheckResult


def room_needed(*, tv: TV, held: int) -> int:
    """How many pictures must leave the TV before one more fits (0: it fits)."""
    if tv.capacity is None:
        return 0
    return max(held - tv.capacity + 1, 0)


def full(*, tv: TV, held: int) -> str:
    return f"{tv.name} is full ({held} of {tv.capacity}): allow rotation or remove pictures"


def no_room(*, tv: TV, held: int, kept: int) -> str:
    """Why rotation found too few of Docent's pictures to remove."""
    if kept:
        return (f"{tv.name} is full ({held} of {tv.capacity}) and Docent may remove none of "
                f"its pictures there: {kept} {'is a favourite' if kept == 1 else 'are favourites'}"
                " marked keep. Unmark one, remove pictures or raise its capacity")
    return (f"{tv.name} is full ({held} of {tv.capacity}) with pictures Docent did not put "
            "there, which it never removes: remove pictures or raise its capacity")


def candidates(*, tv: TV, present: set[str] | None = None,
               placement: Placement | None = None) -> tuple[list[Placement], int]:
    """Docent's pictures on the TV that may make room (or leave in a rotation), the one
    uploaded longest ago first (a picture adopted from an original Docent, with no
    upload time, before all), and how many others are kept. Never the picture the TV
    showed at its last check. `present`: only those the TV listed (None: as Docent
    knows them); `placement`: the one being uploaded, which stays."""
    on_tv = (Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV)
             .exclude(content_id=None)
             .exclude(content_id=_showing(tv))
             .select_related("artwork")
             .order_by(F("uploaded_at").asc(nulls_first=True), "pk"))
    if placement is not None:
        on_tv = on_tv.exclude(pk=placement.pk)
    mine = [p for p in on_tv if present is None or p.content_id in present]
    kept = sum(1 for p in mine if p.artwork.keep)
    return [p for p in mine if not p.artwork.keep], kept


def _showing(tv: TV) -> str:
    facts = CheckResult.objects.filter(tv=tv).values_list("facts", flat=True).first() or {}
    return (facts.get("showing") or {}).get("content_id") or ""


#: How the note of a picture removed to make room begins (the gallery card finds it so).
MADE_ROOM = "Made room for "


def made_room_note(*, tv: TV, placement: Placement) -> str:
    return f"{MADE_ROOM}{placement.artwork} ({tv.name} holds {tv.capacity})."


def tv_learned_full(*, tv: TV, held: int) -> str:
    """The TV took no more at `held` pictures: its capacity is at most that from now on.
    What the upload's placement says."""
    capacity = held if tv.capacity is None else min(tv.capacity, held)
    TV.objects.filter(pk=tv.pk).update(capacity=capacity, full_at=held)
    tv.capacity, tv.full_at = capacity, held
    return (f"{tv.name} is full: it took no more at {held} pictures; Docent will keep it "
            f"at {capacity} (change it on the TVs page)")


def used_of(tv: TV) -> str:
    """"57 of 60", "57" with no capacity set, "—" before Docent has looked."""
    used = "—" if tv.photo_count is None else str(tv.photo_count)
    return used if tv.capacity is None else f"{used} of {tv.capacity}"


def capacity_hint(tv: TV | None) -> str:
    """The TVs page's suggestion for a TV's capacity, from what the TV said."""
    said = []
    if tv is not None and tv.full_at is not None:
        said.append(f"It answered that its storage was full at {tv.full_at} pictures: "
                    f"{tv.full_at} is the most it takes.")
    if tv is not None and tv.photo_count is not None:
        said.append(f"It held {tv.photo_count} when Docent last looked.")
    said.append("Owners report about 35, 60 and 300 pictures on different models. Empty: "
                "Docent learns it when the TV first answers that it is full.")
    return " ".join(said)
