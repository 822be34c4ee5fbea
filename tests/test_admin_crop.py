"""The crop editor's pages (admin_crop.py): who may use them, what Save does, and how a
bad box is answered."""

import html
import io
import json
import time

import pytest
from PIL import Image

from docentsite.artwork import lane, tvs
from docentsite.artwork.models import Artwork, Placement, PlacementStatus
from tests.users import staff_with

pytestmark = pytest.mark.django_db(transaction=True)

VIEW, CHANGE = "artwork.view_artwork", "artwork.change_artwork"


def two_halves(width=600, height=400, *, exif_orientation=None) -> bytes:
    """A JPEG red on its left half and blue on its right: a crop shows which part it kept."""
    image = Image.new("RGB", (width, height), (0, 0, 230))
    image.paste((230, 0, 0), (0, 0, width // 2, height))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    image.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


@pytest.fixture
def artwork(make_artwork):
    return make_artwork(two_halves(), filename="halves.jpg")


def crop_url(artwork) -> str:
    return f"/admin/artwork/artwork/{artwork.pk}/crop/"


def fresh(artwork) -> Artwork:
    return Artwork.objects.get(pk=artwork.pk)


def colour_of(stored) -> tuple[int, int, int]:
    with stored.open("rb") as handle, Image.open(handle) as img:
        return img.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


def test_the_editor_opens_on_the_original_with_the_suggested_box(admin_client, artwork):
    response = admin_client.get(crop_url(artwork))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-width="600" data-height="400"' in body
    assert "artwork/crop.js" in body
    suggested = json.loads(body.split('id="crop-suggested" type="application/json">')[1]
                           .split("</script>")[0])
    assert suggested == {"x": 0, "y": 31, "w": 600, "h": 338, "source": "smartcrop"}
    assert f"/admin/artwork/artwork/{artwork.pk}/crop/original/" in body
    # The artwork's page links to it.
    assert crop_url(artwork) in admin_client.get(
        f"/admin/artwork/artwork/{artwork.pk}/change/").content.decode()


def test_saving_a_box_crops_the_picture_again(admin_client, artwork):
    before = fresh(artwork)
    assert colour_of(before.image)[2] > 100 and colour_of(before.image)[0] > 100

    response = admin_client.post(crop_url(artwork), {"x": 0, "y": 0, "w": 288, "h": 162})

    assert response.status_code == 302 and response["Location"] == crop_url(artwork)
    after = fresh(artwork)
    assert after.crop_box == {"x": 0, "y": 0, "w": 288, "h": 162, "source": "manual"}
    assert after.framing == "fill" and after.sha256 != before.sha256
    red, _, blue = colour_of(after.image)
    assert red > 200 and blue < 30  # the left half only
    page = admin_client.get(crop_url(artwork)).content.decode()
    assert f"thumbnail/?v={after.sha256[:12]}" in page
    assert "is cropped to the new box and prepared again" in page


def test_a_box_a_little_off_is_pulled_inside_the_picture(admin_client, artwork):
    # Wider than the picture and past its right edge, as a drag past the edge may send.
    admin_client.post(crop_url(artwork), {"x": 20.4, "y": 100, "w": 640, "h": 360})

    box = fresh(artwork).crop_box
    assert box == {"x": 0, "y": 62, "w": 600, "h": 338, "source": "manual"}


@pytest.mark.parametrize(("box", "said"), [
    ({"x": "left", "y": 0, "w": 320, "h": 180}, "The box's left edge (x) must be a number"),
    ({"x": 0, "y": 0, "w": 300, "h": 300}, "The box must be 16:9"),
    ({"x": 0, "y": 0, "w": 0, "h": 0}, "must have a width and a height"),
    ({"x": 700, "y": 0, "w": 320, "h": 180}, "lies outside the 600×400 picture"),
    ({"x": 0, "y": 0, "w": 32, "h": 18}, "at least 64"),
    ({"x": 0, "y": 0, "w": "nan", "h": 180}, "The box's width (w) must be a number"),
    ({"y": 0, "w": 320, "h": 180}, "The box's left edge (x) must be a number"),
])
def test_a_bad_box_is_refused_with_a_reason_and_changes_nothing(admin_client, artwork, box,
                                                                 said):
    before = fresh(artwork)

    response = admin_client.post(crop_url(artwork), box)

    assert response.status_code == 400
    assert said in html.unescape(response.content.decode())
    after = fresh(artwork)
    assert (after.sha256, after.crop_box, after.image.name) == (
        before.sha256, before.crop_box, before.image.name)


def test_the_editor_needs_change_permission(client, artwork):
    client.force_login(staff_with(VIEW, username="viewer"))
    before = fresh(artwork)

    assert client.get(crop_url(artwork)).status_code == 403
    assert client.post(crop_url(artwork), {"x": 0, "y": 0, "w": 288, "h": 162}).status_code == 403
    assert fresh(artwork).sha256 == before.sha256
    # Viewing the original is viewing the picture.
    assert client.get(f"{crop_url(artwork)}original/").status_code == 200
    client.force_login(staff_with(username="nobody"))
    assert client.get(f"{crop_url(artwork)}original/").status_code == 403
    client.logout()
    assert client.get(f"{crop_url(artwork)}original/").status_code == 302  # to the login


def test_the_original_is_shown_upright(admin_client, make_artwork):
    # Stored 600x400 on its side: orientation 6 turns it into a 400x600 portrait.
    turned = make_artwork(two_halves(exif_orientation=6), filename="turned.jpg")

    response = admin_client.get(f"{crop_url(turned)}original/")

    assert response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.size == (400, 600)
    assert 'data-width="400" data-height="600"' in admin_client.get(
        crop_url(turned)).content.decode()


def test_a_picture_without_its_original_cannot_be_cropped_again(admin_client, artwork):
    artwork.original.delete(save=True)  # adopted from an original Docent's file, say

    page = admin_client.get(crop_url(artwork)).content.decode()
    assert "does not have the original" in page and "crop-stage" not in page
    response = admin_client.post(crop_url(artwork), {"x": 0, "y": 0, "w": 288, "h": 162})
    assert response.status_code == 400
    assert admin_client.get(f"{crop_url(artwork)}original/").status_code == 404


def test_saving_replaces_the_picture_on_the_tv(admin_client, artwork, upload_now, fake_tv,
                                               settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    old = upload_now(artwork)

    response = admin_client.post(crop_url(artwork), {"x": 312, "y": 0, "w": 288, "h": 162},
                                 follow=True)

    page = response.content.decode()
    assert f"replacing it on {old.tv.name}…" in page
    assert "Replacing it with the new picture…" in page and "data-replacing" in page
    lane.tv_lane_run(tv_id=old.tv_id)  # as the worker does, in the TV's lane

    placement = Placement.objects.get(pk=old.pk)
    assert placement.status == PlacementStatus.ON_TV and placement.content_id != old.content_id
    assert placement.replace_asked_at is None
    assert list(fake_tv.photos) == [placement.content_id]
    with Image.open(io.BytesIO(fake_tv.photos[placement.content_id].data)) as img:
        red, _, blue = img.convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert blue > 200 and red < 30  # the right half only
    meta = json.loads(tvs.meta_path(placement.tv).read_text())["artwork"]
    assert list(meta) == [placement.content_id]
    page = admin_client.get(crop_url(artwork)).content.decode()
    assert f"Shows it as {placement.content_id}." in page and "data-replacing" not in page


def test_save_answers_before_any_tv_is_contacted(admin_client, artwork, upload_now, fake_tv,
                                                 settings):
    """A TV that hangs (it takes the connection and never answers) holds up its lane,
    never the page: Save prepares the picture and answers at once."""
    old = upload_now(artwork)
    settings.TV_TIMEOUT = 10
    fake_tv.no_answer = True
    heard = (len(fake_tv.requests), len(fake_tv.connections))
    sha256 = fresh(artwork).sha256

    started = time.monotonic()
    response = admin_client.post(crop_url(artwork), {"x": 312, "y": 0, "w": 288, "h": 162})
    took = time.monotonic() - started

    assert response.status_code == 302 and took < 5
    assert (len(fake_tv.requests), len(fake_tv.connections)) == heard
    assert fresh(artwork).sha256 != sha256  # prepared again, at once
    placement = Placement.objects.get(pk=old.pk)
    assert placement.content_id == old.content_id and placement.replace_asked_at is not None

    fake_tv.no_answer = False
    lane.tv_lane_run(tv_id=old.tv_id)
    placement = Placement.objects.get(pk=old.pk)
    assert list(fake_tv.photos) == [placement.content_id] != [old.content_id]


def test_the_vision_model_s_box_is_offered_as_the_start_and_nothing_is_saved(
        admin_client, artwork, settings, fake_anthropic):
    before = fresh(artwork)
    assert "Ask the vision model" not in admin_client.get(crop_url(artwork)).content.decode()
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"
    fake_anthropic.description = {"subject": [0.0, 0.1, 0.2, 0.9]}  # at the left edge

    response = admin_client.post(crop_url(artwork), {"second_opinion": "1"})

    assert response.status_code == 200
    body = response.content.decode()
    start = json.loads(body.split('id="crop-start" type="application/json">')[1]
                       .split("</script>")[0])
    assert (start["x"], start["w"], start["source"]) == (0, 600, "claude")
    assert "where the vision model sees the subject (claude)" in body
    after = fresh(artwork)
    assert (after.image.name, after.crop_box) == (before.image.name, before.crop_box)

    fake_anthropic.mode = "server_error"
    failed = admin_client.post(crop_url(artwork), {"second_opinion": "1"}).content.decode()
    assert "gave no usable box" in failed


def test_a_picture_is_framed_another_way_and_replaced_on_the_tv(admin_client, artwork,
                                                                 upload_now, fake_tv):
    old = upload_now(artwork)
    page = admin_client.get(crop_url(artwork)).content.decode()
    assert 'name="framing" value="fit"' in page and 'value="as_is"' not in page  # as is now

    response = admin_client.post(crop_url(artwork), {"framing": "fit"}, follow=True)
    lane.tv_lane_run(tv_id=old.tv_id)

    framed = fresh(artwork)
    assert framed.framing == "fit" and (framed.width, framed.height) == (3840, 2160)
    placement = Placement.objects.get(pk=old.pk)
    assert placement.content_id != old.content_id
    assert list(fake_tv.photos) == [placement.content_id]  # the new copy only
    assert "is framed again" in response.content.decode()

    refused = admin_client.post(crop_url(artwork), {"framing": "stretch"}, follow=True)
    assert "Not framed again" in refused.content.decode()
    assert fresh(artwork).image.name == framed.image.name
