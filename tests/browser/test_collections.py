"""Collections and favourites in a real Chromium: a collection made from the gallery,
the star, the filters; Import from Plex into a collection."""

import pytest
from playwright.sync_api import expect

from docentsite.artwork.models import Artwork, Collection, Status
from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]

GALLERY = "/admin/artwork/artwork/"


def card(page, title):
    return page.locator("tr.artwork-card", has=page.locator(".artwork-title", has_text=title))


def test_a_collection_made_from_the_gallery_a_star_and_the_filters(live_server, curator, page):
    for title in ("Harbour", "Garden", "Wave"):
        Artwork.objects.create(title=title, status=Status.PREPARED)
    log_in(page, live_server.url, curator, next_path=GALLERY)

    page.get_by_role("checkbox", name="Select Harbour").check()
    page.get_by_role("checkbox", name="Select Wave").check()
    page.select_option("select[name=action]", "add_to_collection")
    page.click("button[name=index]")
    page.get_by_label("Or a new collection called").fill("Seaside")
    assert_accessible(page, "the collection question")
    page.click("input[name=apply]")
    expect(page.locator(".messagelist")).to_contain_text("2 picture(s) added to “Seaside”.")

    card(page, "Garden").get_by_role("button", name="Favourite: Garden").click()
    expect(card(page, "Garden").get_by_role("button", name="Favourite: Garden")).to_have_attribute(
        "aria-pressed", "true")
    assert Artwork.objects.get(title="Garden").favourite

    page.locator("#changelist-filter").get_by_role("link", name="Seaside").click()
    expect(page.locator("tr.artwork-card")).to_have_count(2)
    expect(card(page, "Garden")).to_have_count(0)
    assert_accessible(page, "the gallery filtered by a collection")
    page.screenshot(path=ARTIFACTS / "gallery-collection.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "gallery-collection-phone.png", full_page=True)
    assert set(Collection.objects.get().artworks.values_list("title", flat=True)) == {
        "Harbour", "Wave"}


def test_import_an_album_from_plex_into_a_collection(live_server, curator, worker, fake_plex,
                                                     fake_tv, page):
    log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
    for album in ("Travel", "2019", "Mexico"):
        page.get_by_role("button", name=f"Open album {album}").click()
        expect(page.locator("#browse-crumbs [aria-current=page]")).to_have_text(album)
    expect(page.locator(".browse-tile.photo")).to_have_count(3)

    page.click("#browse-select-all")
    page.get_by_label("Put in collection").fill("Mexico 2019")
    assert_accessible(page, "the collection picker")
    page.screenshot(path=ARTIFACTS / "plex-browse-collection.png", full_page=True)
    page.click("#browse-import")

    expect(page.locator("#browse-notice")).to_contain_text(
        "3 photo(s) put in the collection “Mexico 2019”.")
    assert Collection.objects.get(name="Mexico 2019").artworks.count() == 3
    expect(page.locator("#browse-progress-list .browse-state.done")).to_have_count(
        3, timeout=120_000)

    # The album again, into another collection: "Select all" takes the imported photos
    # too, and skipping a second copy still puts them in it.
    page.reload()
    expect(page.locator(".browse-tile.photo.imported")).to_have_count(3)
    page.get_by_label("Put in collection").fill("Best of")
    page.click("#browse-select-all")
    expect(page.locator("#browse-count")).to_have_text("3 selected")
    page.click("#browse-import")
    dialog = page.locator("#browse-confirm")
    expect(dialog).to_contain_text("Either way all join the collection “Best of”.")
    dialog.get_by_role("button", name="Skip those on the TV").click()
    expect(page.locator("#browse-notice")).to_contain_text(
        "3 photo(s) put in the collection “Best of”.")
    assert Collection.objects.get(name="Best of").artworks.count() == 3
    assert len(fake_tv.photos) == 3
