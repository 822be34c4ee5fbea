"""The crop editor in a real Chromium: the box dragged and resized with a mouse, with the
keyboard and with a finger, Save, and the new thumbnail; axe-clean, at 1440 px and 390 px."""

import io

import pytest
from django.conf import settings
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from docentsite.artwork import lane
from docentsite.artwork.models import Artwork, Placement
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
DOCS_IMAGES = settings.BASE_DIR / "docs" / "images"
PICTURE_SHOWN = "(() => { const i = document.querySelector('.crop-picture'); " \
                "return i.complete && i.naturalWidth > 0; })()"
THUMBNAIL_SHOWN = "(() => { const i = document.querySelector('.crop-thumbnail'); " \
                  "return i.complete && i.naturalWidth > 0; })()"


def landscape(width=1500, height=1000) -> bytes:
    """A 3:2 photo: sky, a sea, and a sun on the right that a good crop keeps."""
    image = Image.new("RGB", (width, height), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 3 // 5, width, height], fill=(20, 70, 110))
    draw.ellipse([width * 0.75, height * 0.2, width * 0.9, height * 0.2 + width * 0.15],
                 fill=(255, 220, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


@pytest.fixture
def on_tv(tv, upload_now, make_artwork, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    artwork = make_artwork(landscape(), filename="harbour.jpg", title="Harbour")
    return upload_now(artwork)


def box_values(page) -> dict:
    return {key: int(page.locator(f"input[name={key}]").input_value()) for key in "xywh"}


def centre_of(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page, start, end) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    page.mouse.up()


def test_a_crop_fixed_with_mouse_and_keyboard_is_saved_and_shown(
        live_server, curator, on_tv, fake_tv, page):
    artwork = Artwork.objects.get(pk=on_tv.artwork_id)
    page.set_viewport_size(WIDE)
    log_in(page, live_server.url, curator,
           next_path=f"/admin/artwork/artwork/{artwork.pk}/change/")
    page.get_by_role("link", name="Fix the crop").click()
    page.wait_for_function(PICTURE_SHOWN)
    assert_accessible(page, "the crop editor")
    # Docent's suggestion first: the largest 16:9 box of the 1500x1000 original.
    suggested = box_values(page)
    assert (suggested["x"], suggested["w"], suggested["h"]) == (0, 1500, 844)

    # The mouse: the bottom-right corner in, then the box to the right and down.
    handle = page.locator(".crop-handle[data-corner=se]")
    page.locator(".crop-stage").scroll_into_view_if_needed()
    start = centre_of(handle)
    drag(page, start, (start[0] - 300, start[1]))
    resized = box_values(page)
    assert resized["x"] == 0 and resized["w"] < 1200
    assert abs(resized["w"] / resized["h"] - 16 / 9) < 0.01
    frame = page.locator(".crop-box")
    start = centre_of(frame)
    drag(page, start, (start[0] + 150, start[1] + 20))
    moved = box_values(page)
    assert moved["x"] > 200 and moved["w"] == resized["w"]

    # The keyboard: arrows move, shift+arrows resize, a corner's arrows resize from it.
    frame.focus()
    page.keyboard.press("ArrowLeft")
    assert box_values(page)["x"] == moved["x"] - 15  # a step: 1% of the width
    page.keyboard.press("Shift+ArrowLeft")
    smaller = box_values(page)
    assert smaller["w"] == moved["w"] - 15
    page.locator(".crop-handle[data-corner=nw]").focus()
    page.keyboard.press("ArrowUp")
    grown = box_values(page)
    assert grown["w"] == smaller["w"] + 15
    assert grown["x"] + grown["w"] == smaller["x"] + smaller["w"]  # the far corner stays
    expect(page.locator("#crop-readout")).to_contain_text(f"Box {grown['w']} ×")
    assert_accessible(page, "the crop editor after a change")

    old_thumbnail = page.locator(".crop-thumbnail").get_attribute("src")
    page.get_by_role("button", name="Save").click()
    # The page answers at once, the TV's lane still to run: the new thumbnail is shown,
    # and the TV's line says it is being replaced.
    expect(page.locator(".messagelist")).to_contain_text(f"replacing it on {on_tv.tv.name}…")
    expect(page.locator("#crop-tvs")).to_contain_text("Replacing it with the new picture")
    page.wait_for_function(THUMBNAIL_SHOWN)
    assert page.locator(".crop-thumbnail").get_attribute("src") != old_thumbnail
    artwork.refresh_from_db()
    assert artwork.crop_box == {**grown, "source": "manual"}
    assert box_values(page) == grown  # the editor opens on the box just saved
    assert list(fake_tv.photos) == [on_tv.content_id]

    lane.tv_lane_run(tv_id=on_tv.tv_id)  # as the worker does

    placement = Placement.objects.get(pk=on_tv.pk)
    assert list(fake_tv.photos) == [placement.content_id] != [on_tv.content_id]
    # The page follows the lane without a reload, and leaves the box as it was.
    expect(page.locator("#crop-tvs")).to_contain_text(f"Shows it as {placement.content_id}",
                                                      timeout=10_000)
    assert box_values(page) == grown
    assert_accessible(page, "the crop editor after Save")
    page.screenshot(path=ARTIFACTS / "crop-editor.png")
    page.screenshot(path=DOCS_IMAGES / "crop-editor.png", full_page=True)


def test_the_editor_fits_a_phone_and_follows_a_finger(live_server, curator, on_tv, page):
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, curator,
           next_path=f"/admin/artwork/artwork/{on_tv.artwork_id}/crop/")
    page.wait_for_function(PICTURE_SHOWN)
    stage = page.locator(".crop-stage").bounding_box()
    assert stage["x"] >= 0 and stage["x"] + stage["width"] <= PHONE["width"]
    assert_accessible(page, "the crop editor on a phone")

    # A finger: the bottom-left corner pulled in, then the box dragged, as touch events.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})

    def touch_drag(start, end):
        points = [start, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2), end]
        cdp.send("Input.dispatchTouchEvent", {
            "type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
        for x, y in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {
                "type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    before = box_values(page)
    start = centre_of(page.locator(".crop-handle[data-corner=sw]"))
    touch_drag(start, (start[0] + 120, start[1]))
    smaller = box_values(page)
    assert smaller["w"] < before["w"] * 0.8
    assert smaller["x"] > 0 and smaller["x"] + smaller["w"] == before["x"] + before["w"]
    start = centre_of(page.locator(".crop-box"))
    touch_drag(start, (start[0] - 60, start[1]))
    assert box_values(page)["x"] < smaller["x"]
    page.screenshot(path=ARTIFACTS / "crop-editor-390.png", full_page=True)
