"""`manage.py import_plex`: the fake Plex, the fake TV, and no worker unless a test starts one."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from docentsite.artwork.errors import NotFound
from docentsite.artwork.models import (
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus
from tests.commands import run_command
from tests.workers import celery_worker, empty_embedded_queue, meta_entries, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

MANAGE_PY = Path(__file__).resolve().parent.parent / "manage.py"


@pytest.fixture
def env(worker_env, plex_settings, fake_plex):
    """The fake TV, paired, and the fake Plex, for this process and for workers;
    an empty embedded queue, so no worker answers unless a test starts one."""
    empty_embedded_queue()
    return {**worker_env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
            "PLEX_TIMEOUT": "2"}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(*args, stdout=None) -> tuple[int, str]:
    return run_command("import_plex", *args, stdout=stdout)


def ids(fake_plex, *titles) -> str:
    return ",".join(fake_plex.find(title).rating_key for title in titles)


def queued_messages() -> list[Path]:
    folder = Path(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return list(folder.iterdir())


def succeeded(log_dir: Path, task_name: str) -> int:
    """How many runs of the task the workers' logs report as succeeded."""
    pattern = re.compile(rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded")
    return sum(len(pattern.findall(log.read_text())) for log in log_dir.glob("worker-*.log"))


def records_by_title() -> dict[str, ImportRecord]:
    return {r.photo.title: r for r in ImportRecord.objects.select_related("photo", "artwork")}


def test_limit_with_no_worker_imports_the_first_photos_in_this_process(
    env, fake_plex, fake_tv, settings
):
    assert not services.plex_workers_running()

    code, output = run("--library", "Photos", "--limit", "3")

    assert code == 0, output
    records = records_by_title()
    assert set(records) == {"Harbour at dawn", "Passport", "Airport"}  # Plex's order
    assert all(r.status == ImportStatus.DONE and r.step == "done" for r in records.values())
    artworks = [r.artwork for r in records.values()]
    assert all(a.source == "plex" and a.state == "on_tv" for a in artworks)
    assert set(fake_tv.photos) == {content_id(a) for a in artworks}
    entries = meta_entries(settings)
    for record in records.values():
        entry = entries[content_id(record.artwork)]
        assert entry["source"] == "plex"
        assert entry["plex_metadata_id"] == record.plex_metadata_id
    assert "No worker is running: importing 3 photo(s) in this process." in output
    harbour = content_id(records["Harbour at dawn"].artwork)
    assert f"{harbour}  harbour.jpg  done\n" in output
    assert output.endswith("Imported 3, skipped 0, failed 0\n")


def test_running_it_again_skips_the_photos_already_on_the_tv(env, fake_plex, fake_tv):
    run("--library", "Photos", "--limit", "3")

    code, output = run("--library", "Photos", "--limit", "3")

    assert code == 0, output
    assert "Imported 0, skipped 3, failed 0\nSkipped:\n" in output
    harbour = records_by_title()["Harbour at dawn"]
    assert (f"  {harbour.plex_metadata_id}  harbour.jpg: already on the TV as "
            f"{content_id(harbour.artwork)}\n") in output
    assert content_id(harbour.artwork).startswith("MY_F")
    assert len(fake_tv.photos) == 3 and fake_tv.uploads_started == 3


def test_dry_run_lists_what_would_be_imported_and_skipped_and_queues_nothing(
    env, fake_plex, fake_tv
):
    run("--ids", ids(fake_plex, "Harbour at dawn"))
    harbour = ImportRecord.objects.select_related("artwork").get()
    messages = len(queued_messages())

    code, output = run("--library", "Photos", "--limit", "3", "--dry-run")

    assert code == 0, output
    passport, airport = fake_plex.find("Passport"), fake_plex.find("Airport")
    assert output == (
        "Would import 2:\n"
        f"  {passport.rating_key}  passport.png\n"
        f"  {airport.rating_key}  airport.jpg\n"
        "Would skip:\n"
        f"  {harbour.plex_metadata_id}  harbour.jpg: already on the TV as "
        f"{content_id(harbour.artwork)}\n"
        "Dry run, nothing queued: would import 2, skip 1, fail 0\n"
    )
    assert ImportRecord.objects.count() == 1 and Artwork.objects.count() == 1
    assert len(queued_messages()) == messages
    assert len(fake_tv.photos) == 1


def test_dry_run_reports_unknown_ids_and_exits_1(env, fake_plex):
    code, output = run("--ids", f"{ids(fake_plex, 'Garden')},99999", "--dry-run")

    assert code == 1
    assert "Would fail:\n  99999: Plex has no item 99999.\n" in output
    assert not ImportRecord.objects.exists() and not queued_messages()


def test_a_corrupt_photo_and_an_unknown_id_fail_alone_and_exit_1(env, fake_plex, fake_tv):
    picked = ids(fake_plex, "Garden", "Broken", "Airport")

    code, output = run("--ids", f"{picked},99999")

    assert code == 1
    records = records_by_title()
    broken = records.pop("Broken")
    assert broken.status == ImportStatus.FAILED
    assert broken.last_error.startswith("This file is not a picture Docent can read")
    assert broken.artwork.status == Status.FAILED
    assert all(r.status == ImportStatus.DONE for r in records.values())
    assert set(fake_tv.photos) == {content_id(r.artwork) for r in records.values()}
    assert f"{broken.plex_metadata_id}  broken.jpg  failed: This file is not a picture" in output
    assert "Imported 2, skipped 0, failed 2\nFailed:\n" in output
    assert f"  {broken.plex_metadata_id}  broken.jpg: {broken.last_error}\n" in output
    assert "  99999: Plex has no item 99999.\n" in output


def test_an_album_with_all_imports_its_photos_and_nested_albums_but_no_clips(
    env, fake_plex, fake_tv
):
    code, output = run("--library", "photos", "--album", "travel/2019", "--all")

    assert code == 0, output
    records = records_by_title()
    assert set(records) == {"Airport", "Oaxaca portrait", "Tulum panorama", "Cenote"}
    assert all(r.status == ImportStatus.DONE for r in records.values())
    assert len(fake_tv.photos) == 4
    assert "Imported 4, skipped 0, failed 0" in output


def test_an_album_that_is_not_there_is_named(env, fake_plex):
    code, output = run("--library", "Photos", "--album", "Travel/2020", "--all")

    assert code == 1
    assert "There is no album 'Travel/2020' in Photos." in output


def test_the_album_lookup_walks_titles_level_by_level(env, fake_plex):
    library = services.plex_library_get(library="Photos")

    found = services.plex_album_find(library=library, path="TRAVEL/2019/mexico/")

    assert found == fake_plex.find("Mexico").rating_key
    with pytest.raises(NotFound, match="'Mexico'"):
        services.plex_album_find(library=library, path="Mexico")  # not at the top


def test_force_imports_a_photo_on_the_tv_again(env, fake_plex, fake_tv):
    harbour = ids(fake_plex, "Harbour at dawn")
    run("--ids", harbour)
    first = ImportRecord.objects.get().artwork

    code, output = run("--ids", harbour, "--force")

    assert code == 0, output
    record = ImportRecord.objects.select_related("artwork").get()
    assert record.status == ImportStatus.DONE and record.artwork != first
    assert set(fake_tv.photos) == {content_id(first), content_id(record.artwork)}
    assert "Imported 1, skipped 0, failed 0" in output


def test_analyze_describes_each_picture_in_this_process(env, fake_plex, fake_anthropic,
                                                        settings):
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"

    code, output = run("--ids", ids(fake_plex, "Garden"), "--analyze")

    assert code == 0, output
    artwork = ImportRecord.objects.select_related("artwork").get().artwork
    assert artwork.analysis_status == AnalysisStatus.DONE and artwork.ai_description
    assert meta_entries(settings)[content_id(artwork)]["ai_meta"]["provider"] == "claude"


def test_a_terminal_gets_a_progress_bar(env, fake_plex):
    code, output = run("--ids", ids(fake_plex, "Garden", "Airport"), stdout=Terminal())

    assert code == 0, output
    assert "\r[" + "." * 30 + "] 0/2" in output
    assert "\r[" + "#" * 15 + "." * 15 + "] 1/2" in output
    assert "\r[" + "#" * 30 + "] 2/2\n" in output
    assert "  done" not in output
    assert output.endswith("Imported 2, skipped 0, failed 0\n")


@pytest.mark.parametrize("args", [
    [],
    ["--library", "Photos"],
    ["--all"],
    ["--album", "Travel", "--all"],
    ["--ids", "1,2", "--all"],
    ["--ids", "1", "--library", "Photos"],
    ["--ids", " , "],
    ["--library", "Photos", "--limit", "0"],
    ["--ids", "1", "--dry-run", "--wait"],
    ["--ids", "1", "--timeout", "5"],
    ["--ids", "1", "--wait", "--timeout", "0"],
])
def test_contradictory_or_missing_options_are_usage_errors(env, args):
    code, output = run(*args)

    assert code == 2, output
    assert "See --help." in output
    assert not ImportRecord.objects.exists()


def manage(*args) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run([sys.executable, str(MANAGE_PY), "import_plex", *args],
                          capture_output=True, text=True, env=environment, timeout=60)


def test_usage_errors_exit_2_from_the_shell():
    missing = manage("--all")
    not_a_number = manage("--library", "Photos", "--limit", "ten")

    assert missing.returncode == 2
    assert "--album, --all and --limit need --library" in missing.stderr
    assert not_a_number.returncode == 2
    assert "invalid int value: 'ten'" in not_a_number.stderr


def test_help_explains_the_options_with_examples():
    shown = manage("--help")

    assert shown.returncode == 0
    assert "  python manage.py import_plex --library Photos --limit 10\n" in shown.stdout
    for option in ("--library NAME|ID", "--album PATH", "--ids ID,ID,...", "--all",
                   "--limit N", "--analyze, --no-analyze", "--force", "--dry-run", "--wait"):
        assert option in shown.stdout


def test_a_transient_fault_is_tried_three_times_then_fails_the_record(
    env, fake_plex, fake_tv, tv, chains
):
    garden = fake_plex.find("Garden").rating_key
    services.plex_import_request(plex_metadata_ids=[garden])
    record = ImportRecord.objects.get()
    fake_tv.stop()

    failed = services.plex_import_run_inline(record_id=record.pk)

    assert failed.status == ImportStatus.FAILED and failed.step == "uploading"
    assert failed.last_error.startswith(f"{tv.name}: Gave up after 3 attempts: ")
    placement = Placement.objects.get(artwork=failed.artwork, tv=tv)
    assert placement.status == PlacementStatus.FAILED and placement.upload_attempts == 3
    assert failed.artwork.status == Status.PREPARED  # the library keeps it, prepared
    downloads = len(fake_plex.downloads)

    fake_tv.start()
    services.plex_import_request(plex_metadata_ids=[garden])
    done = services.plex_import_run_inline(record_id=record.pk)

    assert done.status == ImportStatus.DONE and done.last_error == ""
    assert list(fake_tv.photos) == [content_id(done.artwork)]
    assert len(fake_plex.downloads) == downloads  # resumed at the upload


def test_plex_down_during_the_download_gives_up_after_three_attempts(
    env, fake_plex, chains
):
    services.plex_import_request(plex_metadata_ids=[fake_plex.find("Garden").rating_key])
    record = ImportRecord.objects.get()
    fake_plex.stop()

    failed = services.plex_import_run_inline(record_id=record.pk)

    assert failed.status == ImportStatus.FAILED and failed.step == "downloading"
    assert failed.attempts == 3
    assert failed.last_error.startswith("Gave up after 3 attempts: Plex at ")
    assert failed.artwork.status == Status.FAILED


@pytest.mark.slow
def test_the_queued_chains_upload_nothing_again_when_a_worker_starts(
    env, fake_plex, fake_tv, tmp_path
):
    code, output = run("--ids", ids(fake_plex, "Garden", "Airport", "Broken"))
    assert code == 1 and "No worker is running" in output
    assert queued_messages()  # the chains, waiting for a worker
    downloads = len(fake_plex.downloads)
    before = {r.pk: (r.status, r.last_error, r.artwork_id) for r in ImportRecord.objects.all()}

    with celery_worker(env, log_dir=tmp_path):
        wait_for(lambda: succeeded(tmp_path, "artwork.prepare") == 3, timeout=90,
                 what="the three queued chains to run")

    assert fake_tv.uploads_started == 2 and len(fake_tv.photos) == 2
    assert len(fake_plex.downloads) == downloads
    after = {r.pk: (r.status, r.last_error, r.artwork_id) for r in ImportRecord.objects.all()}
    assert after == before


@pytest.mark.slow
def test_wait_follows_a_running_worker_to_the_end(env, fake_plex, fake_tv, tv, tmp_path):
    with celery_worker(env, log_dir=tmp_path) as worker:
        assert services.plex_workers_running()
        code, output = run("--library", "Photos", "--limit", "2", "--wait")
        log = worker.log.read_text()

    assert code == 0, output
    assert "A worker is importing 2 photo(s); following it." in output
    assert "No worker is running" not in output
    assert output.endswith("Imported 2, skipped 0, failed 0\n")
    records = records_by_title()
    assert set(records) == {"Harbour at dawn", "Passport"}
    assert all(r.status == ImportStatus.DONE for r in records.values())
    for record in records.values():
        assert f"{content_id(record.artwork)}  {record.photo.part_file}  done\n" in output
    assert succeeded(tmp_path, "sources.fetch_original") == 2
    assert succeeded(tmp_path, "artwork.tv_lane") >= 1
    for record in records.values():  # uploaded by the worker's lane, not by this process
        assert (f"Artwork {record.artwork_id} is on {tv.name} as "
                f"'{content_id(record.artwork)}'") in log
    assert "sources.fetch_original" in log and len(fake_tv.photos) == 2


@pytest.mark.slow
def test_wait_with_a_timeout_stops_following_and_leaves_the_work_to_the_worker(
        env, fake_plex, fake_tv, tmp_path):
    fake_tv.stop()  # the upload is retried for hours
    with celery_worker(env, log_dir=tmp_path):
        code, output = run("--ids", ids(fake_plex, "Garden"), "--wait", "--timeout", "0.05")
        record = ImportRecord.objects.get()

    assert code == 1, output
    assert output.endswith("Imported 0, skipped 0, failed 0\nStopped following after 0.05 min: "
                           "1 import(s) still under way in the worker; see Plex › Import "
                           "records.\n")
    assert record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


def test_without_wait_a_running_worker_gets_the_work(env, fake_plex, fake_tv, tmp_path):
    with celery_worker(env, log_dir=tmp_path):
        code, output = run("--ids", f"{ids(fake_plex, 'Garden')},99999")
        assert code == 1
        assert "A worker is importing them" in output
        assert "Queued 1, skipped 0, failed 1\nFailed:\n  99999: Plex has no item 99999.\n" \
            in output
        wait_for(lambda: ImportRecord.objects.filter(status=ImportStatus.DONE).count() == 1,
                 timeout=90, what="the worker to import Garden")

    assert len(fake_tv.photos) == 1


# -- --tv: several TVs (tests.two_tvs: "Frame" from .env, "Den" beside it) ------------

def on(tv, record: ImportRecord) -> str:
    """The content id of the record's picture on this TV."""
    return record.artwork.placements.get(tv=tv, status="on_tv").content_id


def test_tv_twice_imports_each_photo_once_and_puts_it_on_both(
    env, den, fake_plex, fake_tv, fake_den, settings
):
    code, output = run("--ids", ids(fake_plex, "Garden", "Airport"), "--tv", "Frame",
                       "--tv", "den")

    assert code == 0, output
    records = records_by_title()
    assert all(r.status == ImportStatus.DONE for r in records.values())
    assert len(fake_plex.downloads) == 2  # imported once, placed twice
    frame = den.__class__.objects.get(from_env=True)
    assert set(fake_tv.photos) == {on(frame, r) for r in records.values()}
    assert set(fake_den.photos) == {on(den, r) for r in records.values()}
    assert set(meta_entries(settings)) == set(fake_tv.photos)
    assert "No worker is running: importing 2 photo(s) to Frame, Den in this process." in output
    garden = records["Garden"]
    assert (f"Frame: {on(frame, garden)}, Den: {on(den, garden)}  garden.jpg  done\n"
            in output)
    assert output.endswith("Imported 2 to Frame, Den, skipped 0, failed 0\n")


def test_tv_sends_an_imported_photo_to_another_tv_without_importing_it_again(
    env, den, fake_plex, fake_tv, fake_den
):
    garden = ids(fake_plex, "Garden")
    run("--ids", garden)
    artwork = ImportRecord.objects.get().artwork
    downloads = len(fake_plex.downloads)

    code, output = run("--ids", garden, "--tv", "Den")

    assert code == 0, output
    record = ImportRecord.objects.select_related("artwork").get()
    assert record.status == ImportStatus.DONE and record.artwork == artwork
    assert len(fake_plex.downloads) == downloads
    assert fake_tv.uploads_started == 1 and len(fake_den.photos) == 1
    assert list(fake_den.photos) == [on(den, record)]
    assert output.endswith("Imported 1 to Den, skipped 0, failed 0\n")

    code, output = run("--ids", garden, "--tv", "Den", "--tv", "Frame")

    assert code == 0, output
    frame = den.__class__.objects.get(from_env=True)
    assert (f"  {garden}  garden.jpg: already on Frame as {on(frame, record)}, "
            f"Den as {on(den, record)}\n") in output
    assert "Imported 0 to Den, Frame, skipped 1, failed 0\n" in output
    assert fake_tv.uploads_started == 1 and fake_den.uploads_started == 1


def test_dry_run_with_tv_says_where_it_would_go(env, den, fake_plex, fake_den):
    run("--ids", ids(fake_plex, "Garden"))

    code, output = run("--ids", ids(fake_plex, "Garden", "Airport"), "--tv", "Den",
                       "--dry-run")

    assert code == 0, output
    assert output.startswith("Would import 2 to Den:\n")
    assert output.endswith("Dry run, nothing queued: would import 2, skip 0, fail 0\n")
    assert not fake_den.photos and ImportRecord.objects.count() == 1


def test_an_unknown_or_disabled_tv_is_named_and_nothing_is_imported(env, den, fake_plex):
    den.__class__.objects.filter(pk=den.pk).update(enabled=False)

    unknown = run("--ids", ids(fake_plex, "Garden"), "--tv", "Attic")
    disabled = run("--ids", ids(fake_plex, "Garden"), "--tv", "Den")

    assert unknown == (1, "CommandError: There is no TV called 'Attic' (TVs: Frame, Den).\n")
    assert disabled[0] == 1 and "Den is disabled" in disabled[1]
    assert not ImportRecord.objects.exists() and not queued_messages()


def test_help_shows_the_tv_option():
    shown = manage("--help")

    assert "--tv NAME" in shown.stdout
    assert '--tv "Living room" --tv Bedroom' in shown.stdout
