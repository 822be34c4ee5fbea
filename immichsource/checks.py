"""Immich on the status page and in `docent_check`: the check the registry calls."""

from django.conf import settings

from docentsite.artwork.errors import DocentError
from docentsite.health import Check, Level
from immichsource import client as immich


def immich_settings_check() -> Check | None:
    """The check when the settings alone tell (not set up, or IMMICH_URL unusable)."""
    url = (getattr(settings, "IMMICH_URL", "") or "").strip()
    key = (getattr(settings, "IMMICH_API_KEY", "") or "").strip()
    if not url or not key:
        return Check("Immich", Level.OFF,
                     "not set up (set IMMICH_URL and IMMICH_API_KEY to use it)",
                     facts=_facts(configured=False, error=(
                         "Immich is not configured: set IMMICH_URL and IMMICH_API_KEY in .env")))
    try:
        immich.server_url(url)
    except ValueError as exc:
        return Check("Immich", Level.WARNING, f"IMMICH_URL in .env: {exc}",
                     facts=_facts(configured=True, error=f"IMMICH_URL in .env: {exc}"))
    return None


def immich_check(*, remember: bool = True) -> Check:
    """Immich, asked: its version (no key needed) and its albums (the key works)."""
    told = immich_settings_check()
    if told:
        return told
    try:
        client = immich.from_settings()
        version = client.server().version
        albums = client.albums()
    except DocentError as exc:
        return Check("Immich", Level.WARNING, str(exc),
                     facts=_facts(configured=True, error=str(exc)))
    count = "1 album" if len(albums) == 1 else f"{len(albums)} albums"
    return Check("Immich", Level.OK, f"{client.address}, version {version}, {count}",
                 facts=_facts(configured=True, connected=True, version=version,
                              album_count=len(albums)))


def _facts(*, configured: bool, connected: bool = False, version: str | None = None,
           album_count: int | None = None, error: str | None = None) -> dict:
    return {"configured": configured, "connected": connected, "version": version,
            "album_count": album_count, "error": error}
