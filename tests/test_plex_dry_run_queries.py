"""`import_plex --all --dry-run` looks photos up by the batch: its queries do not grow
with the number of photos, imported or not, and it writes nothing."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus
from plexsource.models import ImportRecord, ImportStatus, PlexPhoto

pytestmark = pytest.mark.django_db


def dry_run(library: str) -> tuple[str, list[str]]:
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("import_plex", "--library", library, "--all", "--dry-run", "--tv", "Frame",
                     stdout=out)
    return out.getvalue(), [query["sql"] for query in queries]


def imported(keys: list[str], tv: TV) -> None:
    """These photos imported and on the TV."""
    now = timezone.now()
    for key in keys:
        artwork = Artwork.objects.create(title=key, source_ref=key)
        ImportRecord.objects.create(plex_metadata_id=key, artwork=artwork, requested_at=now,
                                    finished_at=now, status=ImportStatus.DONE)
        Placement.objects.create(artwork=artwork, tv=tv, status=PlacementStatus.ON_TV,
                                 content_id=f"MY_F{key}")


def test_the_dry_run_costs_the_same_queries_for_ten_photos_or_four_hundred(
        fake_plex, plex_settings):
    tv = TV.objects.create(name="Frame", host="192.0.2.1")
    few = fake_plex.add_synthetic_section("Few", 10)
    many = fake_plex.add_synthetic_section("Many", 400)
    imported([str(few.base + index) for index in range(3)], tv)
    imported([str(many.base + index) for index in range(100)], tv)
    dry_run("Few")  # the libraries are asked for, and remembered, once

    few_output, few_queries = dry_run("Few")
    many_output, many_queries = dry_run("Many")

    assert few_output.endswith("would import 7, skip 3, fail 0\n")
    assert many_output.endswith("would import 300, skip 100, fail 0\n")
    assert f"  {many.base}  IMG_00001.jpg: already on the TV as MY_F{many.base}\n" in many_output
    assert len(few_queries) == len(many_queries)
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in many_queries)
    assert not PlexPhoto.objects.exists()
