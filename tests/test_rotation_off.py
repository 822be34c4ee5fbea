"""The rotation's timer and a TV that is off: tried less and less often (a tick after
the first skip, then doubling, at most an hour apart), its run still due, and run at
the first tick after the TV has answered again. The timer is driven with a simulated
clock (rotations_due's `now`) over the hours before now; the TV is the fake Frame,
switched off with its port counting the connections it drops."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import rotation
from docentsite.artwork.models import Artwork, Rotation, RotationOutcome, RotationRun
from docentsite.status import services as status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

TICK = 300


@pytest.fixture
def due(tv, settings, tmp_path, make_artwork, make_jpeg):
    """The TV's daily rotation, due since 12 hours ago; returns that moment."""
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.ROTATION_TICK = TICK
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    made = [make_artwork(make_jpeg(160 + i, 100), title=f"Picture {i}") for i in range(3)]
    Artwork.objects.filter(pk__in=[a.pk for a in made]).update(favourite=True)
    rotation.rotation_set(tv=tv, keep=2, change=1, every="day", at=time(8, 0))
    since = timezone.now() - timedelta(hours=12)
    Rotation.objects.filter(tv=tv).update(next_run_at=since)
    return since


def ticks(since, count: int) -> list:
    return [since + timedelta(seconds=TICK * n) for n in range(count)]


def test_a_tv_that_is_off_is_tried_less_and_less_often_and_stays_due(tv, fake_tv, due):
    fake_tv.stop(knocks=True)

    rotation.rotations_due(now=due)
    each = fake_tv.knocks  # the connections one try makes
    for moment in ticks(due, 144)[1:]:  # 12 hours of ticks
        rotation.rotations_due(now=moment)

    # Ticks 0, 1, 3, 7, 15, then every 12th (an hour: 27, 39, ... 135): 15 tries, not 144.
    assert each >= 1 and fake_tv.knocks == 15 * each
    [entry] = RotationRun.objects.filter(tv=tv)
    assert entry.outcome == RotationOutcome.SKIPPED and entry.tries == 15
    assert Rotation.objects.get(tv=tv).next_run_at == due  # still due


def test_the_run_happens_at_the_first_tick_after_the_tv_answers_again(tv, fake_tv, due):
    fake_tv.stop(knocks=True)
    for moment in ticks(due, 144):
        rotation.rotations_due(now=moment)
    knocks = fake_tv.knocks
    fake_tv.start()
    # Back on: the next try would be up to an hour away; the background check sees it.
    status.status_tick(in_worker=True)

    [run] = rotation.rotations_due()

    assert fake_tv.knocks == knocks
    assert run.outcome == RotationOutcome.DONE and len(run.added) == 2
    assert Rotation.objects.get(tv=tv).next_run_at > timezone.now()
