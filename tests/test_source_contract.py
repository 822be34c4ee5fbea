"""The source contract: a source written here, in a dozen lines, plugs into Docent with
no change to any other file, and an import through it runs end to end on the core's
machinery (docs/sources.md)."""

import json
import logging
import re
from pathlib import Path

import pytest
from celery.exceptions import Ignore
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from docentsite.artwork.errors import NotFound, Unavailable
from docentsite.artwork.models import Artwork
from docentsite.artwork.placements import content_id_on_first_tv as content_id
from docentsite.health import Check, Level
from docentsite.logformat import RedactingFormatter
from docentsite.sources import imports, inline, registry
from docentsite.sources import tasks as source_tasks
from docentsite.sources.imports import Item
from docentsite.sources.models import ImportStatus, SourceImport

REPO = Path(__file__).resolve().parents[1]
FOLDER: dict[str, bytes] = {}  # the "remote" pictures a test puts there
DOWN: list[str] = []  # a message while the folder "server" is down


# -- the whole source: a folder of pictures --------------------------------------------

def lookup(*, refs):
    found = {ref: Item(ref, title=Path(ref).stem, filename=ref) for ref in refs if ref in FOLDER}
    return found, {ref: f"No picture called {ref}." for ref in refs if ref not in FOLDER}


def fetch_original(*, ref, dest_dir):
    if DOWN:
        raise Unavailable(DOWN[0])
    if ref not in FOLDER:
        raise NotFound(f"{ref} was deleted.")
    (dest_dir / ref).write_bytes(FOLDER[ref])
    return dest_dir / ref


def check(*, remember=True):
    return Check("Folder", Level.OK, f"{len(FOLDER)} picture(s)", facts={"connected": True})


def counts():
    return [("picture(s) in the folder", len(FOLDER), "")]


HERE = __name__
SOURCE = registry.Source(
    key="folder", label="Folder", fetch_original=f"{HERE}.fetch_original",
    lookup=f"{HERE}.lookup", check=f"{HERE}.check", counts=f"{HERE}.counts",
    secrets=("FOLDER_SECRET",), meta_ref_key="folder_file")

# -----------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folder(settings, make_jpeg, chains):
    """The source registered; the chains it queues recorded, not sent to a queue: the
    tests run them in this process."""
    settings.FOLDER_SECRET = "s3cr3t-folder-key"
    FOLDER.clear()
    DOWN.clear()
    FOLDER.update({"wave.jpg": make_jpeg(640, 400), "dune.jpg": make_jpeg(400, 640),
                   "broken.jpg": b"not a picture"})
    registry.register(SOURCE)
    yield SOURCE
    registry.unregister(SOURCE.key)


@pytest.fixture
def meta_path(tmp_path, settings):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return settings.ARTWORK_META_PATH


def import_inline(source, refs, **options):
    result = imports.source_import_request(source=source, refs=refs, **options)
    records = imports.source_import_records(source=source, refs=result.queued)
    return result, [inline.source_import_run_inline(source=source, record_id=record.pk,
                                                    attempts=2) for record in records]


def test_docentsite_names_no_source_but_in_installed_apps():
    apps = [config.name for config in django_apps.get_app_configs()
            if hasattr(config, "docent_source")]
    core = [*(REPO / "docentsite").rglob("*.py"), *(REPO / "templates").rglob("*.html")]
    naming = [str(path.relative_to(REPO)) for path in core
              if re.search("|".join(apps), path.read_text())]
    assert "plexsource" in apps and naming == ["docentsite/settings.py"]


def test_a_new_source_is_on_the_status_page_and_in_docent_check(folder, admin_client, capsys,
                                                                settings):
    settings.TV_HOST = ""
    admin_client.post("/admin/docent/check-now/")
    page = admin_client.get("/admin/docent/").content.decode()

    card = page.split('data-check="Folder"')[1].split("</li>")[0]
    assert "✓ OK" in card and "3 picture(s)" in card
    assert "import(s) from Folder in progress" in page
    assert "<strong>3</strong> picture(s) in the folder" in page
    assert "/admin/sources/sourceimport/?source__exact=folder&amp;status__exact=failed" in page
    with pytest.raises(SystemExit):  # no TV: the check fails, and says so
        call_command("docent_check")
    assert "ok   Folder: 3 picture(s)" in capsys.readouterr().out


def test_an_import_runs_end_to_end_on_the_core(folder, tv, meta_path):
    result, records = import_inline(folder, ["wave.jpg", "dune.jpg", "broken.jpg", "gone.jpg"])

    assert result.queued == ["wave.jpg", "dune.jpg", "broken.jpg"]
    assert result.errors == [{"ref": "gone.jpg", "error": "No picture called gone.jpg."}]
    done = {r.ref: r for r in records}
    assert done["wave.jpg"].status == done["dune.jpg"].status == ImportStatus.DONE
    assert done["broken.jpg"].status == ImportStatus.FAILED
    assert "not" in done["broken.jpg"].last_error.lower()
    wave = Artwork.objects.get(source="folder", source_ref="wave.jpg")
    assert (wave.title, wave.original_filename, wave.width) == ("wave", "wave.jpg", 640)
    entries = json.loads(meta_path.read_text())["artwork"]
    assert entries[content_id(wave)]["source"] == "folder"
    assert entries[content_id(wave)]["folder_file"] == "wave.jpg"
    assert len(entries) == 2

    again = imports.source_import_request(source=folder, refs=["wave.jpg"])
    assert again.queued == []
    assert again.skipped == [{"ref": "wave.jpg",
                              "reason": f"already on the TV as {content_id(wave)}"}]


def test_a_source_down_is_retried_then_given_up_and_a_retry_resumes(folder, tv, meta_path):
    DOWN.append("The folder server is restarting.")

    _, (record,) = import_inline(folder, ["wave.jpg"])

    assert record.status == ImportStatus.FAILED
    assert record.last_error == "Gave up after 2 attempts: The folder server is restarting."
    assert record.attempts == 2
    DOWN.clear()
    result = imports.source_import_retry(source=folder, records=SourceImport.objects.all())
    assert result.queued == ["wave.jpg"]
    done = inline.source_import_run_inline(source=folder, record_id=record.pk)
    assert done.status == ImportStatus.DONE and done.artwork_id == record.artwork_id


def test_a_new_source_s_secret_never_reaches_a_log_line(folder):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "asked with key s3cr3t-folder-key", None, None)

    assert RedactingFormatter().format(record) == "asked with key [redacted]"


def test_its_records_are_listed_and_retried_in_the_shared_admin(folder, tv, meta_path,
                                                                admin_client):
    DOWN.append("The folder server is restarting.")
    import_inline(folder, ["wave.jpg"])
    DOWN.clear()

    page = admin_client.get("/admin/sources/sourceimport/?source__exact=folder")
    assert page.status_code == 200 and "Gave up after 2 attempts" in page.content.decode()
    record = SourceImport.objects.get()
    answer = admin_client.post("/admin/sources/sourceimport/", {
        "action": "retry", "_selected_action": [record.pk]}, follow=True)
    assert "1 import(s) queued." in answer.content.decode()
    assert SourceImport.objects.get().status == ImportStatus.QUEUED


def test_an_artwork_s_source_is_upload_or_an_installed_source(folder):
    Artwork(source="folder", title="x").clean_fields()
    Artwork(source="upload", title="x").clean_fields()
    with pytest.raises(ValidationError, match="No installed source is called 'nowhere'"):
        Artwork(source="nowhere", title="x").clean_fields()


def fetch_step(record_id: int, *, retries: int):
    """The chain's fetch step as a worker runs its try number `retries` + 1."""
    source_tasks.fetch_original.push_request(retries=retries)
    try:
        source_tasks.fetch_original("folder", record_id)
    finally:
        source_tasks.fetch_original.pop_request()


def test_the_chain_s_fetch_step_retries_a_source_that_is_down_then_gives_up(folder, tv,
                                                                             chains):
    imports.source_import_request(source=folder, refs=["wave.jpg"])
    ((record_id, artwork_id),) = chains
    DOWN.append("The folder server is restarting.")

    with pytest.raises(Unavailable):  # a worker's retry, called here: it raises
        fetch_step(record_id, retries=0)
    waiting = SourceImport.objects.get(pk=record_id)
    assert waiting.status == ImportStatus.RUNNING and waiting.next_attempt_at is not None
    assert waiting.waiting_reason == "The folder server is restarting."
    with pytest.raises(Ignore):
        fetch_step(record_id, retries=settings.TASK_MAX_RETRIES)
    failed = SourceImport.objects.get(pk=record_id)
    tries = settings.TASK_MAX_RETRIES + 1
    assert failed.status == ImportStatus.FAILED and failed.artwork.status == "failed"
    assert failed.last_error == f"Gave up after {tries} attempts: The folder server is restarting."

    DOWN.clear()
    imports.source_import_retry(source=folder, records=SourceImport.objects.all())
    fetch_step(record_id, retries=0)
    fetched = SourceImport.objects.get(pk=record_id)
    assert fetched.step == "downloading" and fetched.waiting_reason == ""
    assert Artwork.objects.get(pk=artwork_id).original.read() == FOLDER["wave.jpg"]
