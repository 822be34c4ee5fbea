"""The "Import from Google Drive" page in a real Chromium: the live server, the fake
Drive, the fake TV and a real worker on the embedded queue. The same grid as Plex's."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, THUMBNAIL_SHOWN, assert_accessible, log_in
from tests.workers import celery_worker, empty_embedded_queue

DOCS_IMAGES = settings.BASE_DIR / "docs" / "images"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drive_worker(worker_env, drive_settings, fake_drive, tmp_path):
    empty_embedded_queue()
    env = {**worker_env, "DRIVE_API_KEY": fake_drive.api_key, "DRIVE_API_URL": fake_drive.url,
           "DRIVE_FOLDER_URL": drive_settings.DRIVE_FOLDER_URL, "DRIVE_TIMEOUT": "2"}
    with celery_worker(env, log_dir=tmp_path) as process:
        yield process


def open_folder(page, title):
    page.get_by_role("button", name=f"Open folder {title}").click()
    expect(page.locator("#browse-crumbs [aria-current=page]")).to_have_text(title)


def test_browse_select_import_then_the_whole_folder(live_server, curator, drive_worker,
                                                    fake_drive, fake_tv, page):
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    log_in(page, live_server.url, curator, next_path="/admin/drive/browse/")

    expect(page.locator("#browse-crumbs")).to_contain_text("Frame art")
    open_folder(page, "Travel")
    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(4)
    page.wait_for_function(THUMBNAIL_SHOWN)
    photos.nth(0).click()
    photos.nth(1).click(modifiers=["Shift"])
    expect(page.locator("#browse-count")).to_have_text("2 selected")
    page.click("#browse-import")
    expect(page.locator("#browse-progress-list .browse-state.done")).to_have_count(
        2, timeout=120_000)
    expect(page.locator("#browse-summary")).to_contain_text("2 imported, 0 skipped, 0 failed")
    expect(page.locator(".browse-tile.photo.imported")).to_have_count(2)
    assert_accessible(page, "Drive: the finished progress view")
    page.screenshot(path=DOCS_IMAGES / "drive-import.png", full_page=True)

    open_folder(page, "Mexico")
    expect(photos).to_have_count(2)
    page.click("#browse-whole")
    expect(page.locator("#browse-progress-list li")).to_have_count(2)
    expect(page.locator("#browse-summary")).to_contain_text(
        "1 imported, 0 skipped, 1 failed", timeout=120_000)
    expect(page.locator("#browse-retry")).to_have_text("Retry failed (1)")
    expect(page.locator("#browse-progress-list")).to_contain_text("not a picture Docent can read")
    assert_accessible(page, "Drive: a folder imported, one picture failed")
    page.screenshot(path=ARTIFACTS / "drive-folder-import.png", full_page=True)
    assert len(fake_tv.photos) == 3

    # The browser talked to Docent only: never to Google, its preview links or the key.
    assert all(url.startswith(live_server.url) for url in asked), [
        url for url in asked if not url.startswith(live_server.url)]
    assert not any(fake_drive.api_key in url for url in asked)
