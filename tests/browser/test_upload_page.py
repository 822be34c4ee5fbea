"""The upload page in a real Chromium: drop pictures, see them previewed and sent one by
one; a non-picture is refused at once, a picture already in the library asks first."""

import io
import shutil

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from docentsite.artwork.models import Artwork
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

UPLOAD = "/admin/artwork/artwork/upload/"
DOCS_IMAGES = settings.BASE_DIR / "docs" / "images"

# Builds File objects in the page and drops them on the drop zone, as a drag from the
# desktop does: Playwright cannot drag files from outside the browser.
DROP = """([selector, files]) => {
  const data = new DataTransfer();
  for (const [name, type, bytes] of files) {
    data.items.add(new File([new Uint8Array(bytes)], name, {type}));
  }
  const zone = document.querySelector(selector);
  for (const kind of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: data, bubbles: true,
                                            cancelable: true}));
  }
}"""


def picture(colour, size=(960, 540)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_drop_previews_sends_refuses_and_asks_before_a_duplicate(
        live_server, curator, page, queued, tmp_path):
    pipelines = queued("pipeline")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server.url, curator, next_path=UPLOAD)
    expect(page.locator(".upload-drop")).to_be_visible()
    expect(page.locator(".field-files")).to_be_hidden()  # the plain form's box
    assert_accessible(page, "the upload page")

    sea, dunes = picture((30, 90, 160)), picture((200, 160, 90))
    page.evaluate(DROP, [".upload-drop", [
        ["sea.png", "image/png", list(sea)],
        ["notes.txt", "text/plain", list(b"shopping list")],
        ["dunes.png", "image/png", list(dunes)],
        ["renamed.jpg", "image/jpeg", list(b"this is a letter, not a JPEG")],
    ]])
    items = page.locator(".upload-item")
    expect(items).to_have_count(4)
    notes = items.filter(has_text="notes.txt")
    # Refused by the browser, before anything is sent.
    expect(notes).to_have_attribute("data-state", "refused")
    expect(notes).to_contain_text("Not a picture (text/plain). Docent reads JPEG, PNG")
    # A file that says it is a JPEG is refused by the server on arrival, with the reason.
    renamed = items.filter(has_text="renamed.jpg")
    expect(renamed).to_have_attribute("data-state", "refused")
    expect(renamed).to_contain_text("This file is not a picture Docent can read")
    for name in ["sea.png", "dunes.png"]:
        item = items.filter(has_text=name)
        expect(item).to_have_attribute("data-state", "done")
        expect(item).to_contain_text("Queued for the TV.")
        expect(item.locator("progress")).to_have_js_property("value", 100)
        # The preview is the browser's own copy of the file.
        page.wait_for_function(
            "name => [...document.querySelectorAll('.upload-item')].find(li => "
            "li.textContent.includes(name)).querySelector('img').naturalWidth > 0", arg=name)
    expect(page.get_by_role("link", name="See them in the gallery")).to_be_visible()
    assert sorted(Artwork.objects.values_list("original_filename", flat=True)) == [
        "dunes.png", "sea.png"]
    assert len(pipelines.ids) == 2

    # Chosen again through the file picker: already in the library, so it asks.
    again = tmp_path / "sea-again.png"
    again.write_bytes(sea)
    page.set_input_files("#id_files", str(again))
    duplicate = items.filter(has_text="sea-again.png")
    expect(duplicate).to_have_attribute("data-state", "duplicate")
    expect(duplicate).to_contain_text("Already in the library as “sea”. Upload it again?")
    expect(duplicate.get_by_role("button", name="Skip")).to_be_focused()
    assert Artwork.objects.count() == 2
    assert_accessible(page, "the upload page with a question")
    page.screenshot(path=ARTIFACTS / "upload-page.png", full_page=True)
    DOCS_IMAGES.mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / "upload-page.png", DOCS_IMAGES / "upload-page.png")

    duplicate.get_by_role("button", name="Upload anyway").click()
    expect(duplicate).to_have_attribute("data-state", "done")
    assert Artwork.objects.count() == 3

    page.set_input_files("#id_files", str(again))
    skipped = items.nth(5)
    expect(skipped).to_have_attribute("data-state", "duplicate")
    skipped.get_by_role("button", name="Skip").click()
    expect(skipped).to_contain_text("Skipped: not uploaded.")
    assert Artwork.objects.count() == 3

    page.set_viewport_size({"width": 390, "height": 844})
    for item in [items.first, items.nth(4)]:
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_accessible(page, "the upload page on a phone")
    page.screenshot(path=ARTIFACTS / "upload-page-narrow.png", full_page=True)

    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "the upload page in dark mode")
    page.screenshot(path=ARTIFACTS / "upload-page-dark.png", full_page=True)


def test_without_its_script_the_page_is_the_plain_form(live_server, curator, page):
    page.route("**/upload.js", lambda route: route.abort())
    log_in(page, live_server.url, curator, next_path=UPLOAD)
    expect(page.locator(".upload-drop")).to_be_hidden()
    expect(page.locator("#id_files")).to_be_visible()
    expect(page.locator("#id_allow_duplicates")).to_be_visible()
    expect(page.get_by_role("button", name="Upload")).to_be_visible()
