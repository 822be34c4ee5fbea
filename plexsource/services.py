"""The Plex use cases, by job: libraries and status (libraries.py), browsing
(browse.py), importing (importing.py, on the core's docentsite.sources machinery) and
finding photos by album (albums.py).

The API, the `import_plex` command and the admin call these and nothing else.
"""

from docentsite.sources.inline import INLINE_ATTEMPTS, WORKER_PING_TIMEOUT
from plexsource.albums import (
    plex_album_find,
    plex_album_import,
    plex_photo_list,
    plex_photo_names,
    plex_photos_remember,
)
from plexsource.browse import (
    MAX_PAGE_SIZE,
    REMOVED,
    BrowseItem,
    BrowsePage,
    Crumb,
    plex_browse,
    thumbnail_url,
)
from plexsource.importing import (
    ImportRequestResult,
    plex_fetch_original,
    plex_import_follow,
    plex_import_plan,
    plex_import_reanalyze,
    plex_import_records,
    plex_import_request,
    plex_import_resume_stalled,
    plex_import_retry,
    plex_import_run_inline,
    plex_workers_running,
)
from plexsource.libraries import (
    PlexStatus,
    plex_libraries,
    plex_libraries_refresh,
    plex_library_get,
    plex_settings_status,
    plex_status,
)

__all__ = [
    "INLINE_ATTEMPTS", "MAX_PAGE_SIZE", "REMOVED", "WORKER_PING_TIMEOUT", "BrowseItem",
    "BrowsePage", "Crumb", "ImportRequestResult", "PlexStatus", "plex_album_find",
    "plex_album_import", "plex_browse", "plex_fetch_original", "plex_import_follow",
    "plex_import_plan",
    "plex_import_reanalyze", "plex_import_records", "plex_import_request",
    "plex_import_resume_stalled", "plex_import_retry", "plex_import_run_inline",
    "plex_libraries", "plex_libraries_refresh", "plex_library_get", "plex_photo_list",
    "plex_photo_names", "plex_photos_remember", "plex_settings_status", "plex_status",
    "plex_workers_running", "thumbnail_url",
]
