"""axe-core, run in Chromium over Docent's admin pages in the states a person sees."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexPhoto
from tests.browser.conftest import THUMBNAIL_SHOWN, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def test_the_plex_pages_have_no_accessibility_violations(live_server, curator, plex_settings,
                                                         fake_plex, fake_tv, settings, page):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    base = live_server.url
    log_in(page, base, curator, next_path="/admin/plex/browse/")
    page.wait_for_function(THUMBNAIL_SHOWN)
    assert_accessible(page, "Import from Plex, a library's top")

    page.get_by_role("button", name="Open album Family").click()
    page.get_by_role("button", name="Garden").click()
    expect(page.locator("#browse-count")).to_have_text("1 selected")
    assert_accessible(page, "Import from Plex, an album with a selection")

    # Browsing remembers nothing; import_plex remembers the photos it lists.
    library = services.plex_library_get(library="Photos")
    services.plex_photos_remember(library=library, photos=[
        photo for photo in services.plex_photo_list(library=library) if photo.title == "Garden"])
    garden = PlexPhoto.objects.get(title="Garden")
    ImportRecord.objects.create(plex_metadata_id=garden.rating_key, photo=garden,
                                status=ImportStatus.FAILED, last_error="The TV is off.",
                                requested_at=timezone.now(), finished_at=timezone.now())
    page.goto(f"{base}/admin/plexsource/plexphoto/")
    assert_accessible(page, "Plex photos")
    page.goto(f"{base}/admin/plexsource/importrecord/")
    expect(page.locator("#result_list")).to_contain_text("The TV is off.")
    assert_accessible(page, "Import records")
    page.goto(f"{base}/admin/docent/")
    assert_accessible(page, "Docent status")
    page.goto(f"{base}/admin/")
    assert_accessible(page, "the admin's home")
