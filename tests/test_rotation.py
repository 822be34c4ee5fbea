"""A TV's rotation: the plan (what the next run would add and remove, and why) and the
run, through the TV's lane and the real samsungtvws against the fake TV."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from docentsite.artwork import collections, rotation
from docentsite.artwork.errors import Rejected
from docentsite.artwork.models import (
    TV,
    Artwork,
    Placement,
    PlacementStatus,
    Rotation,
    RotationOutcome,
    RotationRun,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


@pytest.fixture
def pool(make_artwork, make_jpeg):
    """pool(n, **fields) -> n prepared favourites (distinct pictures)."""
    counter = iter(range(1000))

    def make(n: int, *, favourite: bool = True, keep: bool = False):
        made = [make_artwork(make_jpeg(160 + next(counter), 100), title=f"Picture {i}")
                for i in range(n)]
        Artwork.objects.filter(pk__in=[a.pk for a in made]).update(
            favourite=favourite or keep, keep=keep)
        return made

    return make


def rotate(tv, **settings):
    settings = {"keep": 3, "change": 1, "every": "day", "at": time(8, 0), **settings}
    return rotation.rotation_set(tv=tv, **settings)


def on_tv(tv) -> set[int]:
    return set(Placement.objects.filter(tv=tv, status=PlacementStatus.ON_TV)
               .values_list("artwork_id", flat=True))


def ids(items) -> list[int]:
    return [item.artwork_id if hasattr(item, "artwork_id") else item["artwork_id"]
            for item in items]


def test_the_plan_fills_an_empty_tv_from_the_pool_and_asks_no_tv(tv, fake_tv, pool):
    pictures = pool(5)
    rotate(tv, keep=3)
    asked = list(fake_tv.requests)

    plan = rotation.rotation_plan(tv=tv)

    assert len(plan.add) == 3 and plan.remove == []
    assert set(ids(plan.add)) <= {a.pk for a in pictures}
    assert {pick.why for pick in plan.add} == {"never on Frame"}
    assert plan.summary.startswith("Would add 3 pictures and remove 0 pictures")
    assert fake_tv.requests == asked and Placement.objects.count() == 0


def test_a_run_fills_the_tv_then_swaps_the_oldest_for_new_ones(tv, fake_tv, pool):
    pool(6)
    rotate(tv, keep=3, change=2)

    first = rotation.rotation_run(tv=tv)

    assert first.outcome == RotationOutcome.DONE, first.why
    assert len(first.added) == 3 and first.removed == []
    assert on_tv(tv) == set(ids(first.added)) and len(fake_tv.photos) == 3
    oldest = list(Placement.objects.filter(tv=tv).order_by("uploaded_at", "pk")
                  .values_list("artwork_id", flat=True))[:2]

    plan = rotation.rotation_plan(tv=tv)
    second = rotation.rotation_run(tv=tv)

    assert ids(second.removed) == oldest == ids(plan.remove)
    assert ids(second.added) == ids(plan.add)  # the preview is what the run does
    assert len(on_tv(tv)) == 3 and len(fake_tv.photos) == 3
    assert not set(ids(second.added)) & set(ids(first.added))
    assert second.why.startswith("Added 2 pictures, removed 2 pictures.")


def test_favourites_marked_keep_stay_and_count_among_those_kept(tv, fake_tv, pool, upload_now):
    [kept] = pool(1, keep=True)
    upload_now(kept)
    pool(6)
    rotate(tv, keep=3, change=2)

    runs = [rotation.rotation_run(tv=tv) for _ in range(3)]

    assert kept.pk in on_tv(tv) and len(on_tv(tv)) == 3
    assert all(kept.pk not in ids(run.removed) for run in runs)
    assert "1 picture marked keep stays" in " ".join(rotation.rotation_plan(tv=tv).notes)


def test_pictures_docent_did_not_upload_are_neither_counted_nor_touched(tv, fake_tv, pool):
    theirs = {fake_tv.add_photo(b"the owner's own") for _ in range(4)}
    pool(5)
    rotate(tv, keep=2, change=2)

    for _ in range(2):
        rotation.rotation_run(tv=tv)

    assert theirs <= set(fake_tv.photos)
    assert len(fake_tv.photos) == 4 + 2 and len(on_tv(tv)) == 2


def test_no_picture_comes_back_inside_the_no_repeat_window(tv, pool):
    pool(4)
    rotate(tv, keep=2, change=2, no_repeat_days=30)
    first = rotation.rotation_run(tv=tv)
    second = rotation.rotation_run(tv=tv)
    assert set(ids(second.removed)) == set(ids(first.added))

    third = rotation.rotation_run(tv=tv)

    assert third.added == [] and third.removed == []
    assert "were on Frame in the last 30 days" in third.why
    assert "shorten the no-repeat window" in third.why

    Rotation.objects.filter(tv=tv).update(no_repeat_days=0)
    fourth = rotation.rotation_run(tv=tv)
    assert set(ids(fourth.added)) == set(ids(first.added))


def test_the_longest_gone_comes_back_first_once_outside_the_window(tv, pool):
    pictures = pool(3)
    rotate(tv, keep=1, change=1, no_repeat_days=7)
    long_ago = timezone.now() - timedelta(days=40)
    for n, artwork in enumerate(pictures):
        Placement.objects.create(artwork=artwork, tv=tv, status=PlacementStatus.REMOVED)
        Placement.objects.filter(artwork=artwork).update(updated_at=long_ago + timedelta(days=n))

    plan = rotation.rotation_plan(tv=tv)

    assert ids(plan.add) == [pictures[0].pk]
    assert plan.add[0].why.startswith("last on Frame until")


def test_a_tv_that_is_off_is_skipped_once_an_entry_and_stays_due(tv, fake_tv, pool,
                                                                   settings):
    pool(3)
    rotate(tv)
    due = timezone.now() - timedelta(minutes=1)
    Rotation.objects.filter(tv=tv).update(next_run_at=due)
    fake_tv.stop()

    runs = rotation.rotations_due()
    assert rotation.rotations_due() == []  # left alone until the next tick
    again = rotation.rotations_due(
        now=timezone.now() + timedelta(seconds=settings.ROTATION_TICK))

    assert [r.outcome for r in runs + again] == [RotationOutcome.SKIPPED] * 2
    [entry] = RotationRun.objects.filter(tv=tv)
    assert entry.tries == 2 and entry.why.startswith("Skipped: TV off")
    assert Rotation.objects.get(tv=tv).next_run_at == due  # caught up at the next tick
    assert Placement.objects.count() == 0


def test_a_due_rotation_runs_and_is_due_next_at_its_time(tv, pool, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    pool(3)
    rotate(tv, keep=2, at=time(8, 0))
    Rotation.objects.filter(tv=tv).update(next_run_at=timezone.now() - timedelta(seconds=1))

    [run] = rotation.rotations_due()

    assert run.trigger == "timer" and len(run.added) == 2
    following = Rotation.objects.get(tv=tv).next_run_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (following.hour, following.minute) == (8, 0)
    assert timezone.now() < following <= timezone.now() + timedelta(days=1)
    assert rotation.rotations_due() == []  # not due again before then


def test_the_new_picture_is_shown_only_in_art_mode(tv, fake_tv, pool):
    pool(4)
    rotate(tv, keep=1, change=1, show_new=True)
    fake_tv.art_mode = False

    watched = rotation.rotation_run(tv=tv)

    assert watched.shown is None and "select_image" not in fake_tv.requests
    assert "None shown: Frame was being watched" in watched.why

    fake_tv.art_mode = True
    shown = rotation.rotation_run(tv=tv)

    assert shown.shown_id == ids(shown.added)[0]
    placement = Placement.objects.get(tv=tv, artwork_id=shown.shown_id)
    assert fake_tv.showing == placement.content_id
    assert "Showing “" in shown.why


def test_a_second_run_at_once_is_refused_and_a_stale_one_is_taken_over(tv, pool):
    pool(2)
    rotate(tv)
    running = RotationRun.objects.create(tv=tv)

    with pytest.raises(rotation.RotationRunning):
        rotation.rotation_run(tv=tv)

    RotationRun.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - timedelta(hours=2))
    run = rotation.rotation_run(tv=tv)
    assert run.outcome == RotationOutcome.DONE
    assert RotationRun.objects.get(pk=running.pk).outcome == RotationOutcome.FAILED


def test_the_history_keeps_the_last_fifty_runs(tv, pool):
    rotate(tv)
    RotationRun.objects.bulk_create([
        RotationRun(tv=tv, outcome=RotationOutcome.DONE, finished_at=timezone.now(),
                    started_at=timezone.now() - timedelta(hours=n)) for n in range(1, 60)])

    run = rotation.rotation_run(tv=tv)

    kept = list(RotationRun.objects.filter(tv=tv))
    assert len(kept) == rotation.HISTORY and kept[0] == run


def test_a_collection_pool_takes_only_its_pictures_and_stops_when_it_is_deleted(tv, pool):
    summer = collections.collection_create(name="Summer")
    inside = pool(2, favourite=False)
    pool(3)
    collections.collection_add(collection=summer, artworks=inside)
    rotate(tv, pool="collection", collection=summer, keep=5)

    assert set(ids(rotation.rotation_plan(tv=tv).add)) == {a.pk for a in inside}

    collections.collection_delete(collection=summer)
    stopped = Rotation.objects.get(tv=tv)
    assert (stopped.enabled, stopped.collection, stopped.pool) == (False, None, "collection")
    assert rotation.rotation_card(stopped) == "Rotation off."


@pytest.mark.parametrize(("settings_given", "message"), [
    ({"pool": "collection"}, "Choose the collection the pictures come from."),
    ({"every": "hours"}, "Every few hours needs the hours"),
    ({"every": "week", "weekday": None}, "every week a day and a time"),
    ({"keep": 0}, "Keep 1 to 10000 pictures."),
])
def test_settings_that_do_not_fit_together_are_refused_and_nothing_is_saved(
    tv, settings_given, message
):
    with pytest.raises(Rejected, match=message):
        rotate(tv, **settings_given)
    assert not Rotation.objects.exists()


def test_no_rotation_says_where_to_set_one(tv):
    with pytest.raises(Rejected, match="Frame has no rotation: set one on the TVs page"):
        rotation.rotation_plan(tv=tv)


@pytest.mark.parametrize(("every", "fields", "now", "expected"), [
    ("day", {"at": time(8, 0)}, datetime(2026, 3, 28, 7, 0), datetime(2026, 3, 28, 8, 0)),
    ("day", {"at": time(8, 0)}, datetime(2026, 3, 28, 8, 0), datetime(2026, 3, 29, 8, 0)),
    # Summer time begins on 29 March in Amsterdam: still 08:00 on the clock.
    ("day", {"at": time(8, 0)}, datetime(2026, 3, 28, 9, 0), datetime(2026, 3, 29, 8, 0)),
    ("week", {"at": time(9, 30), "weekday": 6}, datetime(2026, 3, 23, 10, 0),
     datetime(2026, 3, 29, 9, 30)),
    ("week", {"at": time(9, 30), "weekday": 0}, datetime(2026, 3, 23, 10, 0),
     datetime(2026, 3, 30, 9, 30)),
])
def test_the_next_run_is_the_schedules_next_time_in_the_time_zone(
    settings, every, fields, now, expected
):
    settings.TIME_ZONE = "Europe/Amsterdam"
    zone = ZoneInfo("Europe/Amsterdam")
    schedule = Rotation(every=every, **fields)

    following = rotation.rotation_next_run(rotation=schedule, after=now.replace(tzinfo=zone))

    assert following.astimezone(zone).replace(tzinfo=None) == expected


def test_every_few_hours_counts_from_the_run():
    schedule = Rotation(every="hours", hours=6)
    now = datetime(2026, 1, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert rotation.rotation_next_run(rotation=schedule, after=now) == now + timedelta(hours=6)


def test_the_card_says_how_and_when(tv, settings):
    settings.TIME_ZONE = "UTC"
    rotate(tv, change=2, at=time(8, 0))
    saved = Rotation.objects.get(tv=tv)
    saved.next_run_at = datetime.combine(date.today() + timedelta(days=10), time(8, 0),
                                         tzinfo=ZoneInfo("UTC"))
    assert rotation.rotation_card(saved).startswith(
        "Rotates 2 pictures every day at 08:00 · next ")


@pytest.mark.parametrize("fields", [
    {"every": "hours", "hours": None},
    {"every": "week", "at": time(8, 0), "weekday": None},
    {"every": "day", "at": None},
    {"pool": "collection", "at": time(8, 0)},
    {"pool": "favourites", "at": time(8, 0), "keep": 0},
])
def test_the_database_refuses_a_rotation_that_does_not_add_up(tv, fields):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Rotation.objects.create(tv=tv, **fields)


def test_the_database_refuses_two_running_runs_of_one_tv(tv):
    from django.db import IntegrityError

    RotationRun.objects.create(tv=tv)
    with pytest.raises(IntegrityError):
        RotationRun.objects.create(tv=tv)


def test_a_disabled_tv_is_skipped_and_waits_for_its_next_time(tv, fake_tv, pool):
    pool(2)
    rotate(tv)
    TV.objects.filter(pk=tv.pk).update(enabled=False)
    Rotation.objects.filter(tv=tv).update(next_run_at=timezone.now())

    [run] = rotation.rotations_due()

    assert (run.outcome, run.why) == (RotationOutcome.SKIPPED, "Skipped: Frame is disabled.")
    assert Rotation.objects.get(tv=tv).next_run_at > timezone.now()
    assert Placement.objects.count() == 0 and not fake_tv.photos


def test_a_tv_docent_is_not_paired_with_is_skipped_saying_so(tv, frame_tv, fake_tv, pool):
    pool(2)
    rotate(tv)
    frame_tv.token_file.unlink()

    run = rotation.rotation_run(tv=tv)

    assert run.outcome == RotationOutcome.SKIPPED
    assert run.why.startswith("Skipped: Frame is not paired with Docent")
    assert not fake_tv.photos
