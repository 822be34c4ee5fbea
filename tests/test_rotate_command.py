"""manage.py rotate [--tv NAME] [--dry-run]."""

from datetime import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from docentsite.artwork import rotation
from docentsite.artwork.models import Artwork, RotationRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def run(*args) -> str:
    out = StringIO()
    call_command("rotate", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def rotating(tv, make_artwork, make_jpeg):
    for n in range(3):
        make_artwork(make_jpeg(200 + n, 120), title=f"Favourite {n}")
    Artwork.objects.update(favourite=True)
    rotation.rotation_set(tv=tv, keep=2, at=time(8, 0))
    return tv


def test_a_dry_run_prints_the_plan_and_changes_nothing(rotating, fake_tv):
    printed = run("--tv", "Frame", "--dry-run")

    assert printed.startswith("Frame: Would add 2 pictures and remove 0 pictures on Frame.")
    assert printed.count("  + Favourite ") == 2 and "never on Frame" in printed
    assert "keeps 2, from the favourites" in printed
    assert not fake_tv.photos and not RotationRun.objects.exists()


def test_a_run_prints_what_it_did(rotating, fake_tv):
    printed = run()

    assert printed.startswith("Frame: Added 2 pictures, removed 0 pictures.")
    assert printed.count("  + Favourite ") == 2
    assert len(fake_tv.photos) == 2
    assert RotationRun.objects.get().trigger == "command"


def test_a_tv_that_is_off_fails_the_command_saying_so(rotating, fake_tv):
    fake_tv.stop()

    with pytest.raises(CommandError, match="Not every rotation ran"):
        run("--tv", "Frame")

    assert RotationRun.objects.get().outcome == "skipped"


def test_an_unknown_tv_is_an_error(rotating):
    with pytest.raises(CommandError, match="There is no TV called 'Den'"):
        run("--tv", "Den")


def test_without_rotations_it_says_where_to_set_one(tv):
    assert run() == "No TV has a rotation on: set one on the TVs page.\n"
