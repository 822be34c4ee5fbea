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

from docentsite.artwork.mattes import matte_name
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


def matte_to_upload(*, tv: TV, artwork: Artwork, wanted: str = "") -> tuple[str, str]:
    """The matte to send with this picture, and why it is not the one asked for ("" when
    it is): no matte rather than one the TV refuses or fails to show.

    `wanted`: this placement's own (Change matte's, or the one it shows when it is sent
    again); else the matte the import asked for (`artwork.matte`); else the TV's default
    for the picture's shape. One asked for that does not suit falls back to the TV's
    default where that suits, else to none."""
    default = tv.matte_for(artwork.width, artwork.height)
    asked = wanted or artwork.matte or default
    reason = _not_offered(asked, tv=tv) or why_not(
        asked, tv=tv, width=artwork.width, height=artwork.height)
    if not reason:
        return asked, ""
    reason = f"{reason[0].upper()}{reason[1:]}"
    if asked != default and default != "none" and not (
            _not_offered(default, tv=tv)
            or why_not(default, tv=tv, width=artwork.width, height=artwork.height)):
        return default, f"{reason}; shown with the TV's default matte ({matte_name(default)})."
    return "none", f"{reason}; shown without a matte."


def _not_offered(matte_id: str, *, tv: TV) -> str:
    """A matte the TV did not list when Docent last asked ("" when unknown)."""
    if matte_id in ("", "none") or not tv.mattes or matte_id in tv.mattes:
        return ""
    return f"{tv.name} has no matte {matte_id}"


def import_mattes(tvs: list[TV]) -> list[str]:
    """The mattes an import for these TVs may ask for: those any of them listed, never
    one known to make a Frame fail to show the picture; `none` first."""
    offered = dict.fromkeys(m for tv in tvs for m in tv.mattes
                            if m != "none" and m not in FAILS_TO_SHOW)
    return ["none", *offered]


def import_matte_offer(tvs: list[TV]) -> dict:
    """What a page needs to offer an import's mattes for these TVs without asking them:
    the mattes, the panel (the first TV's), and for each matte the shapes of picture
    every TV offering it refused it for (those it suits nowhere)."""
    refused = {tv.pk: refused_by(tv) for tv in tvs}
    mattes, unsuited = import_mattes(tvs), {}
    for matte_id in mattes[1:]:
        offering = [tv for tv in tvs if matte_id in tv.mattes]
        shapes = [shape for shape in ("landscape", "portrait")
                  if all((matte_id, shape) in refused[tv.pk] for tv in offering)]
        if shapes:
            unsuited[matte_id] = shapes
    return {"mattes": mattes, "unsuited": unsuited,
            "panel": list(panel_of(tvs[0]) if tvs else PANEL)}


def import_matte_problem(matte_id: str | None, *, tvs: list[TV]) -> str:
    """Why an import for these TVs cannot ask for this matte; "" when it can (None and
    "" leave each TV's default). A matte whose fit depends on the picture is taken:
    each TV it does not suit falls back to its default or none (matte_to_upload)."""
    if not matte_id or matte_id == "none":
        return ""
    if matte_id in FAILS_TO_SHOW:
        return (f"The matte {matte_id} makes a Frame fail to show the picture (“Unexpected "
                "error 40000”): choose another matte or none.")
    if matte_id in import_mattes(tvs):
        return ""
    if not tvs:
        return ("Docent knows no TV yet, so no matte can be chosen: add one on the TVs page, "
                "or leave the matte to the TV's default.")
    names = ", ".join(tv.name for tv in tvs)
    unknown = [tv.name for tv in tvs if not tv.mattes]
    hint = (f" Docent has not seen the mattes of {', '.join(unknown)} yet: check the TV on "
            "the status page, then try again." if unknown else "")
    offer = "offers" if len(tvs) == 1 else "offer"
    return f"{names} {offer} no matte called {matte_id!r}.{hint}"


def refused_note(*, tv: TV, matte_id: str, instead: str = "none") -> str:
    shown = (f"shown with the TV's default matte ({matte_name(instead)})"
             if instead != "none" else "shown without a matte")
    return f"{tv.name} refused the matte {matte_id} for this picture's shape; {shown}."


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
            "the matte in its own time, then deletes the copy without it.")
