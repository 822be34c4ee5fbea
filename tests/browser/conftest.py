"""Real-browser tests: Playwright for Python driving Debian's Chromium.

Playwright's own browser download does not work here; `.ci/run` installs
/usr/bin/chromium with apt-get. Without it these tests are skipped, saying why.
"""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from tests.workers import celery_worker, empty_embedded_queue

CHROMIUM = Path("/usr/bin/chromium")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
THUMBNAIL_SHOWN = ("[...document.querySelectorAll('.browse-tile img')]"
                   ".some(img => img.complete && img.naturalWidth > 0)")
ALL_LOADED = "[...document.querySelectorAll('.browse-tile img')].every(img => img.complete)"


@pytest.fixture
def curator(db):
    get_user_model().objects.create_user("curator", password="frame-pw", is_staff=True,
                                         is_superuser=True)
    return "curator", "frame-pw"


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of
    # pytest-django's own teardown would otherwise be refused as "async".
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium: apt-get install chromium")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def worker(worker_env, plex_settings, fake_plex, tmp_path):
    empty_embedded_queue()
    env = {**worker_env, "PLEX_URL": fake_plex.url, "PLEX_TOKEN": fake_plex.token,
           "PLEX_TIMEOUT": "2"}
    with celery_worker(env, log_dir=tmp_path) as process:
        yield process


def log_in(page, base_url, credentials, *, next_path):
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", credentials[0])
    page.fill("#id_password", credentials[1])
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}*")


def assert_accessible(page, what: str) -> None:
    """No axe-core violations (WCAG A/AA and best practice) on the page as it is now."""
    # The admin fades colours (0.15 s) when the colour scheme changes: measure the
    # colours the page settles on, not a frame in between.
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => null)))""")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"
