"""Change matte: another matte around pictures already on a TV.

A TV that changes mattes in place is asked at once, one quick request a picture. One
that takes a matte only with the picture (2025 firmware) gets each picture again with
the matte, in its lane (reframe.py), so that nothing here waits for that TV.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from docentsite.artwork import frametv, matte_fit, reframe, tvs, tvupload
from docentsite.artwork.errors import DocentError, Rejected
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus


@dataclass
class MatteChangeResult:
    changed: list[Placement] = field(default_factory=list)
    #: To be sent again with the matte in the TV's lane (a TV that takes a matte only
    #: with the picture); pages follow them (reframe.replacement_said).
    queued: list[Placement] = field(default_factory=list)
    not_on_tv: list[Artwork] = field(default_factory=list)
    #: (placement, the TV's reason) for each picture the TV would not frame so.
    refused: list[tuple[Placement, str]] = field(default_factory=list)
    #: The TV stopped answering: why, and the pictures not reached.
    stopped: str = ""
    left: list[Placement] = field(default_factory=list)


def matte_tv(artworks) -> TV | None:
    """The TV whose mattes a matte change offers: the first the pictures are on, else
    the default TV."""
    placement = Placement.objects.filter(
        artwork__in=artworks, status=PlacementStatus.ON_TV).select_related("tv").order_by(
        "-tv__from_env", "tv_id").first()
    return placement.tv if placement else tvs.tv_default()


def matte_change_offer(*, tv: TV) -> list[str]:
    """The mattes Change matte may choose from on this TV. A TV that takes a matte only
    with the picture is not asked when Docent knows its list: its part is its lane's,
    and the page answers without waiting for it. Any other is asked (Change matte asks
    it for each picture anyway)."""
    if tv.mattes and not matte_fit.tv_changes_mattes(tv):
        return list(tv.mattes)
    return tvs.tv_mattes(tv=tv)


def artwork_change_matte(*, artworks, matte_id: str, tv: TV) -> MatteChangeResult:
    """Put another matte around each picture on this TV; one refusal stops no other.

    A TV that changes mattes in place is asked now, one quick request a picture. One
    that takes a matte only with the picture (2025 firmware) gets each picture again
    with it in its lane, which deletes the copy it had after (`queued`): nothing here
    waits for that TV.

    Raises Rejected for a matte the TV does not offer and TVUnavailable when the
    TV cannot be reached to say which it offers; nothing is changed then.
    """
    if matte_id not in matte_change_offer(tv=tv):
        raise Rejected(f"{tv.name} has no matte called {matte_id!r}.")
    refused = matte_fit.refused_by(tv)
    result = MatteChangeResult()
    artworks = list(artworks.order_by("pk"))
    placements = {p.artwork_id: p for p in Placement.objects.filter(
        tv=tv, artwork__in=artworks, status=PlacementStatus.ON_TV).exclude(
            content_id=None).select_related("artwork", "tv")}
    on_tv = [placements[a.pk] for a in artworks if a.pk in placements]
    result.not_on_tv = [a for a in artworks if a.pk not in placements]
    if not matte_fit.tv_changes_mattes(tv):
        _send_again_with(matte_id, on_tv, tv=tv, refused=refused, result=result)
        return result
    frame = tvs.frame_of(tv)
    for index, placement in enumerate(on_tv):
        artwork = placement.artwork
        unsuited = matte_fit.why_not(matte_id, tv=tv, width=artwork.width,
                                     height=artwork.height, refused=refused)
        if unsuited:  # never sent: the TV would refuse it, or fail to show the picture
            result.refused.append((placement, f"{unsuited[0].upper()}{unsuited[1:]}."))
            continue
        try:
            frame.change_matte(placement.content_id, matte_id)
        except frametv.TVNotSupported:  # 2025 firmware: a matte only with the picture
            matte_fit.tv_refused_matte_changes(tv=tv)
            _send_again_with(matte_id, on_tv[index:], tv=tv, refused=refused, result=result)
            break
        except frametv.TVAnswered as exc:  # refused, busy: the TV's word on this one
            if (tvupload.refused_for_its_matte(exc, matte_id)
                    and _still_there(frame, placement.content_id)):
                matte_fit.matte_refused(tv=tv, matte_id=matte_id, width=artwork.width,
                                        height=artwork.height, reason=str(exc))
                refused = matte_fit.refused_by(tv)
            result.refused.append((placement, str(exc)))
            continue
        except DocentError as exc:  # off, asleep, or no longer paired: so for the rest too
            result.stopped, result.left = str(exc), on_tv[index:]
            break
        Placement.objects.filter(pk=placement.pk).update(matte_id=matte_id, matte_note="",
                                                         updated_at=timezone.now())
        result.changed.append(placement)
    return result


def _send_again_with(matte_id: str, on_tv: list[Placement], *, tv: TV, refused: set,
                     result: MatteChangeResult) -> None:
    """A TV that changes no matte once it has a picture (2025 firmware) is to get each
    picture again with the matte, in its lane (reframe.py): never two copies left, and
    the old one stays when the new one does not go. A picture with that matte already,
    and nothing else asked of it, is left as it is."""
    asked = []
    for placement in on_tv:
        artwork = placement.artwork
        if placement.matte_id == matte_id and not placement.replace_asked_at:
            result.changed.append(placement)
            continue
        unsuited = matte_fit.why_not(matte_id, tv=tv, width=artwork.width,
                                     height=artwork.height, refused=refused)
        if unsuited:
            result.refused.append((placement, f"{unsuited[0].upper()}{unsuited[1:]}."))
            continue
        asked.append(placement)
    if asked:
        reframe.matte_send_again_ask(placements_asked=asked, matte_id=matte_id)
    result.queued.extend(asked)


def _still_there(frame: frametv.FrameTV, content_id: str) -> bool:
    """Whether the TV still has the picture: -7 to change_matte means a matte it refused
    only then, not a picture it lost."""
    try:
        return content_id in frame.photo_ids()
    except DocentError:
        return False
