"""Pairing with the TV from the status page, in a real Chromium, against the fake TV."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.django_db(transaction=True)]


def test_pair_with_tv_while_the_owner_presses_allow(live_server, curator, fake_tv, settings,
                                                   tmp_path, page):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = tmp_path / "tv-token"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    fake_tv.pairing, fake_tv.prompt_timeout = "pending", 20  # the prompt waits for the owner

    log_in(page, live_server.url, curator, next_path="/admin/docent/")
    page.get_by_role("button", name="Check now").click()  # no worker here checks on its own
    expect(page.locator(".messagelist")).to_contain_text("Checked everything just now")
    tv_card = page.locator('[data-check="Frame TV"]')
    expect(tv_card).to_contain_text("press Allow on the TV now")
    page.screenshot(path=ARTIFACTS / "docent-home-pairing.png", full_page=True)
    assert_accessible(page, "the status page offering to pair")

    tv_card.get_by_role("button", name="Pair with TV").click()
    waiting = tv_card.locator(".docent-pair-wait")
    expect(waiting).to_have_text("Waiting for the TV… press Allow on the TV now.")
    expect(tv_card.get_by_role("button", name="Pair with TV")).to_be_disabled()
    page.screenshot(path=ARTIFACTS / "docent-home-pairing-wait.png", full_page=True)
    fake_tv.pairing = "allow"  # the owner presses Allow

    expect(page.locator(".messagelist")).to_contain_text("Paired: the TV allowed Docent")
    expect(tv_card).to_have_class("docent-card ok")
    expect(tv_card).to_contain_text("Art API")
    token = settings.TV_TOKEN_FILE.read_text()
    assert fake_tv.tokens == [token] and token not in page.content()
