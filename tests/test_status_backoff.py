"""The background checks leave a TV that is off alone for longer and longer (60 s,
doubling, at most TV_OFF_CHECK_MAX), ask it at once on "Check now", are back to
every minute once it answers or a lane waits for it, and never ask a TV whose lane
holds its lock. The timer is driven with a simulated clock (status_tick's `now`); the
TV is the fake Frame, switched off with its port counting the connections it drops."""

import re
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from docentsite.artwork import lane, tvlock, tvs
from docentsite.artwork.models import Placement
from docentsite.status import services as status
from docentsite.status.models import CheckResult

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

HOME, CHECK_NOW = "/admin/docent/", "/admin/docent/check-now/"
TICK = 60


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    settings.STATUS_CHECK_INTERVAL, settings.TV_OFF_CHECK_MAX = TICK, 600
    return tv


@pytest.fixture
def start():
    return timezone.now()


def ticks(start, first: int, last: int) -> list:
    """The timer's turns from minute `first` to minute `last` (not included)."""
    return [start + timedelta(seconds=TICK * minute) for minute in range(first, last)]


def run(moments) -> None:
    for moment in moments:
        status.status_tick(in_worker=True, now=moment)


def row(tv) -> CheckResult:
    return CheckResult.objects.get(tv=tv)


def test_a_tv_that_is_off_is_asked_less_and_less_often(tv, fake_tv, start):
    fake_tv.stop(knocks=True)

    run(ticks(start, 0, 10))
    first_ten = fake_tv.knocks
    run(ticks(start, 10, 60))

    # Minutes 0, 1, 3, 7: then every 10 minutes (15, 25, 35, 45, 55), not 60 times.
    assert first_ten == 4
    assert fake_tv.knocks == 9
    assert row(tv).level == "problem" and row(tv).misses == 9


def test_check_now_asks_at_once_and_the_timer_is_back_to_every_minute(
        admin_client, tv, fake_tv, start):
    fake_tv.stop(knocks=True)
    run(ticks(start, 0, 30))
    knocks = fake_tv.knocks

    admin_client.post(CHECK_NOW)

    assert fake_tv.knocks == knocks + 1
    assert row(tv).misses == 1
    now = row(tv).checked_at
    run([now + timedelta(seconds=TICK)])
    assert fake_tv.knocks == knocks + 2


def test_a_tv_that_answers_again_is_asked_every_minute(tv, fake_tv, start):
    fake_tv.stop(knocks=True)
    run(ticks(start, 0, 30))
    fake_tv.start()

    run(ticks(start, 30, 40))  # asked at minute 35 (10 minutes after 25): it answers
    connections = fake_tv.connection_count
    run(ticks(start, 40, 45))

    assert row(tv).level == "ok" and row(tv).misses == 0
    assert fake_tv.connection_count >= connections + 5  # each turn, one or more connections


def test_a_tv_seen_by_a_lane_is_asked_at_the_next_turn(tv, fake_tv, start):
    fake_tv.stop(knocks=True)
    run(ticks(start, 0, 30))  # last asked at minute 25; next at 35
    knocks = fake_tv.knocks
    # A lane's upload reached it (in the real world: the TV was switched on since).
    tvs.tv_saw(tv=tv, photo_count=0)
    CheckResult.objects.filter(tv=tv).update(checked_at=timezone.now() - timedelta(seconds=1))

    run([timezone.now() + timedelta(seconds=TICK)])

    assert fake_tv.knocks == knocks + 1


def test_a_tv_a_lane_waits_for_is_asked_every_minute(tv, fake_tv, start, make_artwork, jpeg):
    Placement.objects.create(artwork=make_artwork(jpeg), tv=tv)  # queued, waits for the TV
    fake_tv.stop(knocks=True)

    run(ticks(start, 0, 20))

    assert fake_tv.knocks == 20


@contextmanager
def lane_transferring(tv):
    """The TV's lock held as a lane holds it: by another thread, on its own database
    connection (a PostgreSQL session may take its own advisory lock again)."""
    held, done = threading.Event(), threading.Event()

    def lane():
        try:
            with tvlock.holding(tv, wait=1):
                held.set()
                done.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=lane)
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_a_tv_whose_lane_transfers_is_not_asked(tv, fake_tv, start):
    run(ticks(start, 0, 1))
    before, connections = row(tv).checked_at, fake_tv.connection_count

    with lane_transferring(tv):
        run(ticks(start, 1, 4))

    assert fake_tv.connection_count == connections
    assert row(tv).checked_at == before and row(tv).level == "ok"  # its last result stands
    run(ticks(start, 4, 5))
    assert fake_tv.connection_count > connections


def test_the_status_page_says_when_each_check_runs_next(admin_client, tv, fake_tv):
    fake_tv.stop(knocks=True)
    now = timezone.now()
    run([now - timedelta(minutes=m) for m in (15, 14, 12, 8)])  # missed 4 times: 8 min next

    card = admin_client.get(HOME).content.decode().split(f'data-tv="{tv.pk}"', 1)[1]

    assert row(tv).misses == 4
    assert "Checked 8 min ago; next check due now." in card.split("</li>", 1)[0]
    run([now])  # missed 5 times: 10 min next
    card = admin_client.get(HOME).content.decode().split(f'data-tv="{tv.pk}"', 1)[1]
    assert re.search(r"Checked [0-2] s ago; next check in (9|10) min\.",
                     card.split("</li>", 1)[0])


@pytest.fixture
def lanes_started(monkeypatch) -> list:
    """The TVs whose lane was started (the worker would run it)."""
    started = []
    monkeypatch.setattr("docentsite.artwork.tasks.tv_lane.delay", started.append)
    return started


def test_a_tv_that_answers_again_gets_its_waiting_pictures_at_once(
        tv, fake_tv, make_artwork, jpeg, lanes_started):
    placement = Placement.objects.create(artwork=make_artwork(jpeg), tv=tv)
    fake_tv.stop()
    lane.tv_lane_run(tv_id=tv.pk)  # the lane finds it off and waits, backing off
    placement.refresh_from_db()
    assert placement.waiting_reason and placement.next_attempt_at > timezone.now()
    fake_tv.start()

    status.status_refresh(in_worker=True)

    placement.refresh_from_db()
    assert placement.next_attempt_at is None
    assert lanes_started == [tv.pk], "the TV's lane is started, not left to its backoff"
    assert lane.tv_lane_run(tv_id=tv.pk).uploaded


def test_a_lane_that_met_the_checks_instant_hold_is_started_again(
        tv, fake_tv, start, make_artwork, jpeg, lanes_started):
    Placement.objects.create(artwork=make_artwork(jpeg), tv=tv)  # ready: its lane was bounced

    run(ticks(start, 0, 1))

    assert lanes_started == [tv.pk]
