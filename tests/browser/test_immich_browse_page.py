"""The "Import from Immich" page in a real Chromium: the live server, the fake Immich,
the fake TV and a real worker on the embedded queue."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in
from tests.workers import celery_worker, empty_embedded_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

THUMBNAIL_SHOWN = ("[...document.querySelectorAll('.immich-tile img')]"
                   ".some(img => img.complete && img.naturalWidth > 0)")


@pytest.fixture
def immich_worker(worker_env, immich_settings, fake_immich, tmp_path):
    empty_embedded_queue()
    env = {**worker_env, "IMMICH_URL": fake_immich.url, "IMMICH_API_KEY": fake_immich.key,
           "IMMICH_TIMEOUT": "2"}
    with celery_worker(env, log_dir=tmp_path) as process:
        yield process


def test_browse_an_album_select_import_and_see_them_imported(
        live_server, curator, immich_worker, fake_immich, fake_tv, page):
    log_in(page, live_server.url, curator, next_path="/admin/immich/browse/")

    photos = page.locator(".immich-tile.photo")
    expect(photos).to_have_count(6)  # All photos: pictures only, newest first
    expect(page.locator("#immich-crumbs")).to_contain_text("All photos")
    page.wait_for_function(THUMBNAIL_SHOWN)
    assert_accessible(page, "All photos")

    page.select_option("#immich-view", "albums")
    page.get_by_role("button", name="Open album Summer").click()
    expect(page.locator("#immich-crumbs [aria-current=page]")).to_have_text("Summer")
    expect(photos).to_have_count(5)  # the video is not offered
    photos.nth(0).click()
    photos.nth(1).click(modifiers=["Shift"])
    expect(page.locator("#immich-count")).to_have_text("2 selected")
    page.click("#immich-import")
    expect(page.locator("#immich-progress-list .immich-state.done")).to_have_count(
        2, timeout=120_000)
    expect(page.locator("#immich-summary")).to_contain_text("2 imported, 0 skipped, 0 failed")
    assert_accessible(page, "the finished progress view")
    page.screenshot(path=ARTIFACTS / "immich-browse-progress.png", full_page=True)
    assert len(fake_tv.photos) == 2

    page.reload()
    expect(page.locator(".immich-tile.photo.imported")).to_have_count(2)
    photos.nth(0).click()
    page.click("#immich-import")
    dialog = page.locator("#immich-confirm")
    expect(dialog).to_contain_text("already on the TV")
    assert_accessible(page, "the re-import question")
    dialog.get_by_role("button", name="Cancel").click()

    page.click("#immich-import-album")
    expect(page.locator("#immich-notice")).to_contain_text("not imported, already on the TV")
    expect(page.locator("#immich-progress-list .immich-state.done")).to_have_count(
        3, timeout=120_000)
    assert len(fake_tv.photos) == 5
