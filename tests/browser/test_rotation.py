"""A TV's rotation in a real Chromium, on a phone-sized screen: set it from the TV's
page, press Preview next rotation, run it, see the history and the status card."""

import shutil

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from docentsite.artwork.models import Artwork, Placement, PlacementStatus
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

DOCS_IMAGES = django_settings.BASE_DIR / "docs" / "images"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def test_a_rotation_is_set_previewed_run_and_its_history_shown(
        live_server, curator, tv, fake_tv, make_artwork, make_jpeg, settings, tmp_path, page):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    for n in range(4):
        make_artwork(make_jpeg(300 + n, 200), title=f"Dune {n}")
    Artwork.objects.update(favourite=True)
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, live_server.url, curator, next_path=f"/admin/artwork/tv/{tv.pk}/change/")
    page.get_by_role("link", name="Set a rotation").click()
    page.get_by_label("Pool").select_option(label="The favourites")
    page.get_by_label("Pictures to keep").fill("3")
    page.get_by_label("Pictures per change").fill("1")
    page.get_by_label("How often").select_option(label="Every day")
    page.get_by_label("Time of day").fill("08:00")
    page.get_by_role("button", name="Save rotation").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Rotation of Frame saved: Rotates 1 picture every day at 08:00 · next")
    assert_accessible(page, "the rotation page")

    page.get_by_role("button", name="Preview next rotation").click()
    plan = page.locator(".docent-rotation-plan")
    expect(plan).to_contain_text("Would add 3 pictures and remove 0 pictures on Frame.")
    expect(plan.locator(".rotation-add li")).to_have_count(3)
    assert not fake_tv.photos  # a preview asks no TV
    page.screenshot(path=ARTIFACTS / "tv-rotation-phone.png", full_page=True)
    shutil.copy(ARTIFACTS / "tv-rotation-phone.png", DOCS_IMAGES / "tv-rotation-phone.png")
    assert_accessible(page, "the rotation preview")

    page.get_by_role("button", name="Rotate now").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Frame: Added 3 pictures, removed 0 pictures.")
    history = page.locator(".docent-rotation-history")
    expect(history.locator("tr.rotation-run.done")).to_have_count(1)
    expect(history).to_contain_text("Rotate now")
    assert Placement.objects.filter(status=PlacementStatus.ON_TV).count() == 3
    assert len(fake_tv.photos) == 3
    assert_accessible(page, "the rotation history")

    page.goto(f"{live_server.url}/admin/artwork/tv/{tv.pk}/change/")
    expect(page.locator(".docent-tv-rotation tr.rotation-run.done")).to_have_count(1)
    assert_accessible(page, "the TV's page with its rotation's last runs")

    page.goto(f"{live_server.url}/admin/docent/")
    expect(page.locator('[data-check="Frame TV"] .docent-tv-rotation')).to_contain_text(
        "Rotates 1 picture every day at 08:00 · next")
    assert_accessible(page, "the status page with a rotating TV")
