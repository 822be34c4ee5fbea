"""The status page and /api/plex/status answer from what the checks last found: a
worker runs them on a timer (`run_the_checks`, the task itself, here), "Check now"
runs them while the person waits, and a GET neither asks anything nor writes."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from docentsite.artwork import tvs
from docentsite.artwork.models import TV
from docentsite.sources import registry
from docentsite.status.models import CheckResult
from docentsite.status.services import REFRESH_ASKED
from docentsite.status.tasks import refresh as run_the_checks
from plexsource.admin_urls import PLEX_BROWSE
from plexsource.models import PlexLibrary
from tests import tvs_fixtures
from tests.users import staff_with
from tests.workers import celery_worker, empty_embedded_queue, wait_for

den_tv, two_tvs = tvs_fixtures.den_tv, tvs_fixtures.two_tvs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

HOME, CHECK_NOW, PLEX_STATUS = "/admin/docent/", "/admin/docent/check-now/", "/api/plex/status"
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "SAVEPOINT")


def card(page: str, name: str) -> str:
    return page.split(f'data-check="{name}"')[1].split("</li>")[0]


def queue_files() -> dict:
    """Every file of the embedded queue and when it changed: a worker ping writes its
    reply exchange there, a request for a worker's run its message."""
    folder = Path(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*")}


def writes(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]


@pytest.fixture
def paired(fake_tv, frame_tv, settings):
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    tvs.tv_from_env()
    return fake_tv


@pytest.fixture
def curator_api(client, plex_settings):
    client.force_login(staff_with(*PLEX_BROWSE))
    return client


def test_the_page_shows_each_check_as_a_worker_found_it_and_its_age(
        admin_client, paired, fake_plex, plex_settings):
    run_the_checks()
    CheckResult.objects.update(checked_at=timezone.now() - timedelta(seconds=42))

    page = admin_client.get(HOME).content.decode()

    assert "✓ OK" in card(page, "Task queue") and "a worker is running" in page
    assert "Art API" in card(page, "Frame TV") and fake_plex.name in card(page, "Plex")
    for name in ("Database", "Task queue", "Frame TV", "Plex"):
        assert "Checked 42 s ago; next check in 18 s." in card(page, name)
    assert "Checked" not in card(page, "Vision model")  # the settings alone tell: as of now
    assert 'action="/admin/docent/check-now/"' in page and "Check now" in page


def test_the_page_reads_only_and_sends_nothing(admin_client, paired, fake_plex, plex_settings):
    run_the_checks()
    tv_seen = TV.objects.get().last_seen_at
    asked_tv, asked_plex, queue = len(paired.connections), len(fake_plex.requests), queue_files()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(HOME)

    assert response.status_code == 200
    assert writes(queries) == []
    # No worker ping (it writes its reply exchange in the queue), no TV, no Plex.
    assert queue_files() == queue
    assert len(paired.connections) == asked_tv and len(fake_plex.requests) == asked_plex
    assert TV.objects.get().last_seen_at == tv_seen


def test_the_page_costs_the_same_queries_with_one_tv_or_two(admin_client, two_tvs):
    living, den = two_tvs
    den.delete()
    run_the_checks()
    with CaptureQueriesContext(connection) as one:
        admin_client.get(HOME)
    tvs.tv_create(name="Den", host="192.0.2.7")
    run_the_checks()

    with CaptureQueriesContext(connection) as two:
        page = admin_client.get(HOME).content.decode()

    assert 'data-check="Den (Frame TV)"' in page
    # The session and the user; the TVs and the results; two counts of pictures; and
    # each source's imports in progress and failed, counted in one query.
    expected = 6 + len(registry.sources())
    assert len(two) == len(one) == expected, [query["sql"] for query in two]


def test_without_a_worker_the_page_answers_from_what_was_found_and_check_now_asks_again(
        admin_client, fake_plex, plex_settings, settings):
    settings.TV_HOST = ""
    empty_embedded_queue()
    run_the_checks()
    fake_plex.stop()

    page = admin_client.get(HOME).content.decode()

    assert "✓ OK" in card(page, "Plex") and fake_plex.name in card(page, "Plex")
    page = admin_client.post(CHECK_NOW, follow=True).content.decode()
    assert "Checked everything just now: 3 need(s) attention." in page
    assert "! Not working (optional)" in card(page, "Plex")
    assert re.search(r"Checked [0-2] s ago; next check in [0-9]+ s\.", card(page, "Plex"))
    # Checked from the web: no worker answered the ping.
    assert "✗ Problem" in card(page, "Task queue") and "no worker answered" in page
    assert CheckResult.objects.get(key="Plex").level == "warning"


def test_a_worker_that_stopped_running_the_checks_is_a_problem(admin_client, settings):
    settings.TV_HOST = settings.PLEX_URL = ""
    run_the_checks()
    CheckResult.objects.update(checked_at=timezone.now() - timedelta(minutes=10))

    queue = card(admin_client.get(HOME).content.decode(), "Task queue")

    assert "✗ Problem" in queue and "Checked 10 min ago; next check due now." in queue
    assert "no worker has run the checks for 10 min" in queue
    assert "Start a worker" in queue


def test_the_background_run_keeps_what_each_check_found(paired, fake_plex, plex_settings):
    run_the_checks()
    first = {row.key: row for row in CheckResult.objects.all()}
    tv = TV.objects.get()

    assert list(first) == ["Database", "Task queue", f"tv-{tv.pk}", "Vision model",
                           *(source.label for source in registry.sources())]
    assert first[f"tv-{tv.pk}"].level == "ok" and first[f"tv-{tv.pk}"].tv == tv
    assert first["Plex"].facts["library_count"] == 1
    assert tv.last_seen_at is not None and tv.model_name  # what the TV said, kept

    paired.stop()
    run_the_checks()

    again = CheckResult.objects.get(key=f"tv-{tv.pk}")
    assert again.level == "problem" and again.checked_at > first[again.key].checked_at


def test_a_check_never_run_says_checking_and_a_worker_runs_it(admin_client, settings,
                                                                tmp_path):
    settings.TV_HOST = settings.PLEX_URL = ""
    empty_embedded_queue()
    cache.delete(REFRESH_ASKED)  # this test's GET asks for real

    page = admin_client.get(HOME).content.decode()

    assert "… Checking" in card(page, "Task queue") and "… Checking" in card(page, "Database")
    assert "What to check" not in card(page, "Task queue")
    with celery_worker({}, log_dir=tmp_path):
        wait_for(lambda: CheckResult.objects.filter(key="Task queue").exists(),
                 what="the worker to run the checks the page asked for")
    page = admin_client.get(HOME).content.decode()
    assert "✓ OK" in card(page, "Task queue") and "a worker is running" in page
    assert "✓ OK" in card(page, "Database")


def test_plex_status_reads_only(curator_api, fake_plex):
    run_the_checks()
    asked = len(fake_plex.requests)

    with CaptureQueriesContext(connection) as queries:
        body = curator_api.get(PLEX_STATUS).json()

    assert body["connected"] is True and body["library_count"] == 1
    # The session, the user, their permissions (two), then the one read of its own.
    assert writes(queries) == [] and len(queries) == 5, [query["sql"] for query in queries]
    assert len(fake_plex.requests) == asked


def test_plex_status_before_the_first_check_asks_plex_and_a_worker_and_writes_nothing(
        curator_api, fake_plex):
    empty_embedded_queue()
    cache.delete(REFRESH_ASKED)

    with CaptureQueriesContext(connection) as queries:
        body = curator_api.get(PLEX_STATUS).json()

    assert body["connected"] is True and body["library_count"] == 1 and body["checked_at"]
    assert writes(queries) == [] and not PlexLibrary.objects.exists()
    messages = list(Path(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
                    .glob("*.msg"))
    assert len(messages) == 1 and b"status.refresh" in messages[0].read_bytes()
    curator_api.get(PLEX_STATUS)
    assert len(list(messages[0].parent.glob("*.msg"))) == 1  # asked once, not per request


def test_plex_status_asks_again_when_plex_was_down(curator_api, fake_plex):
    fake_plex.token_revoked = True
    run_the_checks()
    fake_plex.token_revoked = False  # the token is back in place

    body = curator_api.get(PLEX_STATUS).json()

    assert body["connected"] is True and body["error"] is None
    assert CheckResult.objects.get(key="Plex").level == "warning"  # the worker's, not a GET's
