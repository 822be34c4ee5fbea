"""The "Import from Plex" page in a real Chromium: the live server, the fake Plex,
the fake TV and a real worker on the embedded queue."""

import shutil

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import (
    ALL_LOADED,
    ARTIFACTS,
    THUMBNAIL_SHOWN,
    assert_accessible,
    log_in,
)

DOCS_IMAGES = settings.BASE_DIR / "docs" / "images"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def open_album(page, title):
    page.get_by_role("button", name=f"Open album {title}").click()
    expect(page.locator("#browse-crumbs [aria-current=page]")).to_have_text(title)


def test_browse_select_import_and_see_them_imported(live_server, curator, worker, fake_plex,
                                                    fake_tv, page):
    base = live_server.url
    log_in(page, base, curator, next_path="/admin/plex/browse/")

    photos = page.locator(".browse-tile.photo")
    expect(page.get_by_role("button", name="Open album Travel")).to_be_visible()
    page.wait_for_function(THUMBNAIL_SHOWN)
    expect(page.locator("#browse-crumbs")).to_contain_text("Photos")
    page.wait_for_function(ALL_LOADED)
    page.screenshot(path=ARTIFACTS / "plex-browse-grid.png", full_page=True)

    open_album(page, "Travel")
    open_album(page, "2019")
    open_album(page, "Mexico")
    expect(photos).to_have_count(3)
    page.wait_for_function(THUMBNAIL_SHOWN)
    photos.nth(0).click()
    photos.nth(2).click(modifiers=["Shift"])
    expect(page.locator("#browse-count")).to_have_text("3 selected")
    expect(page.locator(".browse-tile.photo[aria-pressed=true]")).to_have_count(3)
    photos.nth(1).focus()
    page.keyboard.press("Space")
    expect(page.locator("#browse-count")).to_have_text("2 selected")
    page.keyboard.press("Enter")
    expect(page.locator("#browse-count")).to_have_text("3 selected")

    page.click("#browse-import")
    progress = page.locator("#browse-progress-list li")
    expect(progress).to_have_count(3)
    expect(page.locator("#browse-progress-list .browse-state.done")).to_have_count(3,
                                                                             timeout=120_000)
    expect(page.locator("#browse-summary")).to_contain_text("3 imported, 0 skipped, 0 failed")
    expect(page.locator("#browse-bar-label")).to_have_text("3 of 3 finished")
    assert page.eval_on_selector("#browse-bar", "bar => [bar.value, bar.max]") == [3, 3]
    expect(page.locator("#browse-retry")).to_be_hidden()
    gallery = page.get_by_role("link", name="See them in the gallery")
    expect(gallery).to_have_attribute("href", "/admin/artwork/artwork/")
    assert_accessible(page, "the finished progress view")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "the finished progress view in dark mode")
    page.screenshot(path=ARTIFACTS / "plex-browse-progress-dark.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.screenshot(path=ARTIFACTS / "plex-browse-progress.png", full_page=True)
    assert len(fake_tv.photos) == 3

    page.reload()
    expect(photos).to_have_count(3)
    expect(page.locator(".browse-tile.photo.imported")).to_have_count(3)
    expect(page.locator(".browse-badge.imported").first).to_have_text("✓ Imported")

    photos.nth(1).click()
    page.click("#browse-import")
    dialog = page.locator("#browse-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This photo is already on the TV")
    expect(dialog).to_contain_text("second copy")
    expect(dialog.locator("li")).to_have_text(photos.nth(1).locator(".browse-title").inner_text())
    page.screenshot(path=ARTIFACTS / "plex-browse-reimport.png", full_page=True)
    assert_accessible(page, "the re-import question")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#browse-count")).to_have_text("1 selected")

    page.click("#browse-import")
    dialog.get_by_role("button", name="Skip those on the TV").click()
    expect(page.locator("#browse-notice")).to_contain_text("not imported, already on the TV as")
    assert len(fake_tv.photos) == 3

    page.set_viewport_size({"width": 390, "height": 844})
    tile = photos.nth(0).bounding_box()
    assert tile["x"] >= 0 and tile["x"] + tile["width"] <= 390
    page.screenshot(path=ARTIFACTS / "plex-browse-narrow.png", full_page=True)


def test_home_shows_plex_and_the_tv_then_the_plex_error(live_server, curator, worker,
                                                        fake_plex, page):
    base = live_server.url
    log_in(page, base, curator, next_path="/admin/docent/")
    page.get_by_role("button", name="Check now").click()

    plex_card = page.locator('[data-check="Plex"]')
    expect(plex_card).to_have_class("docent-card ok")
    expect(plex_card).to_contain_text(fake_plex.name)
    expect(page.locator('[data-check="Frame TV"]')).to_have_class("docent-card ok")
    page.screenshot(path=ARTIFACTS / "docent-home.png", full_page=True)

    fake_plex.stop()
    page.reload()
    expect(plex_card).to_have_class("docent-card ok")  # as last checked, and when
    expect(plex_card.locator(".age")).to_contain_text("Checked ")
    page.get_by_role("button", name="Check now").click()
    expect(plex_card).to_have_class("docent-card warning")
    expect(plex_card).to_contain_text("What to check")
    page.screenshot(path=ARTIFACTS / "docent-home-plex-down.png", full_page=True)


def test_browse_page_says_when_plex_is_down(live_server, curator, plex_settings, fake_plex,
                                            page):
    fake_plex.stop()
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")

    expect(page.locator("#browse-message")).to_contain_text("Plex is not reachable")
    expect(page.locator("#browse-toolbar")).to_be_hidden()


def test_a_failed_import_shows_its_reason_and_can_be_retried_once_fixed(
        live_server, curator, worker, fake_plex, fake_tv, jpeg, page):
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    open_album(page, "Family")
    page.get_by_role("button", name="Garden").click()
    page.get_by_role("button", name="Broken").click()
    page.click("#browse-import")

    summary = page.locator("#browse-summary")
    expect(summary).to_contain_text("1 imported, 0 skipped, 1 failed", timeout=120_000)
    broken = page.locator("#browse-progress-list li", has_text="Broken")
    expect(broken.locator(".browse-state.failed")).to_contain_text(
        "failed: This file is not a picture Docent can read")
    expect(page.locator(".browse-badge.failed")).to_have_text("Import failed")

    page.check("#browse-hide-imported")
    expect(page.locator(".browse-tile.photo")).to_have_count(1)
    expect(page.locator(".browse-tile.photo .browse-title")).to_have_text("Broken")
    assert len(fake_tv.photos) == 1

    fake_plex.replace_file(fake_plex.find("Broken").rating_key, jpeg)
    page.get_by_role("button", name="Retry failed (1)").click()
    expect(summary).to_contain_text("1 imported, 0 skipped, 0 failed", timeout=120_000)
    expect(broken.locator(".browse-state.done")).to_contain_text("on the TV as")
    expect(page.locator(".browse-tile.photo")).to_have_count(0)
    assert len(fake_tv.photos) == 2


def test_pages_select_all_and_keyboard_ranges_in_a_second_library(
        live_server, curator, plex_settings, fake_plex, page):
    fake_plex.add_synthetic_section("Archive", 120)
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    picker = page.locator("#browse-library")
    expect(picker.locator("option")).to_have_text(["Photos (11 photos)", "Archive (120 photos)"])

    picker.select_option(label="Archive (120 photos)")
    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(50)
    expect(page.locator("#browse-page-label")).to_have_text("Page 1 of 3")
    expect(page.locator("#browse-prev")).to_be_disabled()
    page.click("#browse-select-all")
    expect(page.locator("#browse-count")).to_have_text("50 selected")

    page.click("#browse-next")
    expect(page.locator("#browse-page-label")).to_have_text("Page 2 of 3")
    assert "page=2" in page.url
    expect(page.locator(".browse-tile.photo[aria-pressed=true]")).to_have_count(0)
    expect(page.locator("#browse-count")).to_have_text("50 selected")  # kept across pages
    page.wait_for_function(THUMBNAIL_SHOWN)

    photos.nth(0).focus()
    page.keyboard.press("Space")
    photos.nth(4).focus()
    page.keyboard.press("Shift+Space")
    expect(page.locator(".browse-tile.photo[aria-pressed=true]")).to_have_count(5)
    expect(page.locator("#browse-count")).to_have_text("55 selected")
    focused = page.evaluate("document.activeElement.dataset.index")
    assert focused == "4"
    page.locator("#browse-pages").scroll_into_view_if_needed()
    page.wait_for_function(ALL_LOADED)
    expect(page.locator(".browse-thumb.broken")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "plex-browse-pages.png", full_page=True)

    page.go_back()
    expect(page.locator("#browse-page-label")).to_have_text("Page 1 of 3")
    expect(page.locator(".browse-tile.photo[aria-pressed=true]")).to_have_count(50)
    page.click("#browse-select-none")
    expect(page.locator("#browse-count")).to_have_text("0 selected")
    expect(page.locator("#browse-import")).to_be_disabled()

    picker.select_option(label="Photos (11 photos)")
    expect(page.locator("#browse-crumbs")).to_have_text("Photos")
    expect(page.locator("#browse-pages")).to_be_hidden()


def test_on_a_phone_the_count_and_import_stay_in_reach(
        live_server, curator, plex_settings, fake_plex, page):
    fake_plex.add_synthetic_section("Archive", 120)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    page.locator("#browse-library").select_option(label="Archive (120 photos)")
    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(50)
    # The pager is above the photos too: no scrolling past 50 tiles to turn a page.
    top_pager = page.locator("#browse-pages-top")
    expect(top_pager).to_be_in_viewport()
    expect(top_pager.locator("#browse-page-label-top")).to_have_text("Page 1 of 3")
    page.click("#browse-select-all")

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(photos.last).to_be_in_viewport()
    expect(photos.last.locator(".browse-thumb")).to_have_class("browse-thumb")  # loaded
    bar = page.locator("#browse-selection")
    expect(page.locator("#browse-count")).to_have_text("50 selected")
    expect(page.locator("#browse-count")).to_be_in_viewport()
    expect(page.locator("#browse-import")).to_be_in_viewport()
    expect(page.locator("#browse-import")).to_be_enabled()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["y"] > 844 / 2
    # Nothing of the page hides behind the bar: the bottom pager scrolls clear of it.
    pager = page.locator("#browse-pages").bounding_box()
    assert pager["y"] + pager["height"] <= box["y"]
    assert_accessible(page, "Import from Plex on a phone")
    page.screenshot(path=ARTIFACTS / "plex-browse-phone.png")
    shutil.copy(ARTIFACTS / "plex-browse-phone.png", DOCS_IMAGES / "plex-import-phone.png")

    page.emulate_media(color_scheme="dark")
    page.evaluate("window.scrollTo(0, 0)")
    assert_accessible(page, "Import from Plex on a phone in dark mode")
    background = page.eval_on_selector("#browse-selection",
                                       "bar => getComputedStyle(bar).backgroundColor")
    assert background == "rgb(18, 18, 18)"  # the admin's dark --body-bg
    page.screenshot(path=ARTIFACTS / "plex-browse-phone-dark.png")

    page.click("#browse-next-top")
    expect(page.locator("#browse-page-label-top")).to_have_text("Page 2 of 3")
    expect(page.locator("#browse-count")).to_have_text("50 selected")

    page.set_viewport_size({"width": 1440, "height": 900})
    static = page.eval_on_selector("#browse-selection", "bar => getComputedStyle(bar).position")
    assert static == "static"  # a wide screen keeps the bar above the photos
    assert_accessible(page, "Import from Plex in dark mode")
    page.screenshot(path=ARTIFACTS / "plex-browse-dark.png", full_page=True)


def test_loading_and_broken_thumbnails_look_different(
        live_server, curator, plex_settings, fake_plex, page):
    fake_plex.slow_thumbnails = 1.5  # under PLEX_TIMEOUT: late, not failed
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    page.get_by_role("button", name="Open album Family").click()
    garden = page.get_by_role("button", name="Garden").locator(".browse-thumb")
    expect(garden).to_have_class("browse-thumb loading")
    page.screenshot(path=ARTIFACTS / "plex-thumbnails-loading.png")
    broken = page.get_by_role("button", name="Broken").locator(".browse-thumb")
    expect(broken).to_have_class("browse-thumb broken", timeout=30_000)
    expect(broken).to_have_text("No preview")
    expect(broken.locator("img")).to_be_hidden()  # not the browser's broken-image glyph
    expect(garden).to_have_class("browse-thumb", timeout=30_000)
    assert garden.locator("img").evaluate("img => img.naturalWidth") > 0
    assert_accessible(page, "loaded and broken thumbnails")
    page.screenshot(path=ARTIFACTS / "plex-thumbnails-broken.png")


def test_a_server_without_photo_libraries_says_how_to_add_one(
        live_server, curator, plex_settings, fake_plex, page):
    fake_plex.sections[:] = [s for s in fake_plex.sections if s.type != "photo"]
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")

    expect(page.locator("#browse-message")).to_contain_text(
        f"{fake_plex.name} has no photo libraries")
    expect(page.locator("#browse-message")).to_contain_text("a library of the type Photos")
    expect(page.locator("#browse-toolbar")).to_be_hidden()


def test_browse_page_shows_the_env_lines_without_plex(live_server, curator, settings, page):
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")

    expect(page.locator("#browse-message")).to_contain_text("Plex is not configured")
    expect(page.locator("#browse-message pre")).to_contain_text("PLEX_URL=")
    expect(page.locator("#browse-message pre")).to_contain_text("PLEX_TOKEN=")


def test_a_reloaded_page_follows_the_imports_still_under_way(live_server, curator, worker,
                                                             fake_tv, page):
    fake_tv.stop()  # the upload waits, retried, until the TV is back
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    open_album(page, "Family")
    page.get_by_role("button", name="Garden").click()
    page.click("#browse-import")
    expect(page.locator("#browse-progress-list li")).to_have_count(1)

    page.reload()
    progress = page.locator("#browse-progress-list li")
    expect(progress).to_have_count(1)
    expect(progress).to_contain_text("Garden")
    expect(page.locator("#browse-bar-label")).to_have_text("0 of 1 finished")
    fake_tv.start()
    expect(page.locator("#browse-summary")).to_contain_text("1 imported, 0 skipped, 0 failed",
                                                          timeout=120_000)
    assert len(fake_tv.photos) == 1


def test_odd_query_params_in_the_address_are_explained(live_server, curator, plex_settings,
                                                       fake_plex, page):
    from plexsource import services

    library = services.plex_libraries_refresh()[0]
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    page.goto(f"{live_server.url}/admin/plex/browse/?library={library.pk}"
              "&page=100000000000000000000")

    expect(page.locator("#browse-message")).to_contain_text(
        "page: Input should be less than or equal to 1000000")
