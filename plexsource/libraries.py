"""Plex's photo libraries: is Plex set up and answering, which libraries it has."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from docentsite.artwork.errors import DocentError, NotFound
from docentsite.artwork.fitting import fitted
from plexsource import browsecache
from plexsource import client as plex
from plexsource.models import PlexLibrary


@dataclass(frozen=True)
class PlexStatus:
    configured: bool
    connected: bool
    server: plex.ServerInfo | None = None
    library_count: int | None = None
    error: str | None = None
    #: How PLEX_URL was read, when it was not the server's root (pasted from Plex Web).
    note: str = ""


def plex_status(*, remember: bool = True) -> PlexStatus:
    """Whether Plex is set up and answering; never raises. `remember`: keep the photo
    libraries Plex lists (a request's read-only answer does not)."""
    unusable = plex_settings_status()
    if unusable:
        return unusable
    client = plex.from_settings()
    try:
        server = client.identity()
        libraries = (plex_libraries_refresh(client=client) if remember
                     else client.photo_libraries())
    except DocentError as exc:
        return PlexStatus(configured=True, connected=False, error=str(exc),
                          note=client.url_note)
    return PlexStatus(configured=True, connected=True, server=server,
                      library_count=len(libraries), note=client.url_note)


def plex_settings_status() -> PlexStatus | None:
    """How Plex is when the settings alone tell, without asking Plex: not set up, or
    set up wrong. None when they are usable."""
    try:
        plex.from_settings()
    except plex.PlexNotConfigured as exc:
        # Set but unusable (a plex.tv address, say) is configured, and wrong.
        configured = bool(settings.PLEX_URL and settings.PLEX_TOKEN)
        return PlexStatus(configured=configured, connected=False, error=str(exc))
    return None


def plex_libraries_refresh(*, client: plex.PlexClient | None = None) -> list[PlexLibrary]:
    """Ask Plex for its photo libraries and remember them."""
    client = client or plex.from_settings()
    now = timezone.now()
    libraries = []
    for library in client.photo_libraries():
        row, _ = PlexLibrary.objects.update_or_create(
            section_key=library.key,
            defaults={**fitted(PlexLibrary, title=library.title, uuid=library.uuid),
                      "photo_count": library.photo_count, "last_seen_at": now},
        )
        libraries.append(row)
    return libraries


def plex_libraries() -> list[PlexLibrary]:
    """The photo libraries as last seen, in Plex's order (the order Docent first saw
    them in), without asking Plex: the status check refreshes them in the background
    (plex_libraries_refresh). Plex is asked only when Docent has never seen a
    library, for there is nothing to show yet."""
    libraries = list(PlexLibrary.objects.order_by("pk"))
    if not libraries:
        libraries = plex_libraries_refresh()
    browsecache.libraries.put(libraries)
    return libraries


def plex_library_get(*, library: str) -> PlexLibrary:
    """A photo library by Docent id, Plex section key or title (case-insensitive)."""
    matches = Q(title__iexact=library) | Q(section_key=library)
    if library.isdigit():
        matches |= Q(pk=int(library))
    found = PlexLibrary.objects.filter(matches).first()
    if found is None:
        plex_libraries_refresh()
        found = PlexLibrary.objects.filter(matches).first()
    if found is None:
        raise NotFound(f"There is no Plex photo library called {library!r}.")
    return found
