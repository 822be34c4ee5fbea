"""Every page and API route a person opens reads only: a GET never writes a row (a
write would take SQLite's write lock away from the workers, and a page that
writes is a page that waits)."""

import re
from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from docentsite.artwork import rotation
from docentsite.status.services import status_refresh
from plexsource import services as plex_services
from plexsource.models import ImportRecord

READS = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")
#: PostgreSQL's server-side cursor for a queryset's iterator() (a form's choices).
CURSOR = re.compile(r'DECLARE "\w+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR SELECT ')


@pytest.fixture
def library(tv, upload_now, make_artwork, jpeg, plex_settings, fake_plex, settings):
    """A picture on the TV, a Plex photo imported, the checks run once (by the worker)."""
    placement = upload_now(make_artwork(jpeg))
    rotation.rotation_set(tv=tv, pool="library", keep=2, at=time(8, 0))
    status_refresh(in_worker=True)
    (plex_library,) = plex_services.plex_libraries_refresh()
    garden = fake_plex.find("Garden").rating_key
    plex_services.plex_import_request(plex_metadata_ids=[garden], analyze=False, force=False,
                                      user=None)
    return {"artwork": placement.artwork_id, "tv": tv.pk, "plex_library": plex_library.pk,
            "album": fake_plex.find("Family").rating_key, "photo": garden,
            "record": ImportRecord.objects.get().pk}


PAGES = [
    "/admin/", "/admin/docent/", "/admin/docent/tv-state/",
    "/admin/artwork/artwork/", "/admin/artwork/artwork/?q=picture",
    "/admin/artwork/artwork/{artwork}/change/", "/admin/artwork/artwork/upload/",
    "/admin/artwork/artwork/{artwork}/thumbnail/",
    "/admin/artwork/artwork/{artwork}/crop/", "/admin/artwork/artwork/{artwork}/crop/original/",
    "/admin/artwork/tv/", "/admin/artwork/tv/{tv}/change/",
    "/admin/artwork/tv/{tv}/rotation/", "/admin/artwork/tv/{tv}/rotation/?preview=1",
    "/admin/plex/browse/", "/admin/plexsource/importrecord/",
    "/admin/plexsource/importrecord/{record}/change/", "/admin/plexsource/plexphoto/",
    "/admin/plexsource/plexlibrary/",
    "/api/artwork", "/api/artwork/{artwork}", "/api/tvs", "/api/tvs/{tv}",
    "/api/plex/status", "/api/plex/libraries", "/api/plex/libraries/{plex_library}",
    "/api/plex/libraries/{plex_library}?album={album}", "/api/plex/imports",
    "/api/plex/imports/{record}", "/api/plex/thumbnails/{photo}",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_get_writes_nothing(page, library, admin_client):
    url = page.format(**library)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    writes = [q["sql"] for q in queries
              if not (q["sql"].lstrip().upper().startswith(READS) or CURSOR.match(q["sql"]))]
    assert writes == [], f"GET {url} wrote"
