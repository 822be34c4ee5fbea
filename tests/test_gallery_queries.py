"""What the gallery costs the database: a few reads a page, however many cards and
however deep the page, and never a write (a worker holding the write lock does not
hold up the gallery)."""

import sqlite3
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, Status

pytestmark = pytest.mark.timeout(60)

CHANGELIST = "/admin/artwork/artwork/"
CARD = '<tr role="listitem"'


@pytest.fixture
def tvs(db):
    return [TV.objects.create(name="Living room", host="192.0.2.1"),
            TV.objects.create(name="Den", host="192.0.2.2")]


def add_library(count: int, tvs: list[TV]) -> None:
    """`count` pictures as a library has them: most on a TV, some on both, some waiting
    for one or failed there, some on none; half of them described."""
    start = Artwork.objects.count()
    artworks = Artwork.objects.bulk_create(
        Artwork(title=f"Picture {i}", status=Status.PREPARED, source="plex" if i % 2 else "upload",
                thumbnail="thumbnails/picture.jpg", ai_title="Study" if i % 2 else "",
                ai_description="A wave." if i % 2 else "")
        for i in range(start, start + count))
    living, den = tvs
    placements = []
    for i, artwork in enumerate(artworks, start):
        if i % 5 == 0:
            continue  # on no TV
        status = {1: PlacementStatus.QUEUED, 2: PlacementStatus.FAILED,
                  3: PlacementStatus.REMOVED}.get(i % 7, PlacementStatus.ON_TV)
        placements.append(Placement(
            artwork=artwork, tv=living, status=status, matte_id="shadowbox_polar",
            content_id=f"MY_F{i:05d}" if status == PlacementStatus.ON_TV else None,
            waiting_reason="The TV is asleep." if status == PlacementStatus.QUEUED else "",
            last_error={PlacementStatus.FAILED: "Refused.",
                        PlacementStatus.REMOVED: f"Made room for Picture {i + 1} (Living room "
                                                 "holds 60)."}.get(status, "")))
        if i % 3 == 0:
            placements.append(Placement(artwork=artwork, tv=den, status=PlacementStatus.ON_TV,
                                        content_id=f"MY_F{i:05d}"))
    Placement.objects.bulk_create(placements)


def page_queries(client, url: str) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured], response.content.decode()


def test_the_gallery_costs_the_same_few_queries_for_10_cards_100_or_a_deep_page(
        admin_client, tvs):
    add_library(10, tvs)
    ten, page = page_queries(admin_client, CHANGELIST)
    assert page.count(CARD) == 10
    # A picture taken off to make room says so on its card, from the same queries.
    assert "Living room: Made room for Picture 4 (Living room holds 60)." in page

    add_library(240, tvs)
    hundred, page = page_queries(admin_client, CHANGELIST)
    deep, last_page = page_queries(admin_client, f"{CHANGELIST}?p=3")

    assert page.count(CARD) == 100 and last_page.count(CARD) == 50
    assert len(hundred) == len(ten) == len(deep)
    # The session and its user, the filters' TVs and sources, one count, the TVs the
    # cards name, the page's artworks and their placements with their TVs.
    assert len(ten) <= 8, "\n".join(ten)


def test_the_gallery_only_reads(admin_client, tvs):
    add_library(30, tvs)

    queries, _ = page_queries(admin_client, CHANGELIST)

    assert [sql for sql in queries if not sql.lstrip().upper().startswith("SELECT")] == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_holding_the_write_lock_does_not_hold_up_the_gallery(admin_client, tvs):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL readers never wait for writers")
    add_library(30, tvs)
    worker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    worker.execute("BEGIN IMMEDIATE")  # as a worker does, writing a picture's state
    try:
        started = time.monotonic()
        response = admin_client.get(CHANGELIST)
        took = time.monotonic() - started
    finally:
        worker.rollback()
        worker.close()

    assert response.status_code == 200 and response.content.decode().count(CARD) == 30
    assert took < 5  # the database's busy timeout is 30 s: a write would wait for it


def test_the_unfiltered_gallery_counts_once_and_a_filtered_one_offers_them_all(
        admin_client, tvs):
    add_library(3, tvs)

    everything = admin_client.get(CHANGELIST).content.decode()
    found = admin_client.get(CHANGELIST, {"q": "Picture 1"}).content.decode()
    nothing = admin_client.get(CHANGELIST, {"q": "no such picture"}).content.decode()

    assert "Show all" not in everything and 'name="action"' in everything
    assert '1 result (<a href="?">Show all</a>)' in found and found.count(CARD) == 1
    # Nothing to select, so no actions to run on it.
    assert '0 results (<a href="?">Show all</a>)' in nothing and 'name="action"' not in nothing
