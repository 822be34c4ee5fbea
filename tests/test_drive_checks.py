"""Google Drive on the status page and in docent_check, through the source registry."""

import contextlib

import pytest
from django.core.management import call_command

from tests.workers import empty_embedded_queue

pytestmark = pytest.mark.django_db(transaction=True)


def run_check(capsys) -> str:
    with contextlib.suppress(SystemExit):
        call_command("docent_check")
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_docent_check_names_the_folder_or_what_is_wrong(capsys, settings, drive_settings,
                                                        fake_drive):
    settings.TV_HOST = ""
    empty_embedded_queue()

    found = run_check(capsys)
    settings.DRIVE_FOLDER_URL = (
        f"https://drive.google.com/drive/folders/{fake_drive.find('Private').id}")
    private = run_check(capsys)
    settings.DRIVE_FOLDER_URL = "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOp/view"
    a_file = run_check(capsys)
    settings.DRIVE_API_KEY = settings.DRIVE_FOLDER_URL = ""
    off = run_check(capsys)

    assert 'ok   Google Drive: folder "Frame art", shared with anyone with the link' in found
    assert "Google Drive: Google Drive has no folder" in private
    assert "Anyone with the link" in private
    assert "DRIVE_FOLDER_URL in .env: this is the link to a file, not to a folder" in a_file
    assert "off  Google Drive: not set up (set DRIVE_API_KEY and DRIVE_FOLDER_URL" in off
    assert fake_drive.api_key not in found + private + a_file + off


def test_the_status_page_has_a_card_and_the_home_page_a_way_in(admin_client, drive_settings,
                                                               fake_drive):
    from docentsite.status.tasks import refresh as run_the_checks

    run_the_checks()
    status = admin_client.get("/admin/docent/").content.decode()
    home = admin_client.get("/admin/").content.decode()

    assert "Google Drive" in status and "Frame art" in status
    assert "/admin/drive/browse/" in home and "Import from Google Drive" in home
    assert fake_drive.api_key not in status + home
