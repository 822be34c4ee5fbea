"""Docent's front door in a real Chromium: / opens the gallery, the admin home leads with
Docent's pages, the header shows the TV's state, the status page on a fresh install."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from docentsite.artwork import tvs
from docentsite.status.models import CheckResult
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in
from tests.workers import celery_worker, empty_embedded_queue, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def nothing_known():
    cache.clear()  # the TV's last state lives in this process's cache, as the server's does
    yield
    cache.clear()


@pytest.fixture
def paired(fake_tv, frame_tv, settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    return fake_tv


def test_the_root_opens_the_gallery_after_the_login(live_server, curator, paired, page):
    base = live_server.url
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/admin/login/?next=/admin/artwork/artwork/")
    page.fill("#id_username", curator[0])
    page.fill("#id_password", curator[1])
    page.click("input[type=submit]")

    expect(page).to_have_url(f"{base}/admin/artwork/artwork/")
    page.get_by_role("link", name="View site").click()
    expect(page).to_have_url(f"{base}/admin/artwork/artwork/")


@pytest.mark.parametrize("viewport, name", [(WIDE, "admin-home"), (PHONE, "admin-home-phone")])
def test_the_admin_home_leads_with_docent(live_server, curator, paired, page, viewport, name):
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, curator, next_path="/admin/")

    doors = page.locator(".docent-door")
    expect(doors).to_have_text([
        "Gallery Your pictures, and what is on the TV.",
        "Upload Pictures from this computer or phone.",
        "Import from Plex Pick photos from your Plex libraries.",
        "Import from Google Drive Pick pictures from a shared Google Drive folder.",
        "Import from Immich Pick photos from your Immich albums or timeline.",
        "Status Is the TV, Plex, Google Drive, Immich and the task queue working?",
    ])
    for door in doors.all():
        expect(door).to_be_in_viewport()  # every door without scrolling, on a phone too
    users = page.get_by_role("link", name="Users")
    expect(users).to_be_hidden()
    expect(page.locator("#docent-tv")).to_have_text("TV: listening")
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    assert_accessible(page, "the admin's home")

    page.get_by_text("Settings and records").click()
    expect(users).to_be_visible()
    assert_accessible(page, "the admin's home with the records open")
    doors.filter(has_text="Gallery").click()
    expect(page).to_have_url(f"{live_server.url}/admin/artwork/artwork/")


def test_the_header_shows_the_tv_s_state_on_every_page(live_server, curator, paired, page):
    base = live_server.url
    log_in(page, base, curator, next_path="/admin/plexsource/importrecord/")
    tv = page.locator("#docent-tv")
    expect(tv).to_have_text("TV: listening")  # the page said "checking…"; its script asked
    expect(tv).to_have_attribute("title", "The TV shows art: new pictures go on it now.")
    assert_accessible(page, "a page with the TV's state")

    paired.art_mode = False
    cache.clear()  # 30 seconds later
    page.goto(f"{base}/admin/artwork/artwork/")
    expect(tv).to_have_text("TV: being watched")
    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / "header-tv-phone.png")

    paired.stop()
    cache.clear()
    page.goto(f"{base}/admin/")
    expect(tv).to_have_text("TV: asleep")
    tv.click()
    expect(page).to_have_url(f"{base}/admin/docent/")


@pytest.mark.timeout(300)
def test_a_fresh_install_shows_pairing_as_the_next_step(live_server, curator, fake_tv,
                                                       settings, tmp_path, page):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    tvs.tv_from_env()  # as `serve` does when it starts
    empty_embedded_queue()
    env = {"TV_HOST": fake_tv.host, "TV_PORT": str(fake_tv.port),
           "TV_TOKEN_FILE": str(settings.TV_TOKEN_FILE), "PLEX_URL": "", "PLEX_TOKEN": ""}

    with celery_worker(env, log_dir=tmp_path):
        # Nothing checked yet: the page says so, and asks the worker to check.
        log_in(page, live_server.url, curator, next_path="/admin/docent/")
        expect(page.locator('[data-check="Task queue"]')).to_have_class("docent-card checking")
        expect(page.locator('[data-check="Frame TV"]')).to_contain_text("Checking")
        page.screenshot(path=ARTIFACTS / "docent-status-checking.png", full_page=True)
        wait_for(lambda: CheckResult.objects.filter(key="Task queue").exists(),
                 what="the worker to run the checks")
        for viewport, name in [(WIDE, "docent-status"), (PHONE, "docent-status-phone")]:
            page.set_viewport_size(viewport)
            page.reload()
            expect(page.locator('[data-check="Task queue"]')).to_contain_text(
                "a worker is running")
            tv_card = page.locator('[data-check="Frame TV"]')
            expect(tv_card).to_have_class("docent-card step")
            expect(tv_card).to_contain_text("Next step: pair with the TV")
            expect(tv_card).to_contain_text("press Allow on the TV now")
            expect(tv_card.get_by_role("button", name="Pair with TV")).to_be_visible()
            expect(page.locator(".docent-card.problem")).to_have_count(0)
            for name_off in ("Plex", "Vision model"):
                expect(page.locator(f'[data-check="{name_off}"]')).to_contain_text("Not set up")
            expect(page.locator("#docent-tv")).to_have_text("TV: not paired")
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
            assert_accessible(page, "the status page of a fresh install")
