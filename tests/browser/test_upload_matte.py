"""The upload page's Matte in a real Chromium: the page reads each picked picture's size
and offers only the mattes that can go round it as Docent will prepare it."""

import pytest
from playwright.sync_api import expect

from docentsite.artwork import tvs
from docentsite.artwork.models import Artwork, RefusedMatte
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in
from tests.browser.test_upload_page import DROP, UPLOAD, picture

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def offered(page) -> list[str]:
    return page.eval_on_selector_all(
        "#id_matte option", "options => options.filter(o => !o.disabled && !o.hidden)"
                            ".map(o => o.value)")


def test_a_picked_picture_is_offered_only_the_mattes_that_suit_it(
        live_server, curator, page, queued, tv, fake_tv):
    queued("pipeline")
    tvs.tv_refresh(tv=tv)  # its check: Docent learns its mattes
    RefusedMatte.objects.create(tv=tv, matte_id="panoramic_polar", shape="landscape")
    RefusedMatte.objects.create(tv=tv, matte_id="flexible_polar", shape="portrait")
    log_in(page, live_server.url, curator, next_path=UPLOAD)
    every = offered(page)
    assert every[:3] == ["", "none", "modernthin_antique"] and "panoramic_polar" in every
    assert "modernthin_black" not in every  # it makes a Frame fail to show the picture

    # Fit puts a portrait picture on the 16:9 panel: a landscape picture of the panel's size.
    page.select_option("#id_framing", "fit")
    page.select_option("#id_matte", "flexible_polar")
    page.evaluate(DROP, [".upload-drop", [
        ["portrait.png", "image/png", list(picture((30, 90, 160), size=(600, 800)))]]])
    item = page.locator(".upload-item").filter(has_text="portrait.png")
    expect(item).to_have_attribute("data-state", "done")
    expect(item).to_contain_text("Queued for the TV.")
    assert Artwork.objects.get().matte == "flexible_polar"
    hint = page.locator("#upload-matte-hint")
    expect(hint).to_have_text("Offered: the mattes that suit the picture picked last.")
    now = offered(page)
    assert "flexible_polar" in now and "panoramic_polar" not in now
    assert page.input_value("#id_matte") == "flexible_polar"
    assert_accessible(page, "the upload page's Matte")

    # As is, the same picture stays 600×800: too small for any matte.
    page.select_option("#id_framing", "as_is")
    assert offered(page) == ["", "none"]
    assert page.input_value("#id_matte") == ""
    expect(hint).to_contain_text("(the matte chosen did not, so it is back to the TV's default)")

    # A matte chosen before any picture is picked goes with it; its row says it will not fit.
    page.reload()
    page.select_option("#id_framing", "fit")
    page.select_option("#id_matte", "panoramic_polar")
    page.evaluate(DROP, [".upload-drop", [
        ["sea.png", "image/png", list(picture((200, 160, 90), size=(960, 540)))]]])
    sea = page.locator(".upload-item").filter(has_text="sea.png")
    expect(sea).to_contain_text(
        "Queued for the TV. Its matte does not suit it (the TVs refused that matte for "
        "landscape pictures): it gets the TV's default or none.")
    assert Artwork.objects.get(original_filename="sea.png").matte == "panoramic_polar"
    assert "panoramic_polar" not in offered(page)

    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator("#id_matte").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_accessible(page, "the upload page's Matte on a phone")
    page.screenshot(path=ARTIFACTS / "upload-matte-narrow.png", full_page=True)
