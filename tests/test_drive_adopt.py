"""An original Docent's Google Drive pictures, adopted from its artwork_meta.json, are not
imported from Drive a second time."""

import io
import json

import pytest
from django.core.management import call_command

from docentsite.sources.models import ImportStatus, SourceImport
from drivesource import importing

pytestmark = pytest.mark.django_db


@pytest.fixture
def original_file(tmp_path, fake_drive):
    path = tmp_path / "artwork_meta.json"
    path.write_text(json.dumps({"artwork": {
        "MY_F0042": {
            "title": "harbour", "original_filename": "harbour.jpg", "width": 3840,
            "height": 2560, "uploaded_at": "2026-01-31T18:22:05.123456+00:00",
            "source": "google_drive", "drive_file_id": fake_drive.find("harbour.jpg").id,
            "drive_sync_id": "0b6e2f4a-8d1c-4c55-9a57-0c1f1f6f0d11",
        },
        "MY_F0043": {"title": "an upload", "original_filename": "upload.jpg",
                     "width": 640, "height": 480,
                     "uploaded_at": "2026-01-31T18:30:00+00:00"},
    }}))
    return path


def adopt(path) -> str:
    out = io.StringIO()
    call_command("adopt_artwork_meta", str(path), stdout=out)
    return out.getvalue()


def test_adopted_drive_pictures_are_recorded_and_skipped_by_an_import(
        tv, drive_settings, fake_drive, original_file):
    harbour = fake_drive.find("harbour.jpg").id

    said = adopt(original_file)
    again = adopt(original_file)

    assert "Adopted 2 artworks" in said and "Adopted 0 artworks" in again
    record = SourceImport.objects.get(source="google_drive", ref=harbour)
    assert record.status == ImportStatus.DONE and record.artwork.source_ref == harbour
    assert record.artwork.extra["drive_sync_id"] == "0b6e2f4a-8d1c-4c55-9a57-0c1f1f6f0d11"
    answer = importing.drive_import_request(drive_file_ids=[harbour])
    assert answer.queued == []
    assert answer.skipped == [{"drive_file_id": harbour,
                               "reason": "already on the TV as MY_F0042"}]
    plan = importing.drive_folder_import(dry_run=True)
    assert plan.queued == [] and len(plan.skipped) == 1
