"""Which of a TV's mattes suit a picture, and what each TV taught Docent about them.

What real Frames do (docs/mattes.md): a matte goes only around a picture of exactly
the panel's size, 3840×2160 or 2160×3840 on its side ("This image doesn't support
Matte" otherwise); a few matte ids are taken at upload and then make the TV fail to
show the picture ("Unexpected error 40000"); a TV may refuse a matte for one shape
of picture; 2025 firmware (Art API 5) puts a matte around a picture only as it
arrives, and refuses change_matte afterwards. So Docent offers only the mattes that
suit, sends the matte with the upload, and remembers each refusal per TV and shape.
"""

import re

from django.db import IntegrityError, transaction

from docentsite.artwork.models import TV, Artwork, RefusedMatte

#: The Frame's 4K panel, landscape; a TV that told its resolution is taken at its word.
PANEL = (3840, 2160)
#: Mattes a Frame takes with the picture, then fails to show it with (error 40000),
#: whatever its shape: xchwarze/samsung-tv-ws-api#133, TheFab21/ha-samsungtv-smart#243.
FAILS_TO_SHOW = frozenset({"modernthin_black", "modern_apricot"})
#: Art API versions whose art app refuses change_matte: the matte is set at upload only.
_UPLOAD_ONLY_API = "5."


def shape_of(width: int | None, height: int | None) -> str:
    if not width or not height:
        return ""
    return "portrait" if height > width else "square" if height == width else "landscape"


def panel_of(tv: TV) -> tuple[int, int]:
    """The TV's panel, long side first: from its `resolution` ("3840x2160"), else 4K."""
    found = re.fullmatch(r"\s*(\d{3,5})\s*[x×*]\s*(\d{3,5})\s*", tv.resolution or "")
    if not found:
        return PANEL
    sides = sorted((int(found[1]), int(found[2])), reverse=True)
    return sides[0], sides[1]


def refused_by(tv: TV) -> set[tuple[str, str]]:
    """The (matte, shape) pairs this TV refused once."""
    return set(RefusedMatte.objects.filter(tv=tv).values_list("matte_id", "shape"))


def why_not(matte_id: str, *, tv: TV, width: int | None, height: int | None,
            refused: set[tuple[str, str]] | None = None) -> str:
    """Why this matte does not suit a picture of this size on this TV; "" when it does.

    A picture whose size is not known yet (not prepared) is judged by its matte alone."""
    if not matte_id or matte_id == "none":
        return ""
    if matte_id in FAILS_TO_SHOW:
        return (f"the matte {matte_id} makes a Frame fail to show the picture "
                "(“Unexpected error 40000”)")
    shape = shape_of(width, height)
    if not shape:
        return ""
    long, short = panel_of(tv)
    if (width, height) not in ((long, short), (short, long)):
        return (f"{tv.name} puts a matte only around a picture of exactly {long}×{short} "
                f"(or {short}×{long}); this one is {width}×{height}")
    if (matte_id, shape) in (refused_by(tv) if refused is None else refused):
        return f"{tv.name} refused the matte {matte_id} for {shape} pictures"
    return ""


def mattes_suiting(*, tv: TV, offered: list[str], artworks) -> list[str]:
    """Of the TV's mattes, those that suit every one of these pictures (`none` always)."""
    refused = refused_by(tv)
    sizes = {(a.width, a.height) for a in artworks}
    return [m for m in offered
            if all(not why_not(m, tv=tv, width=w, height=h, refused=refused) for w, h in sizes)]


def default_matte_problem(*, tv: TV, matte_id: str, portrait: bool) -> str:
    """Why this matte cannot be the TV's default for its landscape (or portrait) pictures;
    "" when it can. The default is judged for a picture prepared at the panel's size."""
    long, short = panel_of(tv)
    width, height = (short, long) if portrait else (long, short)
    reason = why_not(matte_id, tv=tv, width=width, height=height,
                     refused=refused_by(tv) if tv.pk else set())
    return f"{reason[0].upper()}{reason[1:]}: choose another matte or none." if reason else ""


def matte_to_upload(*, tv: TV, artwork: Artwork, wanted: str) -> tuple[str, str]:
    """The matte to send with this picture, and why it is not the one wanted ("" when
    it is): no matte rather than one the TV refuses or fails to show."""
    reason = why_not(wanted or "none", tv=tv, width=artwork.width, height=artwork.height)
    if not reason:
        return wanted or "none", ""
    return "none", f"{reason[0].upper()}{reason[1:]}; shown without a matte."


def refused_note(*, tv: TV, matte_id: str) -> str:
    return (f"{tv.name} refused the matte {matte_id} for this picture's shape; shown "
            "without a matte.")


def matte_refused(*, tv: TV, matte_id: str, width: int | None, height: int | None,
                  reason: str = "") -> None:
    """Remember that the TV would not frame a picture of this shape so: not tried again."""
    shape = shape_of(width, height)
    if not shape or matte_id in ("", "none"):
        return
    try:
        with transaction.atomic():
            RefusedMatte.objects.get_or_create(
                tv=tv, matte_id=matte_id, shape=shape, defaults={"reason": reason[:500]})
    except IntegrityError:  # learned a moment ago by another worker
        pass


def tv_changes_mattes(tv: TV) -> bool:
    """Whether the TV puts another matte around a picture it already has."""
    if tv.changes_mattes is not None:
        return tv.changes_mattes
    return not (tv.art_api_version or "").startswith(_UPLOAD_ONLY_API)


def tv_refused_matte_changes(*, tv: TV) -> None:
    TV.objects.filter(pk=tv.pk).update(changes_mattes=False)
    tv.changes_mattes = False


def upload_only_reason(tv: TV) -> str:
    return (f"{tv.name} puts a matte around a picture only as it arrives (its firmware "
            "refuses to change it afterwards): Change matte sends each picture again with "
            "the matte, then deletes the copy without it.")
