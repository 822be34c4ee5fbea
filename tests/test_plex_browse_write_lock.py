"""A browse page never waits for SQLite's write lock: a worker in the middle of a
write transaction does not hold up a person browsing Plex."""

import sqlite3

import pytest
from django.db import connection

from plexsource import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the write lock is SQLite's")]

TOKEN = "write-lock-test-token-" + "x" * 20


@pytest.fixture
def worker_writing():
    """Another connection to the database holding the write lock, as a worker does
    while it saves a picture; this test's own connection gives up waiting for the
    lock after a quarter of a second (not the 30 s of the settings)."""
    worker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    worker.execute("BEGIN IMMEDIATE")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 250")
    yield worker
    worker.execute("ROLLBACK")
    worker.close()


def test_browsing_while_a_worker_holds_the_write_lock(
        client, settings, plex_settings, fake_plex, worker_writing):
    settings.DOCENT_API_TOKEN = TOKEN
    worker_writing.execute("ROLLBACK")  # the libraries are written first, as the status check does
    photos = next(row for row in services.plex_libraries_refresh() if row.title == "Photos")
    worker_writing.execute("BEGIN IMMEDIATE")
    mexico = fake_plex.find("Mexico").rating_key
    headers = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}

    for query in ("", f"?album={mexico}", "?hide_imported=true"):
        response = client.get(f"/api/plex/libraries/{photos.pk}{query}", **headers)
        assert response.status_code == 200, response.content
    assert client.get("/api/plex/libraries", **headers).status_code == 200
