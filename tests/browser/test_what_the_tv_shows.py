"""The status page's TV card in a real Chromium, on a phone-sized screen: what the TV
shows now, how full it is, pictures not from Docent, and the TV's slideshow set from
the card."""

import pytest
from playwright.sync_api import expect

from docentsite.artwork import placements
from docentsite.artwork.models import TV
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def test_the_tv_card_shows_the_picture_and_sets_the_slideshow(
        live_server, curator, tv, fake_tv, upload_now, make_artwork, jpeg, settings,
        tmp_path, page):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    placement = upload_now(make_artwork(jpeg, filename="wave.jpg"))
    placements.artwork_show_now(artwork_id=placement.artwork_id)
    fake_tv.add_photo(jpeg)  # put there by another app
    TV.objects.filter(pk=tv.pk).update(capacity=60)
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, live_server.url, curator, next_path="/admin/docent/")
    page.get_by_role("button", name="Check now").click()  # no worker here checks on its own
    tv_card = page.locator('[data-check="Frame TV"]')
    expect(tv_card).to_contain_text(f"Shows now: “wave” ({placement.content_id})")
    expect(tv_card.locator(".docent-tv-showing img")).to_have_js_property("complete", True)
    expect(tv_card).to_contain_text("1 picture on the TV is not from Docent")
    expect(tv_card).to_contain_text("The TV's slideshow: off.")
    expect(tv_card).to_contain_text("Holds 2 of 60 pictures.")
    page.screenshot(path=ARTIFACTS / "docent-home-tv-card.png", full_page=True)
    assert_accessible(page, "the status page's TV card")

    tv_card.get_by_label("Slideshow").select_option("in order")
    tv_card.get_by_label("every").select_option(label="12 hours")
    # A combobox: the card's Delete buttons for pictures not from Docent say "from" too.
    tv_card.get_by_role("combobox", name="from").select_option(label="Favourites")
    tv_card.get_by_role("button", name="Set slideshow").click()

    expect(page.locator(".messagelist")).to_contain_text("The TV's slideshow is set.")
    expect(tv_card).to_contain_text("The TV's slideshow: in order, every 12 hours, "
                                    "from Favourites.")
    assert fake_tv.slideshow == {"value": "720", "category_id": "MY-C0004", "type": "slideshow"}
    assert_accessible(page, "the status page after setting the slideshow")


def test_a_picture_not_from_docent_is_deleted_after_the_confirm(
        live_server, curator, tv, fake_tv, jpeg, settings, tmp_path, page):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    kept, theirs = fake_tv.add_photo(jpeg), fake_tv.add_photo(jpeg)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, curator, next_path="/admin/docent/")
    page.get_by_role("button", name="Check now").click()
    tv_card = page.locator('[data-check="Frame TV"]')
    tv_card.get_by_text("2 pictures on the TV are not from Docent").click()
    tv_card.screenshot(path=ARTIFACTS / "docent-home-tv-foreign.png")
    assert_accessible(page, "the TV card's pictures not from Docent")

    page.once("dialog", lambda dialog: dialog.dismiss())
    tv_card.get_by_role("button", name=f"Delete {theirs} from Frame").click()
    assert set(fake_tv.photos) == {kept, theirs}  # said no: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    tv_card.get_by_role("button", name=f"Delete {theirs} from Frame").click()

    expect(page.locator(".messagelist")).to_contain_text(
        f"Deleted 1 picture(s) not from Docent from the TV: {theirs}.")
    expect(tv_card).to_contain_text("1 picture on the TV is not from Docent")
    assert set(fake_tv.photos) == {kept}
