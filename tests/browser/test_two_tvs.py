"""Two Frames in a real Chromium: add the second TV in the admin and pair it, pick
both TVs on the Import from Plex page, follow each TV's progress, see both TVs on
the gallery cards. The live server, the fake Plex, two fake TVs, a real worker."""

import shutil

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, THUMBNAIL_SHOWN, assert_accessible, log_in
from tests.fakes.frametv import FakeFrameTV
from tests.workers import celery_worker, empty_embedded_queue

DOCS_IMAGES = settings.BASE_DIR / "docs" / "images"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def den():
    with FakeFrameTV(name="Samsung The Frame 65") as fake:
        yield fake


@pytest.fixture
def worker(worker_env, plex_settings, fake_plex, settings, tmp_path):
    # The worker keeps the .env TV as .env names it: the same name as here.
    settings.TV_NAME = "Living room"
    empty_embedded_queue()
    env = {**worker_env, "TV_NAME": "Living room", "PLEX_URL": fake_plex.url,
           "PLEX_TOKEN": fake_plex.token, "PLEX_TIMEOUT": "2"}
    with celery_worker(env, log_dir=tmp_path) as process:
        yield process


def shot(page, name):
    page.screenshot(path=ARTIFACTS / name, full_page=True)
    DOCS_IMAGES.mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / name, DOCS_IMAGES / name)


def test_add_and_pair_a_second_tv_then_import_to_both(live_server, curator, worker, fake_plex,
                                                      fake_tv, den, page):
    from docentsite.artwork.models import TV

    base = live_server.url
    den.pairing, den.prompt_timeout = "pending", 20  # the prompt waits for the owner
    log_in(page, base, curator, next_path="/admin/artwork/tv/")

    # -- the TVs page: add the Den --------------------------------------------------------
    page.get_by_role("link", name="Add TV").click()
    page.fill("#id_name", "Den")
    page.fill("#id_host", den.host)
    page.fill("#id_port", str(den.port))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Den")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    den_row = rows.filter(has_text="Den")
    expect(den_row.locator(".field-is_paired img")).to_have_attribute("alt", "False")
    expect(rows.filter(has_text="Living room").locator(".field-is_paired img")).to_have_attribute(
        "alt", "True")
    den_tv = TV.objects.get(name="Den")
    den_tv.token_path.unlink(missing_ok=True)  # a token left by an earlier test's TV of this id

    # -- the status page: a card per TV, the Den's asking to be paired -------------------------
    page.goto(f"{base}/admin/docent/")
    page.get_by_role("button", name="Check now").click()  # not wait for the worker's timer
    living_card = page.locator('[data-check="Living room (Frame TV)"]')
    den_card = page.locator('[data-check="Den (Frame TV)"]')
    expect(living_card).to_have_class("docent-card ok")
    expect(den_card).to_have_class("docent-card step")
    expect(den_card.get_by_role("button", name="Pair with TV: Den")).to_be_visible()
    assert_accessible(page, "the status page with two TVs")
    shot(page, "status-two-tvs.png")

    # -- pair the Den from its page in the TVs admin ------------------------------------------
    page.goto(f"{base}/admin/artwork/tv/{den_tv.pk}/change/")
    page.get_by_role("button", name="Pair with TV").click()
    expect(page.locator(".docent-pair-wait")).to_have_text(
        "Waiting for the TV… press Allow on the TV now.")
    den.pairing = "allow"  # the owner presses Allow
    expect(page.locator(".messagelist")).to_contain_text("Paired: Den allowed Docent")
    token = den_tv.token_path.read_text()
    assert den.tokens == [token] and token not in page.content()
    assert_accessible(page, "a TV's page")
    page.screenshot(path=ARTIFACTS / "tv-change.png", full_page=True)
    page.goto(f"{base}/admin/artwork/tv/")
    expect(rows.filter(has_text="Den").locator(".field-is_paired img")).to_have_attribute(
        "alt", "True")
    assert_accessible(page, "the TVs page")
    shot(page, "tvs-admin.png")

    # -- Import from Plex: both TVs -------------------------------------------------------------
    page.goto(f"{base}/admin/plex/browse/")
    picker = page.locator("#browse-tvs")
    expect(picker.get_by_label("Living room")).to_be_checked()
    expect(picker.get_by_label("Den")).not_to_be_checked()
    picker.get_by_label("Den").check()
    for album in ("Travel", "2019", "Mexico"):
        page.get_by_role("button", name=f"Open album {album}").click()
        expect(page.locator("#browse-crumbs [aria-current=page]")).to_have_text(album)
    photos = page.locator(".browse-tile.photo")
    expect(photos).to_have_count(3)
    page.wait_for_function(THUMBNAIL_SHOWN)
    page.click("#browse-select-all")
    expect(page.locator("#browse-count")).to_have_text("3 selected")
    picker.get_by_label("Living room").uncheck()
    picker.get_by_label("Den").uncheck()
    expect(page.locator("#browse-import")).to_be_disabled()  # no TV to send them to
    picker.get_by_label("Living room").check()
    picker.get_by_label("Den").check()
    page.click("#browse-import")
    expect(page.locator("#browse-notice")).to_contain_text(
        "3 photo(s) queued for Living room and Den")

    progress = page.locator("#browse-progress-list > li")
    expect(progress).to_have_count(3)
    on_tv = page.locator("#browse-progress-list .browse-tv-state.on_tv")
    expect(on_tv).to_have_count(6, timeout=120_000)
    expect(progress.first.locator(".browse-tv-state")).to_have_text(
        ["Living room: on the TV", "Den: on the TV"])
    expect(page.locator("#browse-summary")).to_contain_text("3 imported, 0 skipped, 0 failed")
    assert_accessible(page, "the Plex page with the TV picker and each TV's progress")
    page.locator("#browse-progress").scroll_into_view_if_needed()
    shot(page, "plex-import-tvs.png")
    assert len(fake_tv.photos) == 3 and len(den.photos) == 3

    # -- the upload page asks too ---------------------------------------------------------------
    page.goto(f"{base}/admin/artwork/artwork/upload/")
    expect(page.get_by_label("Living room")).to_be_checked()
    expect(page.get_by_label("Den")).not_to_be_checked()
    assert_accessible(page, "the upload page with the TV picker")
    page.screenshot(path=ARTIFACTS / "upload-two-tvs.png", full_page=True)

    # -- the gallery: both TVs on each card -------------------------------------------------------
    page.goto(f"{base}/admin/artwork/artwork/")
    cards = page.locator("tr.artwork-card")
    expect(cards).to_have_count(3)
    for card in cards.all():
        expect(card.locator(".artwork-tv")).to_have_text(["Living room: on the TV",
                                                          "Den: on the TV"])
    assert_accessible(page, "the gallery with two TVs")
    shot(page, "gallery-two-tvs.png")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "the gallery with two TVs in dark mode")

    # -- importing one again asks, and skipping leaves both TVs as they are -----------------------
    page.emulate_media(color_scheme="light")
    page.goto(f"{base}/admin/plex/browse/")
    for album in ("Travel", "2019", "Mexico"):
        page.get_by_role("button", name=f"Open album {album}").click()
    expect(photos).to_have_count(3)
    photos.nth(0).click()
    page.locator("#browse-tvs").get_by_label("Den").check()
    page.click("#browse-import")
    dialog = page.locator("#browse-confirm")
    expect(dialog).to_contain_text("This photo is already imported")
    dialog.get_by_role("button", name="Only to the TVs without it").click()
    expect(page.locator("#browse-notice")).to_contain_text(
        "not imported, already on Living room as")
    expect(page.locator("#browse-notice")).to_contain_text("Den as")
    assert len(fake_tv.photos) == 3 and len(den.photos) == 3
