import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from filelock import FileLock

from docentsite.artwork import metafile
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Source,
    Status,
)
from tests.workers import database_url

REPO = Path(__file__).resolve().parents[1]

# The example of docs/docent-compat.md, "..." filled in with plausible values.
DOC_EXAMPLE_ENTRY = {
    "title": "Great Wave - Hokusai",
    "original_filename": "wave.jpg",
    "width": 3840,
    "height": 2160,
    "uploaded_at": "2026-01-31T18:22:05.123456+00:00",
    "source": "google_drive",
    "drive_file_id": "1AbCdEfG",
    "drive_sync_id": "0b6e2f4a",
    "ai_meta": {
        "title": "The Great Wave off Kanagawa",
        "artist": "Katsushika Hokusai",
        "year": "c. 1831",
        "medium": "Woodblock print",
        "school": "Ukiyo-e",
        "vibes": ["dramatic", "oceanic", "bold", "timeless", "cool"],
        "description": "A towering wave about to break over three boats.",
        "confidence": "high",
        "analyzed_at": "2026-01-31T18:22:40+00:00",
        "provider": "claude",
        "model": "claude-sonnet-4-5",
        "vision_identified": False,
    },
}
UPLOADED_AT = datetime(2026, 1, 31, 18, 22, 5, 123456, tzinfo=UTC)
ANALYZED_AT = datetime(2026, 1, 31, 18, 22, 40, tzinfo=UTC)


@pytest.fixture
def meta_path(tmp_path, settings):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return settings.ARTWORK_META_PATH


@pytest.fixture
def tv(db):
    """The first TV, whose file is ARTWORK_META_PATH. Nothing here talks to it."""
    return TV.objects.create(name="Frame", host="192.0.2.1", from_env=True)


def on_tv(content_id: str, *, tv: TV | None = None, status=PlacementStatus.ON_TV,
          uploaded_at=UPLOADED_AT, **fields) -> Placement:
    """A prepared artwork and its placement on the TV (the first TV unless named)."""
    values = {
        "title": "Great Wave - Hokusai",
        "original_filename": "wave.jpg",
        "width": 3840,
        "height": 2160,
        "status": Status.PREPARED,
    }
    artwork = Artwork.objects.create(**{**values, **fields})
    return Placement.objects.create(
        artwork=artwork, tv=tv or TV.objects.get(from_env=True), content_id=content_id,
        status=status, uploaded_at=uploaded_at)


def placement(content_id: str, tv: TV | None = None) -> Placement:
    return Placement.objects.select_related("artwork").get(
        content_id=content_id, tv=tv or TV.objects.get(from_env=True))


def analysed(**fields) -> dict:
    values = {
        "analysis_status": AnalysisStatus.DONE,
        "ai_title": "The Great Wave off Kanagawa",
        "ai_artist": "Katsushika Hokusai",
        "ai_year": "c. 1831",
        "ai_medium": "Woodblock print",
        "ai_school": "Ukiyo-e",
        "ai_vibes": ["dramatic", "oceanic", "bold", "timeless", "cool"],
        "ai_description": "A towering wave about to break over three boats.",
        "ai_confidence": "high",
        "ai_analyzed_at": ANALYZED_AT,
        "ai_provider": "claude",
        "ai_model": "claude-sonnet-4-5",
        "ai_vision_identified": False,
    }
    return {**values, **fields}


def write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2))


def entries(path: Path) -> dict:
    return json.loads(path.read_text())["artwork"]


@pytest.mark.django_db
def test_google_drive_entry_matches_the_doc_example_key_for_key(tv):
    shown = on_tv(
        "MY_F0042",
        source="google_drive",
        source_ref="1AbCdEfG",
        extra={"drive_sync_id": "0b6e2f4a"},
        **analysed(),
    )

    entry = metafile.entry_for(shown)

    assert entry == DOC_EXAMPLE_ENTRY
    assert list(entry) == list(DOC_EXAMPLE_ENTRY)
    assert list(entry["ai_meta"]) == list(DOC_EXAMPLE_ENTRY["ai_meta"])


@pytest.mark.django_db
def test_plain_upload_entry_has_no_source_and_no_ai_meta_before_analysis(tv):
    shown = on_tv("MY_F0001", analysis_status=AnalysisStatus.PENDING)

    assert metafile.entry_for(shown) == {
        "title": "Great Wave - Hokusai",
        "original_filename": "wave.jpg",
        "width": 3840,
        "height": 2160,
        "uploaded_at": "2026-01-31T18:22:05.123456+00:00",
    }


@pytest.mark.django_db
def test_plex_entry_carries_the_rating_key_as_a_string(tv):
    shown = on_tv("MY_F0002", source="plex", source_ref="12345")

    entry = metafile.entry_for(shown)

    assert list(entry) == [
        "title", "original_filename", "width", "height", "uploaded_at",
        "source", "plex_metadata_id",
    ]
    assert entry["source"] == "plex"
    assert entry["plex_metadata_id"] == "12345"


@pytest.mark.django_db
def test_vibes_are_cut_to_five(tv):
    shown = on_tv("MY_F0003", **analysed(ai_vibes=["a", "b", "c", "d", "e", "f", "g"]))

    assert metafile.entry_for(shown)["ai_meta"]["vibes"] == ["a", "b", "c", "d", "e"]


@pytest.mark.django_db
def test_failed_analysis_is_flagged_and_a_later_success_removes_the_flag(tv):
    shown = on_tv(
        "MY_F0004", analysis_status=AnalysisStatus.FAILED, ai_error="The model timed out"
    )

    failed = metafile.entry_for(shown)
    assert failed["ai_failed"] is True
    assert failed["ai_error"] == "The model timed out"
    assert "ai_meta" not in failed

    Artwork.objects.filter(pk=shown.artwork_id).update(**analysed(ai_error=""))

    done = metafile.entry_for(placement("MY_F0004"))
    assert "ai_failed" not in done
    assert "ai_error" not in done
    assert done["ai_meta"] == DOC_EXAMPLE_ENTRY["ai_meta"]


@pytest.mark.django_db
def test_failed_reanalysis_keeps_the_previous_description_as_the_original_does(tv):
    shown = on_tv(
        "MY_F0005", **analysed(analysis_status=AnalysisStatus.FAILED, ai_error="Rate limited")
    )

    entry = metafile.entry_for(shown)

    assert entry["ai_meta"] == DOC_EXAMPLE_ENTRY["ai_meta"]
    assert (entry["ai_failed"], entry["ai_error"]) == (True, "Rate limited")


@pytest.mark.django_db
def test_build_lists_only_what_is_on_the_tv(tv):
    shown = on_tv("MY_F0010")
    removed = on_tv("MY_F0011", status=PlacementStatus.REMOVED)
    waiting = Placement.objects.create(
        tv=tv, artwork=Artwork.objects.create(title="not yet", status=Status.PENDING))

    built = metafile.build([shown, removed, waiting])

    assert list(built) == ["artwork"]
    assert list(built["artwork"]) == ["MY_F0010"]


@pytest.mark.django_db
def test_sync_writes_atomically_keeping_the_previous_file_as_bak(meta_path, tv):
    on_tv("MY_F0020")
    metafile.sync(tv=tv)
    first = meta_path.read_bytes()
    on_tv("MY_F0021")

    assert metafile.sync(tv=tv) == meta_path

    assert (meta_path.parent / "artwork_meta.json.bak").read_bytes() == first
    assert set(entries(meta_path)) == {"MY_F0020", "MY_F0021"}
    assert not list(meta_path.parent.glob("*.tmp"))


@pytest.mark.django_db
def test_sync_drops_removed_artworks(meta_path, tv):
    kept = on_tv("MY_F0030")
    gone = on_tv("MY_F0031")
    metafile.sync(tv=tv)

    Placement.objects.filter(pk=gone.pk).update(status=PlacementStatus.REMOVED)
    metafile.sync(tv=tv)

    assert list(entries(meta_path)) == [kept.content_id]


@pytest.mark.django_db
def test_sync_keeps_entries_of_pictures_docent_never_knew(meta_path, tv):
    legacy = {"title": "Grandma's garden", "original_filename": "garden.png", "width": 1920,
              "height": 1080, "uploaded_at": "2025-05-01T09:00:00+00:00", "crop_box": {"x": 1}}
    write(meta_path, {"artwork": {"MY_F0900": legacy, "MY_F0040": {"title": "stale"}}})
    on_tv("MY_F0040", title="From the database")

    metafile.sync(tv=tv)

    assert entries(meta_path) == {
        "MY_F0900": legacy,
        "MY_F0040": metafile.entry_for(placement("MY_F0040")),
    }
    assert entries(meta_path)["MY_F0040"]["title"] == "From the database"


@pytest.mark.django_db
def test_sync_drops_an_entry_whose_artwork_is_known_but_off_the_tv(meta_path, tv):
    write(meta_path, {"artwork": {"MY_F0050": DOC_EXAMPLE_ENTRY}})
    on_tv("MY_F0050", status=PlacementStatus.REMOVED)

    metafile.sync(tv=tv)

    assert entries(meta_path) == {}


@pytest.mark.django_db
def test_each_tv_has_its_own_file_and_a_sync_touches_only_its_own(meta_path, tv, settings):
    den = TV.objects.create(name="Den", host="192.0.2.2")
    write(meta_path, {"artwork": {"MY_F0900": {"title": "From the original Docent"}}})
    on_tv("MY_F0001", title="In the living room")
    # Content ids are per TV: the den's MY_F0001 is another picture.
    on_tv("MY_F0001", tv=den, title="In the den")

    den_path = metafile.sync(tv=den)

    assert den_path == settings.DOCENT_DATA_DIR / "tvs" / "den" / "artwork_meta.json"
    assert entries(den_path)["MY_F0001"]["title"] == "In the den"
    assert set(entries(den_path)) == {"MY_F0001"}
    assert entries(meta_path) == {"MY_F0900": {"title": "From the original Docent"}}
    metafile.sync(tv=tv)
    assert entries(meta_path)["MY_F0001"]["title"] == "In the living room"
    assert entries(den_path)["MY_F0001"]["title"] == "In the den"


@pytest.mark.django_db
def test_corrupt_file_is_set_aside_and_replaced_on_sync(meta_path, tv, caplog):
    broken = b'{"artwork": {"MY_F0060": {"title": "cut off'
    meta_path.write_bytes(broken)
    on_tv("MY_F0061")

    metafile.sync(tv=tv)

    (aside,) = meta_path.parent.glob("artwork_meta.json.corrupt-*")
    assert aside.read_bytes() == broken
    assert list(entries(meta_path)) == ["MY_F0061"]
    assert "not a valid artwork_meta.json" in caplog.text


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b'{"artwork": []}', b'{"artwork": {"X": 1}}',
                                     b"\xff\xfe\x00garbage"])
def test_read_sets_aside_anything_not_shaped_like_the_file(meta_path, content):
    meta_path.write_bytes(content)

    assert metafile.read() == {"artwork": {}}

    assert not meta_path.exists()
    (aside,) = meta_path.parent.glob("artwork_meta.json.corrupt-*")
    assert aside.read_bytes() == content


def test_read_of_a_missing_file_is_empty(meta_path):
    assert metafile.read() == {"artwork": {}}
    assert not list(meta_path.parent.iterdir())


@pytest.mark.django_db
def test_adopted_entries_come_back_unchanged_apart_from_formatting(meta_path, tv):
    upload = {"title": "Sunflowers", "original_filename": "sunflowers.png", "width": 2000,
              "height": 1500, "uploaded_at": "2026-02-01T10:00:00+00:00",
              "crop_box": {"x": 0, "y": 10, "w": 2000, "h": 1125, "source": "smartcrop"}}
    plex = {"title": "Lake", "original_filename": "lake.jpg", "width": 3840, "height": 2160,
            "uploaded_at": "2026-02-02T11:00:00.500000+00:00", "source": "plex",
            "plex_metadata_id": "4711", "ai_failed": True, "ai_error": "Analysis failed"}
    original = {"artwork": {"MY_F0042": DOC_EXAMPLE_ENTRY, "MY_F0043": upload, "MY_F0044": plex}}
    meta_path.write_text(json.dumps(original, separators=(",", ":")))

    assert metafile.adopt() == metafile.AdoptResult(created=3, skipped=0)
    metafile.sync(tv=tv)

    assert json.loads(meta_path.read_text()) == original
    shown = placement("MY_F0042")
    wave = shown.artwork
    assert (shown.status, shown.uploaded_at) == (PlacementStatus.ON_TV, UPLOADED_AT)
    assert (wave.status, wave.source, wave.source_ref) == (
        Status.PREPARED, "google_drive", "1AbCdEfG")
    assert wave.extra == {"drive_sync_id": "0b6e2f4a"}
    assert (wave.analysis_status, wave.ai_artist) == (AnalysisStatus.DONE, "Katsushika Hokusai")
    assert wave.ai_analyzed_at == ANALYZED_AT
    lake = placement("MY_F0044").artwork
    assert (lake.source, lake.source_ref) == ("plex", "4711")
    assert (lake.analysis_status, lake.ai_error) == (AnalysisStatus.FAILED, "Analysis failed")
    assert placement("MY_F0043").artwork.source == Source.UPLOAD


@pytest.mark.django_db
def test_adopt_twice_skips_what_is_already_known(meta_path, tv):
    write(meta_path, {"artwork": {"MY_F0042": DOC_EXAMPLE_ENTRY, "MY_F0070": {"title": "x"}}})
    on_tv("MY_F0070", title="Docent's own")

    assert metafile.adopt() == metafile.AdoptResult(created=1, skipped=1)
    assert metafile.adopt() == metafile.AdoptResult(created=0, skipped=2)
    assert Artwork.objects.count() == 2
    assert Placement.objects.count() == 2
    assert placement("MY_F0070").artwork.title == "Docent's own"


@pytest.mark.django_db
def test_adopt_command_reports_what_it_did(tmp_path, tv, capsys):
    old = tmp_path / "old" / "artwork_meta.json"
    old.parent.mkdir()
    write(old, {"artwork": {"MY_F0042": DOC_EXAMPLE_ENTRY, "MY_F0080": {"title": "y"}}})
    on_tv("MY_F0080")

    call_command("adopt_artwork_meta", str(old))

    assert capsys.readouterr().out.strip() == f"Adopted 1 artworks from {old} (1 already known)"
    assert Placement.objects.filter(
        tv=tv, content_id="MY_F0042", status=PlacementStatus.ON_TV).exists()


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import django

    django.setup()
    from django.utils import timezone

    from docentsite.artwork import metafile
    from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, Status

    prefix, count, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    tv = TV.objects.get(pk=int(sys.argv[4]))
    while not go.exists():
        time.sleep(0.01)
    for number in range(count):
        artwork = Artwork.objects.create(status=Status.PREPARED, title=f"{prefix} {number}")
        Placement.objects.create(
            artwork=artwork, tv=tv, content_id=f"{prefix}_{number:03d}",
            status=PlacementStatus.ON_TV, uploaded_at=timezone.now(),
        )
        metafile.sync(tv=tv)
    """
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_processes_syncing_at_once_lose_no_entry(meta_path, tmp_path, tv):
    legacy = {"title": "From the original Docent"}
    write(meta_path, {"artwork": {"MY_F0999": legacy}})
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "ARTWORK_META_PATH": str(meta_path),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, prefix, "30", str(go), str(tv.pk)],
            cwd=REPO, env=env, stderr=subprocess.PIPE,
        )
        for prefix in ("A", "B")
    ]
    time.sleep(0.5)  # both start their Django before either writes
    go.touch()
    for writer in writers:
        _, stderr = writer.communicate(timeout=90)
        assert writer.returncode == 0, stderr.decode()[-3000:]

    written = entries(meta_path)

    expected = {f"{prefix}_{number:03d}" for prefix in "AB" for number in range(30)}
    assert set(written) == expected | {"MY_F0999"}
    assert written["MY_F0999"] == legacy
    assert Placement.objects.filter(status=PlacementStatus.ON_TV).count() == 60
    assert not list(meta_path.parent.glob("*.tmp"))


@pytest.mark.django_db(transaction=True)
def test_a_sync_waits_for_whoever_holds_the_file_lock(meta_path, tv):
    # Another process in the middle of its own sync holds this lock; a sync that
    # did not wait could write a file built from older rows after that one.
    on_tv("MY_F0001")
    holder = FileLock(meta_path.with_name(f"{meta_path.name}.lock"))
    done = threading.Event()

    def sync_in_another_thread():
        try:
            metafile.sync(tv=tv)
        finally:
            connection.close()
            done.set()

    with holder:
        threading.Thread(target=sync_in_another_thread, daemon=True).start()
        assert not done.wait(0.5)
        assert not meta_path.exists()
    assert done.wait(10)

    assert set(entries(meta_path)) == {"MY_F0001"}
