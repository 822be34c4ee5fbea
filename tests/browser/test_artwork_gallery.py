"""The artwork gallery in a real Chromium: cards that keep each picture's shape, the
lightbox, one-click card actions (Show on TV now, Change matte, Remove from TV and
Put back) and the matte picker, at 1440 px and 390 px."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from docentsite.artwork import placements
from docentsite.artwork.models import AnalysisStatus, Artwork, Placement
from plexsource import services as plex_services
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

GALLERY = "/admin/artwork/artwork/"
CARD_SHOWN = ("[...document.querySelectorAll('.artwork-thumb img')]"
              ".every(img => img.complete && img.naturalWidth > 0)")
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def painting(width: int, height: int, sky, sea) -> bytes:
    """A picture with a horizon, so the screenshots show shapes, not blocks of colour."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = height * 3 // 5
    for y in range(height):
        top, bottom = (sky, (250, 220, 180)) if y < horizon else ((30, 60, 90), sea)
        span = horizon if y < horizon else height - horizon
        t = (y if y < horizon else y - horizon) / max(span, 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t)
                                                   for a, b in zip(top, bottom, strict=True)))
    draw.ellipse([width * 0.65, horizon * 0.45, width * 0.65 + height * 0.16,
                  horizon * 0.45 + height * 0.16], fill=(255, 236, 190))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


@pytest.fixture
def gallery(tv, upload_now, make_artwork, settings, tmp_path):
    """Three pictures on the TV: their placements."""
    return _gallery(upload_now, make_artwork, settings, tmp_path,
                    sizes=[(640, 480), (480, 640), (1600, 400)])


@pytest.fixture
def framed_gallery(tv, upload_now, make_artwork, settings, tmp_path):
    """The same three prepared at the panel's size, the only size a Frame puts a matte
    around (docs/mattes.md)."""
    return _gallery(upload_now, make_artwork, settings, tmp_path, sizes=[(3840, 2160)] * 3)


def _gallery(upload_now, make_artwork, settings, tmp_path, *, sizes):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    shown = []
    for (title, sky, sea), size in zip([
            ("Harbour", (70, 110, 170), (20, 70, 110)),
            ("Garden", (120, 160, 200), (40, 110, 50)),
            ("Wave", (200, 120, 90), (10, 50, 90))], sizes, strict=True):
        artwork = make_artwork(painting(*size, sky, sea), filename=f"{title.lower()}.jpg",
                               title=title)
        shown.append(upload_now(artwork))
    Artwork.objects.filter(pk=shown[2].artwork_id).update(
        ai_title="The Great Wave", ai_artist="Hokusai", analysis_status=AnalysisStatus.DONE,
        ai_description="A towering wave curls over three fishing boats, Mount Fuji small "
                       "in the distance.")
    return shown


def card(page, title):
    return page.locator("tr.artwork-card", has=page.locator(".artwork-title", has_text=title))


def test_gallery_cards_keep_each_pictures_shape_and_open_in_a_lightbox(
        live_server, curator, gallery, page):
    page.set_viewport_size(WIDE)
    log_in(page, live_server.url, curator, next_path=GALLERY)
    cards = page.locator("tr.artwork-card")
    expect(cards).to_have_count(3)
    page.wait_for_function(CARD_SHOWN)
    expect(card(page, "Wave")).to_contain_text("The Great Wave — Hokusai")
    expect(cards.first).to_contain_text("On the TV")
    # 16:9 tiles with the whole picture inside: the panorama is not cropped to a square.
    thumb = card(page, "Wave").locator(".artwork-thumb")
    box = thumb.bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.05
    assert thumb.locator("img").evaluate("img => getComputedStyle(img).objectFit") == "contain"
    expect(page.locator("#changelist-filter")).to_contain_text("Direct upload")
    expect(page.locator("#changelist-filter")).not_to_contain_text("Google Drive")
    expect(page.locator(".xfull")).to_have_count(0)  # no date drill-down
    expect(card(page, "Harbour")).to_contain_text(
        "Delete from Docent: remove it from the TV first.")
    assert_accessible(page, "the artwork gallery")
    page.screenshot(path=ARTIFACTS / "artwork-gallery.png", full_page=True)
    # The README's pictures (docs/images/artwork-gallery*.png) are copies of these.
    page.screenshot(path=ARTIFACTS / "artwork-gallery-1440.png")

    # The lightbox: ←/→ step through the page's pictures, Esc closes, focus comes back.
    openers = page.locator(".artwork-open")
    openers.first.click()
    lightbox = page.locator("#artwork-lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.locator("figcaption")).to_have_text("Wave (1 of 3)")
    page.wait_for_function("document.querySelector('#artwork-lightbox img').naturalWidth > 0")
    assert_accessible(page, "the lightbox")
    page.screenshot(path=ARTIFACTS / "artwork-lightbox.png")
    page.keyboard.press("ArrowRight")
    expect(lightbox.locator("figcaption")).to_have_text("Garden (2 of 3)")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(lightbox.locator("figcaption")).to_have_text("Harbour (3 of 3)")
    for _ in range(6):  # focus stays in the lightbox
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#artwork-lightbox')")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(openers.nth(2)).to_be_focused()  # back on the card of the picture last shown

    page.set_viewport_size(PHONE)
    box = cards.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # On a phone the filters come first, folded, then the cards.
    page.reload()
    assert (page.locator("#changelist-filter").bounding_box()["y"]
            < cards.first.bounding_box()["y"])
    expect(page.locator("#changelist-filter details[open]")).to_have_count(0)
    page.wait_for_function(CARD_SHOWN)
    assert_accessible(page, "the artwork gallery on a phone")
    page.screenshot(path=ARTIFACTS / "artwork-gallery-narrow.png", full_page=True)
    page.screenshot(path=ARTIFACTS / "artwork-gallery-390.png")


def test_matte_picker_from_the_card_and_from_the_selection(
        live_server, curator, framed_gallery, fake_tv, page):
    harbour, garden, wave = framed_gallery
    page.set_viewport_size(WIDE)
    log_in(page, live_server.url, curator, next_path=GALLERY)

    card(page, "Harbour").get_by_role("link", name="Change matte").click()
    expect(page.locator("h1")).to_have_text("Change matte")
    shadowbox = page.locator("fieldset.matte-style", has_text="Shadowbox")
    expect(shadowbox.locator("label", has_text="Burgundy")).to_be_visible()
    expect(shadowbox.locator("label", has_text="Sea foam")).to_be_visible()
    expect(page.locator("label.matte-swatch", has_text="No matte").locator("input")).to_be_checked()
    assert_accessible(page, "the matte picker")
    page.screenshot(path=ARTIFACTS / "matte-picker.png", full_page=True)
    shadowbox.locator("label", has_text="Polar").click()
    page.click("input[name=apply]")
    expect(page.locator(".messagelist")).to_contain_text("Matte Shadowbox, Polar on 1 picture(s).")
    expect(card(page, "Harbour")).to_contain_text("Shadowbox, Polar")
    assert fake_tv.photos[harbour.content_id].matte_id == "shadowbox_polar"

    # Several at once, through the admin's action.
    page.get_by_role("checkbox", name="Select Garden").check()
    page.get_by_role("checkbox", name="Select Wave").check()
    page.select_option("select[name=action]", "change_matte")
    page.click("button[name=index]")
    page.set_viewport_size(PHONE)
    page.locator("fieldset.matte-style", has_text="Modern wide").locator(
        "label", has_text="Sage").click()
    assert_accessible(page, "the matte picker on a phone")
    page.screenshot(path=ARTIFACTS / "matte-picker-narrow.png", full_page=True)
    page.click("input[name=apply]")
    expect(page.locator(".messagelist")).to_contain_text("Matte Modern wide, Sage on 2 picture(s).")
    assert fake_tv.photos[garden.content_id].matte_id == "modernwide_sage"
    assert fake_tv.photos[wave.content_id].matte_id == "modernwide_sage"


def test_show_now_remove_and_put_back_with_the_plex_tile_following(
        live_server, curator, worker, fake_plex, fake_tv, page):
    # Garden, imported from Plex and on the TV.
    garden = fake_plex.find("Garden").rating_key
    plex_services.plex_import_request(plex_metadata_ids=[garden])
    record = plex_services.plex_import_records(plex_metadata_ids=[garden])[0]
    plex_services.plex_import_run_inline(record_id=record.pk)
    assert len(fake_tv.photos) == 1
    page.set_viewport_size(WIDE)
    log_in(page, live_server.url, curator, next_path=GALLERY)
    garden_card = card(page, "Garden")

    garden_card.get_by_role("button", name="Show on TV now").click()
    expect(page.locator(".messagelist")).to_contain_text("The TV now shows “Garden”.")
    fake_tv.art_mode = False
    garden_card.get_by_role("button", name="Show on TV now").click()
    expect(page.locator(".messagelist")).to_contain_text("The TV is being watched")
    assert fake_tv.art_mode is False  # left alone
    assert len(fake_tv.select_calls) == 1
    fake_tv.art_mode = True

    garden_card.get_by_role("link", name="Remove from TV").click()
    expect(page.locator("#content-main")).to_contain_text("Docent keeps the picture")
    assert_accessible(page, "the Remove from TV question")
    page.get_by_role("button", name="Remove from TV").click()
    expect(page.locator(".messagelist")).to_contain_text("is off the TV and stays in Docent")
    assert fake_tv.photos == {}
    expect(garden_card).to_contain_text("Removed from the TV")
    expect(garden_card).to_contain_text("Delete from Docent (not on the TV: nothing changes there)")
    assert_accessible(page, "a removed card")

    # The Plex page agrees: removed, not "✓ Imported".
    page.goto(f"{live_server.url}/admin/plex/browse/")
    page.get_by_role("button", name="Open album Family").click()
    tile = page.locator(".browse-tile.photo", has_text="Garden")
    expect(tile.locator(".browse-badge")).to_have_text("Removed from the TV: import puts it back")

    page.goto(f"{live_server.url}{GALLERY}")
    page.evaluate("window.stayed = true")
    garden_card.get_by_role("button", name="Put back").click()
    expect(page.locator(".messagelist")).to_contain_text("is on its way back to the TV")
    page.evaluate("window.stayed = true")  # the redirect loaded the page once
    # The worker uploads it; the card follows by itself, without reloading the page.
    expect(garden_card.locator(".artwork-badge")).to_have_text("On the TV", timeout=60_000)
    assert page.evaluate("window.stayed") is True
    expect(garden_card.get_by_role("button", name="Show on TV now")).to_be_visible()
    assert len(fake_tv.photos) == 1
    assert_accessible(page, "the gallery after Put back")

    page.goto(f"{live_server.url}/admin/plex/browse/")
    page.get_by_role("button", name="Open album Family").click()
    expect(tile.locator(".browse-badge")).to_have_text("✓ Imported")


def test_every_state_reads_clearly_at_both_widths(
        live_server, curator, gallery, tv, upload_now, make_artwork, page):
    """The gallery as the README shows it: on the TV, removed, and waiting for the TV."""
    removed = upload_now(make_artwork(painting(800, 600, (150, 150, 190), (90, 80, 60)),
                                      filename="dunes.jpg", title="Dunes"))
    placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=removed.artwork_id))
    waiting = make_artwork(painting(900, 600, (90, 140, 200), (60, 90, 40)),
                           filename="meadow.jpg", title="Meadow")
    Placement.objects.create(
        artwork=waiting, tv=tv,
        waiting_reason="The TV is off or asleep; Docent tries again by itself.")

    page.set_viewport_size(WIDE)
    log_in(page, live_server.url, curator, next_path=GALLERY)
    page.wait_for_function(CARD_SHOWN)
    expect(card(page, "Dunes")).to_contain_text("Removed from the TV; Docent keeps it.")
    expect(card(page, "Dunes").get_by_role("button", name="Put back")).to_be_visible()
    expect(card(page, "Meadow")).to_contain_text("Waiting: The TV is off or asleep")
    expect(card(page, "Meadow")).to_have_attribute("data-working", "")
    assert_accessible(page, "every card state")
    page.screenshot(path=ARTIFACTS / "artwork-gallery-states-1440.png")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function(CARD_SHOWN)
    page.locator("#result_list").scroll_into_view_if_needed()
    assert_accessible(page, "every card state on a phone")
    page.screenshot(path=ARTIFACTS / "artwork-gallery-states-390.png")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "every card state in dark mode")
    page.screenshot(path=ARTIFACTS / "artwork-gallery-states-dark.png")
