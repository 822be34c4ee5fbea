"""`manage.py import_drive`: the fake Drive, the fake TV, and no worker."""


import pytest

from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.sources.models import ImportStatus, SourceImport
from drivesource.models import DriveSync
from tests.commands import run_command
from tests.workers import empty_embedded_queue, meta_entries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def env(worker_env, drive_settings, fake_drive):
    empty_embedded_queue()
    return worker_env


def run(*args) -> tuple[int, str]:
    return run_command("import_drive", *args)


def test_a_folder_is_imported_in_this_process_without_a_worker(env, fake_drive, fake_tv,
                                                               settings):
    code, out = run("--folder", "travel/mexico", "--no-analyze")

    assert code == 1  # broken.jpg failed
    assert "No worker is running: importing 2 picture(s) in this process." in out
    records = {r.title: r for r in SourceImport.objects.filter(source="google_drive")}
    assert records["airport"].status == ImportStatus.DONE
    assert records["broken"].status == ImportStatus.FAILED
    assert f"{content_id(records['airport'].artwork)}  airport  done" in out
    assert "Imported 1, skipped 0, failed 1" in out
    entry = meta_entries(settings)[content_id(records["airport"].artwork)]
    assert entry["drive_file_id"] == fake_drive.find("airport.jpg").id

    again_code, again = run("--folder", "Travel/Mexico", "--dry-run")
    assert again_code == 0
    assert "would import 1, skip 1, fail 0" in again  # the failed one is tried again


def test_the_shared_folder_with_its_subfolders_as_a_dry_run(env, fake_drive):
    code, out = run("--subfolders", "--dry-run")

    assert code == 0
    assert "Dry run, nothing queued: would import 15, skip 0, fail 0" in out
    assert not SourceImport.objects.exists() and not DriveSync.objects.exists()


@pytest.mark.parametrize(("args", "says"), [
    (("--ids", "1AbCdEfGhIjKlMnOp", "--folder", "Travel"), "--ids names the pictures itself"),
    (("--force",), "--force goes with --ids"),
    (("--folder", "Nowhere"), "There is no folder 'Nowhere' in the shared Google Drive"),
])
def test_usage_and_lookup_errors_say_what_is_wrong(env, fake_drive, args, says):
    code, out = run(*args)

    assert code in (1, 2)
    assert says in out


def test_ids_that_are_not_pictures_fail_alone(env, fake_drive, fake_tv):
    notes, harbour = fake_drive.find("notes.txt").id, fake_drive.find("harbour.jpg").id

    code, out = run("--ids", f"{notes},{harbour}", "--dry-run")

    assert code == 1
    assert f"{notes}: 'notes.txt' on Google Drive is not a picture (text/plain)." in out
    assert "would import 1, skip 0, fail 1" in out
