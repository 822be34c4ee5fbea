"""The "Import from Immich" page in a real Chromium: the live server, the fake Immich,
the fake TV and a real worker on the embedded queue."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in
from tests.workers import celery_worker, empty_embedded_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

THUMBNAIL_SHOWN = ("[...document.querySelectorAll('.browse-tile img')]"
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

    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(6)  # All photos: pictures only, newest first
    expect(page.locator("#browse-crumbs")).to_contain_text("All photos")
    expect(page.locator("#browse-library option")).to_have_text(
        ["All photos", "Empty (0 items)", "Summer (6 items)"])
    page.wait_for_function(THUMBNAIL_SHOWN)
    assert_accessible(page, "All photos")

    page.select_option("#browse-library", label="Summer (6 items)")
    expect(page.locator("#browse-crumbs [aria-current=page]")).to_have_text("Summer")
    expect(photos).to_have_count(5)  # the video is not offered
    photos.nth(0).click()
    photos.nth(1).click(modifiers=["Shift"])
    expect(page.locator("#browse-count")).to_have_text("2 selected")
    page.click("#browse-import")
    expect(page.locator("#browse-progress-list .browse-state.done")).to_have_count(
        2, timeout=120_000)
    expect(page.locator("#browse-summary")).to_contain_text("2 imported, 0 skipped, 0 failed")
    assert_accessible(page, "the finished progress view")
    page.screenshot(path=ARTIFACTS / "immich-browse-progress.png", full_page=True)
    assert len(fake_tv.photos) == 2

    page.reload()
    expect(page.locator(".browse-tile.photo.imported")).to_have_count(2)
    photos.nth(0).click()
    page.click("#browse-import")
    dialog = page.locator("#browse-confirm")
    expect(dialog).to_contain_text("already on the TV")
    assert_accessible(page, "the re-import question")
    dialog.get_by_role("button", name="Cancel").click()

    page.click("#browse-select-all")
    page.click("#browse-import")
    dialog.get_by_role("button", name="Skip those on the TV").click()
    expect(page.locator("#browse-notice")).to_contain_text("not imported, already on the TV")
    expect(page.locator("#browse-progress-list .browse-state.done")).to_have_count(
        3, timeout=120_000)
    assert len(fake_tv.photos) == 5


def test_all_photos_turn_pages_while_immich_has_a_next_one(live_server, curator,
                                                            immich_settings, fake_immich, page):
    tiny = next(a for a in fake_immich.assets.values() if a.file_name == "screenshot.png").data
    for n in range(50):
        fake_immich.add_image(f"scan_{n:02}.png", tiny, mime_type="image/png")
    log_in(page, live_server.url, curator, next_path="/admin/immich/browse/")

    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(50)
    expect(page.locator("#browse-page-label")).to_have_text("Page 1")  # Immich counts none
    expect(page.locator("#browse-prev")).to_be_disabled()
    page.click("#browse-next")
    expect(photos).to_have_count(6)
    expect(page.locator("#browse-page-label")).to_have_text("Page 2")
    expect(page.locator("#browse-next")).to_be_disabled()
    assert_accessible(page, "the second page of All photos")
