"""The artwork gallery in a real Chromium: cards, the admin's actions, Change matte."""

import pytest
from playwright.sync_api import expect

from docentsite.artwork import services
from docentsite.artwork.models import AnalysisStatus, Artwork
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

CARD_SHOWN = ("[...document.querySelectorAll('.artwork-thumb img')]"
              ".every(img => img.complete && img.naturalWidth > 0)")


@pytest.fixture
def gallery(fake_tv, frame_tv, make_artwork, make_jpeg, settings, tmp_path):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    artworks = []
    for title in ["Harbour", "Garden", "Wave"]:
        artwork = make_artwork(make_jpeg(640, 480), filename=f"{title.lower()}.jpg")
        artworks.append(services.artwork_upload_to_tv(artwork_id=artwork.pk, tv=frame_tv))
    Artwork.objects.filter(pk=artworks[2].pk).update(
        ai_title="The Great Wave", ai_artist="Hokusai", analysis_status=AnalysisStatus.DONE,
        ai_description="A towering wave curls over three fishing boats, Mount Fuji small "
                       "in the distance.")
    return artworks


def test_gallery_shows_cards_and_changes_the_matte_of_the_selected(
        live_server, curator, gallery, fake_tv, page):
    log_in(page, live_server.url, curator, next_path="/admin/artwork/artwork/")
    cards = page.locator("tr.artwork-card")
    expect(cards).to_have_count(3)
    page.wait_for_function(CARD_SHOWN)
    expect(cards.filter(has_text="Wave")).to_contain_text("The Great Wave — Hokusai")
    expect(cards.filter(has_text="Wave")).to_contain_text("A towering wave")
    expect(cards.first).to_contain_text("On the TV")
    page.screenshot(path=ARTIFACTS / "artwork-gallery.png", full_page=True)
    assert_accessible(page, "the artwork gallery")

    page.get_by_role("checkbox", name="Select Harbour").check()
    page.get_by_role("checkbox", name="Select Garden").check()
    expect(page.locator(".action-counter")).to_contain_text("2 of 3 selected")
    expect(page.locator("tr.artwork-card.selected")).to_have_count(2)
    page.select_option("select[name=action]", "change_matte")
    page.click("button[name=index]")

    expect(page.locator("h1")).to_have_text("Change matte")
    expect(page.locator(".matte-selection li")).to_have_count(2)
    assert_accessible(page, "the matte question")
    page.select_option("#id_matte_id", "shadowbox_polar")
    page.click("input[name=apply]")

    expect(page.locator(".messagelist")).to_contain_text("Matte shadowbox_polar on 2 picture(s).")
    harbour, garden, wave = gallery
    assert fake_tv.photos[harbour.content_id].matte_id == "shadowbox_polar"
    assert fake_tv.photos[garden.content_id].matte_id == "shadowbox_polar"
    assert fake_tv.photos[wave.content_id].matte_id == "none"

    page.click("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("3 of 3 selected")

    page.set_viewport_size({"width": 390, "height": 844})
    box = cards.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=ARTIFACTS / "artwork-gallery-narrow.png", full_page=True)
