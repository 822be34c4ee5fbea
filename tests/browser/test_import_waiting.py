"""The Import from Plex page's progress panel says why an import waits, and until when."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.workers import celery_worker, empty_embedded_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def test_the_progress_panel_says_the_tv_is_off_and_when_the_next_try_is(
        live_server, curator, worker_env, plex_settings, fake_plex, fake_tv, page, tmp_path):
    empty_embedded_queue()
    env = {**worker_env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "TASK_RETRY_DELAY": "3"}
    fake_tv.stop()

    with celery_worker(env, log_dir=tmp_path):
        log_in(page, live_server.url, curator, next_path="/admin/plex/browse/")
        page.get_by_role("button", name="Open album Family").click()
        page.get_by_role("button", name="Garden").click()
        page.click("#browse-import")
        garden = page.locator("#browse-progress-list li", has_text="Garden")
        expect(garden.locator(".browse-state")).to_contain_text("uploading, waiting: ",
                                                              timeout=60_000)
        expect(garden.locator(".browse-state")).to_contain_text("Next try at")
        fake_tv.start()
        expect(garden.locator(".browse-state.done")).to_contain_text("on the TV as",
                                                                   timeout=90_000)
        expect(garden.locator(".browse-state")).not_to_contain_text("waiting")
