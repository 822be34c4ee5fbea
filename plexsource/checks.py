"""Plex on the status page and in `docent_check`: the check the registry calls."""

from docentsite.health import Check, Level
from plexsource.libraries import plex_settings_status, plex_status


def plex_check(*, remember: bool = True) -> Check:
    """Plex, asked (`remember`: keep the photo libraries it lists)."""
    return _found(plex_status(remember=remember))


def plex_settings_check() -> Check | None:
    """The Plex check when the settings alone tell (Plex not set up, or set up wrong),
    without asking Plex; None when only Plex can tell."""
    status = plex_settings_status()
    return status and _found(status)


def _found(status) -> Check:
    server = status.server
    facts = {
        "configured": status.configured, "connected": status.connected,
        "server": server and {"name": server.name, "version": server.version,
                              "machine_identifier": server.machine_identifier},
        "library_count": status.library_count, "error": status.error,
    }
    if not status.configured:
        return Check("Plex", Level.OFF, "not set up (set PLEX_URL and PLEX_TOKEN to use it)",
                     facts=facts)
    note = f" ({status.note})" if status.note else ""
    if not status.connected:
        return Check("Plex", Level.WARNING, (status.error or "not reachable") + note,
                     facts=facts)
    count = status.library_count
    libraries = "1 photo library" if count == 1 else f"{count} photo libraries"
    return Check("Plex", Level.OK,
                 f'"{server.name}" version {server.version}, {libraries}{note}', facts=facts)
