"""The TVs Docent knows: the one .env names, the others added in the admin or by API.

A TV row says where the TV is and what Docent learned of it; frame_of() makes
the FrameTV (frametv.py) that talks to it.
"""

import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from docentsite.artwork import frametv, matte_fit
from docentsite.artwork.errors import NotFound, Rejected
from docentsite.artwork.models import TV, RefusedMatte

# Seconds to keep the TV's "allow Docent?" prompt open for its owner.
PAIRING_WAIT = 30


def tv_from_env() -> TV | None:
    """Create or update the TV that TV_HOST, TV_PORT, TV_MATTE and TV_NAME describe.

    Writes only when something changed, so calling it on every start (and when
    looking for the default TV) costs a read. None when TV_HOST is not set.
    """
    host = (settings.TV_HOST or "").strip()
    wanted = {"host": host, "port": settings.TV_PORT, "matte": settings.TV_MATTE or "none",
              "name": (settings.TV_NAME or "Frame").strip()[:64] or "Frame"}
    tv = TV.objects.filter(from_env=True).first()
    if not host:
        return tv  # an upgraded install without TV_HOST keeps its TV as it was
    if tv is not None and all(getattr(tv, key) == value for key, value in wanted.items()):
        return tv
    with transaction.atomic():
        if tv is None:
            try:
                with transaction.atomic():
                    return TV.objects.create(**wanted, from_env=True)
            except IntegrityError:  # another process, or a TV already named so
                tv = TV.objects.filter(from_env=True).first()
                if tv is None:
                    wanted["name"] = _free_name(wanted["name"])
                    return TV.objects.create(**wanted, from_env=True)
        if TV.objects.filter(name=wanted["name"]).exclude(pk=tv.pk).exists():
            wanted["name"] = tv.name  # keep its name rather than take another TV's
        TV.objects.filter(pk=tv.pk).update(**wanted, updated_at=timezone.now())
    tv.refresh_from_db()
    return tv


def _free_name(name: str) -> str:
    taken = set(TV.objects.values_list("name", flat=True))
    return next(f"{name} ({n})" for n in range(2, len(taken) + 3) if f"{name} ({n})" not in taken)


def tv_default() -> TV:
    """The TV work goes to when none is named: the .env one, else the first enabled."""
    tv = tv_from_env()
    if tv is not None and tv.enabled:
        return tv
    tv = TV.objects.filter(enabled=True).first()
    if tv is None:
        raise frametv.TVUnavailable(
            "No TV configured: set TV_HOST in .env, or add a TV on the admin's TVs page.")
    return tv


def tv_list() -> list[TV]:
    tv_from_env()
    return list(TV.objects.all())


def tv_called(tv: TV | None, *, unnamed: str = "any TV") -> str:
    """How a message names a TV: "the TV" while Docent knows only one, else its name
    (`unnamed` when none is named)."""
    if TV.objects.count() <= 1:
        return "the TV"
    return tv.name if tv is not None else unnamed


def tv_get(*, tv: str | int | TV) -> TV:
    """A TV by row, id or name (case-insensitive)."""
    if isinstance(tv, TV):
        return tv
    tv_from_env()
    found = None
    if isinstance(tv, int) or str(tv).strip().isdigit():
        found = TV.objects.filter(pk=int(tv)).first()
    if found is None:
        found = TV.objects.filter(name__iexact=str(tv).strip()).first()
    if found is None:
        names = ", ".join(TV.objects.values_list("name", flat=True)) or "none yet"
        raise NotFound(f"There is no TV called {str(tv)!r} (TVs: {names}).")
    return found


def tvs_chosen(tvs) -> list[TV]:
    """The TVs named (rows, ids or names), in that order, or the default TV."""
    if not tvs:
        return [tv_default()]
    chosen = list(dict.fromkeys(tv_get(tv=tv) for tv in tvs))
    disabled = [tv.name for tv in chosen if not tv.enabled]
    if disabled:
        raise Rejected(f"{', '.join(disabled)} is disabled: enable it on the TVs page first.")
    return chosen


def tvs_for_new_work(tvs=None) -> list[TV]:
    """The TVs new pictures go to: those named, else the default TV; none when
    Docent knows no TV yet (the pictures wait in the library, nothing lost)."""
    if tvs:
        return tvs_chosen(tvs)
    try:
        return [tv_default()]
    except frametv.TVUnavailable:
        return []


def tv_create(*, name: str, host: str, port: int = 8002, matte: str = "none",
              portrait_matte: str = "", capacity: int | None = None,
              make_room: bool = False) -> TV:
    name, host = name.strip(), host.strip()
    if not name or not host:
        raise Rejected("A TV needs a name and a host (its IP address).")
    if TV.objects.filter(name__iexact=name).exists():
        raise Rejected(f"There is already a TV called {name!r}.")
    _check_default_mattes(TV(name=name), {"matte": matte, "portrait_matte": portrait_matte})
    try:
        with transaction.atomic():
            return TV.objects.create(name=name[:64], host=host, port=port,
                                     matte=matte or "none", portrait_matte=portrait_matte,
                                     capacity=capacity, make_room=make_room)
    except IntegrityError:  # added a moment ago by another request
        raise Rejected(f"There is already a TV called {name!r}.") from None


#: What .env sets on its TV (TV_NAME, TV_HOST, TV_PORT, TV_MATTE): it wins on every start.
FROM_ENV = ("name", "host", "port", "matte")
#: What may be changed on a TV after it was added: what the TVs page edits.
CHANGEABLE = ("name", "host", "port", "matte", "portrait_matte", "enabled", "capacity",
              "make_room")


def tv_update(*, tv: TV, changes: dict) -> TV:
    """Change these of the TV's settings (CHANGEABLE); Rejected, and nothing changed, for
    another field, a name another TV has, or what .env sets on its TV."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise Rejected(f"A TV's {', '.join(unknown)} cannot be changed.")
    if tv.from_env:
        fixed = [key for key in FROM_ENV if key in changes and changes[key] != getattr(tv, key)]
        if fixed:
            raise Rejected(f"{tv.name} is set in .env: change its {', '.join(fixed)} there "
                           "and restart Docent.")
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if TV.objects.filter(name__iexact=changes["name"]).exclude(pk=tv.pk).exists():
            raise Rejected(f"There is already a TV called {changes['name']!r}.")
    if "host" in changes:
        changes["host"] = changes["host"].strip()
    if changes.get("portrait_matte") is None and "portrait_matte" in changes:
        changes["portrait_matte"] = ""
    _check_default_mattes(tv, changes)
    for key, value in changes.items():
        setattr(tv, key, value)
    try:
        with transaction.atomic():
            tv.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:  # renamed a moment ago by another request
        raise Rejected(f"There is already a TV called {changes.get('name')!r}.") from None
    return tv


def _check_default_mattes(tv: TV, changes: dict) -> None:
    """Rejected for a default matte the TV refuses, or fails to show pictures with."""
    for key in ("matte", "portrait_matte"):
        problem = changes.get(key) and matte_fit.default_matte_problem(
            tv=tv, matte_id=changes[key], portrait=key == "portrait_matte")
        if problem:
            raise Rejected(f"{tv.name}'s {key.replace('_', ' ')}: {problem}")


def frame_of(tv: TV) -> frametv.FrameTV:
    """The FrameTV that talks to this TV."""
    if not tv.host.strip():
        raise frametv.TVUnavailable(
            f"{tv.name} has no address: set TV_HOST in .env or its host on the TVs page.")
    return frametv.FrameTV(
        host=tv.host.strip(), port=tv.port, token_file=tv.token_path,
        timeout=settings.TV_TIMEOUT, upload_timeout=settings.TV_UPLOAD_TIMEOUT,
        matte=tv.matte,
    )


def lock_path(tv: TV) -> Path:
    return Path(settings.DOCENT_DATA_DIR) / "locks" / f"tv-{tv.pk}.lock"


def tv_pair(*, tv: TV, wait: float = PAIRING_WAIT) -> None:
    """Ask the TV to allow Docent; the owner presses Allow on the TV within `wait` s.

    TVAuthPending when nobody answered, TVAuthDenied after Deny, TVUnavailable when off.
    """
    frame_of(tv).pair(wait=wait)
    tv_refresh(tv=tv)


def tv_mattes(*, tv: TV) -> list[str]:
    """The matte ids the TV offers (`none`, `shadowbox_polar`, …), asked of the TV and
    remembered for the pages that offer them without asking (import's Matte)."""
    offered = frame_of(tv).mattes()
    tv_mattes_learned(tv=tv, mattes=offered)
    return offered


def tv_mattes_learned(*, tv: TV, mattes: list[str]) -> None:
    if mattes and mattes != tv.mattes:
        TV.objects.filter(pk=tv.pk).update(mattes=mattes)
        tv.mattes = mattes


def tv_refresh(*, tv: TV) -> frametv.TVStatus:
    """Ask the TV how it is and remember what it said (model, API, photos, last seen)."""
    status = frame_of(tv).status()
    tv_learned(tv=tv, status=status)
    return status


def tv_learned(*, tv: TV, status: frametv.TVStatus) -> None:
    """Remember what the TV said of itself (model, API, photos, last seen)."""
    if status.reachable:
        learned = {"last_seen_at": timezone.now()}
        if status.model:
            learned["model_name"] = str(status.model)[:64]
        if status.api_version:
            learned["art_api_version"] = str(status.api_version)[:32]
            # New firmware may know what the old did not: favourites and matte changes
            # are asked again.
            updated = TV.objects.filter(pk=tv.pk).exclude(art_api_version="").exclude(
                art_api_version=learned["art_api_version"]).update(
                    favourites_supported=None, changes_mattes=None)
            if updated:
                RefusedMatte.objects.filter(tv=tv).delete()
        if status.photo_count is not None:
            learned["photo_count"] = status.photo_count
        if status.mattes:
            learned["mattes"] = status.mattes
        TV.objects.filter(pk=tv.pk).update(**learned)


def tv_saw(*, tv: TV, photo_count: int) -> None:
    """The TV just answered with this many personal photos."""
    TV.objects.filter(pk=tv.pk).update(photo_count=photo_count, last_seen_at=timezone.now())


def meta_path(tv: TV) -> Path:
    """Where this TV's artwork_meta.json lives: the first TV's at ARTWORK_META_PATH,
    where the original Docent (and tools written for it) look; others beside it."""
    first = TV.objects.values_list("pk", flat=True).first()
    if first is None or tv.pk == first:
        return Path(settings.ARTWORK_META_PATH)
    return Path(settings.DOCENT_DATA_DIR) / "tvs" / _folder(tv) / "artwork_meta.json"


def _folder(tv: TV) -> str:
    """The TV's name as a folder name. Names can make the same one ("Den 1", "Den-1"),
    and two TVs must never share a file: the younger TV's gets its id after it."""
    def folder_of(name: str, pk: int) -> str:
        return re.sub(r"[^a-z0-9-]", "", slugify(name)) or f"tv-{pk}"

    folder = folder_of(tv.name, tv.pk)
    older = TV.objects.filter(pk__lt=tv.pk).values_list("name", "pk")
    if any(folder_of(name, pk) == folder for name, pk in older):
        folder = f"{folder}-{tv.pk}"
    return folder
