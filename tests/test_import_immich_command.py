"""`manage.py import_immich`: the fake Immich, the fake TV, and no worker."""


import pytest

from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.sources.models import ImportStatus, SourceImport
from tests.commands import run_command
from tests.workers import empty_embedded_queue, meta_entries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def env(worker_env, immich_settings, fake_immich):
    empty_embedded_queue()
    return worker_env


def run(*args) -> tuple[int, str]:
    return run_command("import_immich", *args)


def test_an_album_with_no_worker_is_imported_in_this_process(env, fake_immich, fake_tv,
                                                              settings):
    code, output = run("--album", "summer", "--limit", "3", "--no-analyze")

    assert code == 0, output
    records = {r.title: r for r in SourceImport.objects.filter(source="immich")}
    assert set(records) == {"IMG_0000", "IMG_0001", "IMG_0002"}
    assert all(r.status == ImportStatus.DONE for r in records.values())
    assert set(fake_tv.photos) == {content_id(r.artwork) for r in records.values()}
    entries = meta_entries(settings)
    for record in records.values():
        entry = entries[content_id(record.artwork)]
        assert (entry["source"], entry["immich_asset_id"]) == ("immich", record.ref)
    assert "No worker is running: importing 3 picture(s) in this process." in output
    assert output.endswith("Imported 3, skipped 0, failed 0\n")

    code, output = run("--album", "Summer", "--limit", "3")
    assert code == 0 and "Imported 0, skipped 3, failed 0\nSkipped:\n" in output
    assert len(fake_tv.photos) == 3


def test_dry_run_of_all_photos_lists_them_and_queues_nothing(env, fake_immich, fake_tv):
    code, output = run("--all", "--dry-run")
    assert code == 0, output
    assert "screenshot.png" in output and "clip.mp4" not in output
    assert output.endswith("Dry run, nothing queued: would import 6, skip 0, fail 0\n")
    assert not SourceImport.objects.exists() and not fake_tv.photos


def test_ids_of_a_video_fail_with_the_reason(env, fake_immich, fake_tv):
    video = next(a for a in fake_immich.assets.values() if a.file_name == "clip.mp4")
    code, output = run("--ids", video.id)
    assert code == 1 and "is a video, not a picture" in output


@pytest.mark.parametrize(("args", "says"), [
    ((), "Say which pictures"),
    (("--ids", "a", "--all"), "--ids names the pictures itself"),
    (("--limit", "0"), "--limit takes a number"),
    (("--all", "--dry-run", "--wait"), "--dry-run queues nothing"),
])
def test_usage_errors_exit_2(env, args, says):
    code, output = run(*args)
    assert code == 2 and says in output


def test_an_unknown_album_names_those_there_are(env, fake_immich):
    code, output = run("--album", "Winter", "--all")
    assert code == 1 and "no album 'Winter' (its albums: Empty, Summer)" in output
