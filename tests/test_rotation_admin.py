"""A TV's rotation on the TVs page: its settings, Preview next rotation, Rotate now and
the history; and the line on the TV's card on the status page."""

import pytest

from docentsite.artwork.models import Artwork, Rotation, RotationRun
from tests.users import staff_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

SETTINGS = {"enabled": "on", "pool": "favourites", "keep": "2", "change": "1",
            "every": "day", "at": "08:00", "no_repeat_days": "30"}


@pytest.fixture
def favourites(make_artwork, make_jpeg):
    for n in range(3):
        make_artwork(make_jpeg(200 + n, 120), title=f"Favourite {n}")
    Artwork.objects.update(favourite=True)


def url(tv, what="rotation"):
    return f"/admin/artwork/tv/{tv.pk}/{what}/"


def test_a_rotation_is_set_previewed_and_run_from_the_tvs_page(
    admin_client, tv, fake_tv, favourites
):
    saved = admin_client.post(url(tv), {**SETTINGS, "hours": "5", "weekday": "3"}, follow=True)

    page = saved.content.decode()
    assert "Rotation of Frame saved: Rotates 1 picture every day at 08:00 · next" in page
    rotation = Rotation.objects.get(tv=tv)
    # What this schedule does not use is cleared, not refused.
    assert (rotation.keep, rotation.hours, rotation.weekday) == (2, None, None)
    assert rotation.next_run_at is not None
    assert "Next rotation" not in page and "Preview next rotation" in page

    asked = list(fake_tv.requests)
    preview = admin_client.get(url(tv) + "?preview=1").content.decode()

    assert "Would add 2 pictures and remove 0 pictures on Frame." in preview
    assert preview.count(": never on Frame</li>") == 2
    assert fake_tv.requests == asked and not RotationRun.objects.exists()

    ran = admin_client.post(url(tv, "rotate"), follow=True).content.decode()

    assert "Frame: Added 2 pictures, removed 0 pictures." in ran
    assert 'class="rotation-run done"' in ran and "Rotate now</span>" in ran
    assert len(fake_tv.photos) == 2
    change_page = admin_client.get(f"/admin/artwork/tv/{tv.pk}/change/").content.decode()
    assert "Rotates 1 picture every day at 08:00 · next" in change_page
    assert 'class="rotation-run done"' in change_page


def test_settings_that_do_not_fit_are_shown_with_the_reason_and_not_saved(admin_client, tv):
    page = admin_client.post(url(tv), {**SETTINGS, "pool": "collection"}).content.decode()

    assert "Choose the collection the pictures come from." in page
    assert not Rotation.objects.exists()


def test_a_viewer_sees_the_rotation_but_cannot_change_or_run_it(client, tv, favourites):
    Rotation.objects.create(tv=tv, keep=2, at="08:00")
    client.force_login(staff_with("artwork.view_tv"))

    page = client.get(url(tv) + "?preview=1").content.decode()

    assert "Would add 2 pictures" in page
    assert "Rotate now</button>" not in page and "Save rotation" not in page
    assert client.post(url(tv, "rotate")).status_code == 403
    assert client.post(url(tv), SETTINGS).status_code == 403
    assert not RotationRun.objects.exists()


def test_the_status_page_says_how_the_tv_rotates(admin_client, tv):
    admin_client.post(url(tv), {**SETTINGS, "change": "2"})

    page = admin_client.get("/admin/docent/").content.decode()

    assert "Rotates 2 pictures every day at 08:00 · next" in page
