import io
import os

import pytest
from PIL import Image

from docentsite.artwork import framing, imaging, metafile, services
from docentsite.artwork.models import TV, Artwork, Framing, Placement, PlacementStatus

GREEN, MAGENTA, FIT = (0, 170, 0), (200, 0, 200), (244, 244, 241)

# (size, the centred largest 16:9 box, the as-is size): a 3:2 landscape, a 4:3, a 9:16
# portrait, a 21:9 panorama and an exact 16:9.
SHAPES = {
    "3:2": ((3000, 2000), (0, 156, 3000, 1688), (3000, 2000)),
    "4:3": ((2000, 1500), (0, 187, 2000, 1125), (2000, 1500)),
    "9:16": ((1080, 1920), (0, 656, 1080, 608), (1080, 1920)),
    "21:9": ((2520, 1080), (300, 0, 1920, 1080), (2520, 1080)),
    "16:9": ((1920, 1080), (0, 0, 1920, 1080), (1920, 1080)),
}


def marked(size, box, *, orientation=None) -> bytes:
    """A JPEG of ``size`` (upright) that is green inside ``box`` and magenta outside,
    stored turned as EXIF ``orientation`` says."""
    img = Image.new("RGB", size, MAGENTA)
    x, y, w, h = box
    img.paste(GREEN, (x, y, x + w, y + h))
    exif = Image.Exif()
    if orientation == 6:
        # Shown upright by turning it 90 degrees clockwise: stored turned the other way.
        img = img.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def plain(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, GREEN).save(out, "JPEG")
    return out.getvalue()


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def inside_corners(img: Image.Image, box=None, margin=12):
    x, y, w, h = box or (0, 0, *img.size)
    return [img.getpixel((x + dx, y + dy)) for dx in (margin, w - margin - 1)
            for dy in (margin, h - margin - 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fill_crops_the_16_9_box_and_scales_it_to_the_panel(shape):
    size, box, _ = SHAPES[shape]

    prepared = imaging.prepare(marked(size, box), framing="fill", copies=imaging.COPIES)

    assert (prepared.width, prepared.height) == (3840, 2160)
    assert prepared.crop == box and prepared.source_size == size
    tv = opened(prepared.jpeg)
    assert tv.size == (3840, 2160) and tv.info.get("progressive") is None
    # Only the box is shown: green to its very edges, no magenta.
    assert all(near(pixel, GREEN) for pixel in inside_corners(tv, margin=16))
    assert opened(prepared.copies["thumbnail"]).size == (480, 270)
    assert opened(prepared.copies["vision"]).size == (1280, 720)


@pytest.mark.parametrize("shape", SHAPES)
def test_fit_shows_the_whole_picture_on_the_matte_colour_at_the_panel_size(shape):
    (width, height), _, _ = SHAPES[shape]
    whole = (0, 0, width, height)

    prepared = imaging.prepare(marked((width, height), whole), framing="fit",
                               copies=imaging.COPIES, fit_colour=FIT)

    tv = opened(prepared.jpeg)
    assert tv.size == (3840, 2160) and prepared.crop is None
    scale = min(3840 / width, 2160 / height)
    shown = (round(width * scale), round(height * scale))
    at = ((3840 - shown[0]) // 2, (2160 - shown[1]) // 2)
    assert all(near(pixel, GREEN) for pixel in inside_corners(tv, (*at, *shown)))
    if shown != (3840, 2160):
        assert near(tv.getpixel((3, 3)), FIT, 6) and near(tv.getpixel((3836, 2156)), FIT, 6)
    assert opened(prepared.copies["thumbnail"]).size == (480, 270)


@pytest.mark.parametrize("shape", SHAPES)
def test_as_is_is_what_docent_always_made(shape):
    size, box, as_is = SHAPES[shape]

    prepared = imaging.prepare(marked(size, box), framing="as_is", copies=imaging.COPIES)

    assert (prepared.width, prepared.height) == as_is and prepared.crop is None
    assert opened(prepared.jpeg).size == as_is


def test_fill_shows_the_box_it_is_given():
    box = (1500, 1000, 1200, 675)

    prepared = imaging.prepare(marked((3000, 2000), box), framing="fill", crop=box)

    assert prepared.crop == box
    assert all(near(pixel, GREEN) for pixel in inside_corners(opened(prepared.jpeg), margin=16))


def test_an_exif_turned_portrait_is_framed_upright():
    # Upright 1500x2000: the top 844 rows green (a 16:9 box), the rest magenta.
    top = (0, 0, 1500, 844)
    data = marked((1500, 2000), top, orientation=6)

    fitted = opened(imaging.prepare(data, framing="fit", fit_colour=FIT).jpeg)
    filled = imaging.prepare(data, framing="fill", crop=top)

    # Fit: upright and whole, 1620x2160 in the middle, green above, magenta below.
    assert near(fitted.getpixel((1920, 100)), GREEN) and near(fitted.getpixel((1920, 2000)),
                                                              MAGENTA)
    assert near(fitted.getpixel((1110 - 20, 1080)), FIT, 6)
    assert filled.source_size == (1500, 2000) and filled.crop == top
    assert all(near(pixel, GREEN) for pixel in inside_corners(opened(filled.jpeg), margin=16))


def test_a_small_picture_is_enlarged_to_the_panel_for_fill_and_fit():
    data = marked((640, 480), (0, 0, 640, 480))

    for chosen in ("fill", "fit"):
        assert opened(imaging.prepare(data, framing=chosen).jpeg).size == (3840, 2160)
    assert opened(imaging.prepare(data, framing="as_is").jpeg).size == (640, 480)


# -- choosing the framing, preparing, framing again ------------------------------------


@pytest.mark.django_db
def test_a_landscape_is_filled_with_smart_crops_box_and_the_original_kept(make_artwork,
                                                                          settings):
    settings.FRAMING_DEFAULT = "fill"
    size = (3000, 2000)

    artwork = make_artwork(plain(size), filename="dunes.jpg")

    assert artwork.framing == Framing.FILL
    assert artwork.crop_box == {"x": 0, "y": 156, "w": 3000, "h": 1688, "source": "smartcrop"}
    assert (artwork.width, artwork.height) == (3840, 2160)
    assert (artwork.original_width, artwork.original_height) == size
    assert artwork.original and os.path.exists(artwork.original.path)
    with Image.open(artwork.thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 270)


@pytest.mark.django_db
def test_a_portrait_is_fitted_by_default_even_where_the_default_is_fill(make_artwork,
                                                                        settings):
    settings.FRAMING_DEFAULT = "fill"
    size, box, _ = SHAPES["9:16"]

    artwork = make_artwork(marked(size, box))

    assert (artwork.framing, artwork.crop_box) == (Framing.FIT, None)
    assert (artwork.width, artwork.height) == (3840, 2160)


@pytest.mark.django_db
def test_the_framing_comes_from_the_picture_then_its_tv_then_its_source_then_the_default(
    make_artwork, settings,
):
    settings.FRAMING_DEFAULT = "fill"
    settings.FRAMING_BY_SOURCE = {"upload": "fit"}
    data = plain((6000, 4000))
    den = TV.objects.create(name="Den", host="192.0.2.9", framing=Framing.AS_IS)

    by_source = make_artwork(data)
    by_tv = make_artwork(data, prepare=False)
    Placement.objects.create(artwork=by_tv, tv=den)
    by_tv = services.artwork_prepare(artwork_id=by_tv.pk)
    own = make_artwork(data, prepare=False)
    Artwork.objects.filter(pk=own.pk).update(framing=Framing.FILL)
    Placement.objects.create(artwork=own, tv=den)
    own = services.artwork_prepare(artwork_id=own.pk)
    settings.FRAMING_BY_SOURCE = {}
    by_default = make_artwork(data)

    assert by_source.framing == Framing.FIT
    assert (by_tv.framing, by_tv.width, by_tv.height) == (Framing.AS_IS, 3240, 2160)
    assert own.framing == Framing.FILL
    assert by_default.framing == Framing.FILL


@pytest.mark.django_db
def test_a_fitted_picture_sits_on_its_tvs_matte_colour(make_artwork, settings):
    settings.FRAMING_DEFAULT = "fit"
    tv = TV.objects.create(name="Hall", host="192.0.2.8", matte="shadowbox_navy")
    artwork = make_artwork(marked((1080, 1920), (0, 0, 1080, 1920)), prepare=False)
    Placement.objects.create(artwork=artwork, tv=tv)

    artwork = services.artwork_prepare(artwork_id=artwork.pk)

    with Image.open(artwork.image.path) as img:
        assert near(img.getpixel((5, 5)), (0x1f, 0x2a, 0x48), 8)


@pytest.mark.django_db
def test_reframing_prepares_the_picture_again_from_the_original(make_artwork, settings):
    settings.FRAMING_DEFAULT = "as_is"
    box = {"x": 2400.4, "y": 1800, "w": 3200, "h": 1800}
    artwork = make_artwork(marked((6000, 4000), (2400, 1800, 3200, 1800)), filename="sea.jpg")
    old = [artwork.image.path, artwork.thumbnail.path, artwork.vision.path]
    assert (artwork.framing, artwork.width) == (Framing.AS_IS, 3240)

    artwork = framing.artwork_reframe(artwork=artwork, crop_box=box)

    assert artwork.framing == Framing.FILL
    assert artwork.crop_box == {"x": 2400, "y": 1800, "w": 3200, "h": 1800, "source": "manual"}
    assert (artwork.width, artwork.height) == (3840, 2160)
    with Image.open(artwork.image.path) as img:
        assert all(near(pixel, GREEN) for pixel in inside_corners(img, margin=16))
    with Image.open(artwork.thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 270)
    assert not any(os.path.exists(path) for path in old)
    assert os.path.exists(artwork.original.path)

    artwork = framing.artwork_reframe(artwork=artwork, framing=Framing.FIT)

    # The box is kept for a later fill; fit shows the whole picture.
    assert artwork.framing == Framing.FIT and artwork.crop_box["x"] == 2400


@pytest.mark.django_db
def test_a_box_outside_the_picture_or_no_original_changes_nothing(make_artwork, settings):
    settings.FRAMING_DEFAULT = "as_is"
    artwork = make_artwork(marked((3000, 2000), (0, 0, 3000, 2000)))
    before = Artwork.objects.filter(pk=artwork.pk).values().get()

    with pytest.raises(framing.FramingRejected, match="goes outside the picture"):
        framing.artwork_reframe(artwork=artwork, crop_box={"x": 2000, "y": 0, "w": 1600,
                                                           "h": 900})
    with pytest.raises(framing.FramingRejected, match="not a framing"):
        framing.artwork_reframe(artwork=artwork, framing="stretch")
    os.remove(artwork.original.path)
    Artwork.objects.filter(pk=artwork.pk).update(original="")
    artwork.refresh_from_db()
    with pytest.raises(framing.FramingRejected, match="does not have the original"):
        framing.artwork_reframe(artwork=artwork, framing=Framing.FILL)

    after = Artwork.objects.filter(pk=artwork.pk).values().get()
    assert {k: v for k, v in after.items() if k != "original"} == {
        k: v for k, v in before.items() if k != "original"}
    assert os.path.exists(artwork.image.path)


@pytest.mark.django_db
def test_the_crop_suggestion_is_smart_crops_box_of_the_original(make_artwork, settings):
    settings.FRAMING_DEFAULT = "as_is"
    artwork = make_artwork(plain((3000, 2000)))

    assert framing.artwork_crop_suggestion(artwork=artwork) == {
        "x": 0, "y": 156, "w": 3000, "h": 1688, "source": "smartcrop"}


@pytest.mark.django_db
def test_artwork_meta_json_has_the_crop_box_as_the_original_docent_writes_it(
    make_artwork, settings, tmp_path,
):
    settings.FRAMING_DEFAULT = "fill"
    tv = TV.objects.create(name="Frame", host="192.0.2.1", from_env=True)
    filled = make_artwork(plain((3000, 2000)), filename="a.jpg")
    fitted = make_artwork(marked((1080, 1920), (0, 0, 1080, 1920)), filename="b.jpg")
    for content_id, artwork in (("MY_F0001", filled), ("MY_F0002", fitted)):
        Placement.objects.create(artwork=artwork, tv=tv, content_id=content_id,
                                 status=PlacementStatus.ON_TV)

    entry = metafile.entry_for(Placement.objects.get(content_id="MY_F0001"))
    unboxed = metafile.entry_for(Placement.objects.get(content_id="MY_F0002"))

    assert list(entry)[:6] == ["title", "original_filename", "width", "height", "uploaded_at",
                               "crop_box"]
    assert list(entry["crop_box"].items()) == [("x", 0), ("y", 156), ("w", 3000), ("h", 1688),
                                               ("source", "smartcrop")]
    assert "crop_box" not in unboxed


def test_a_crop_box_is_cleaned_as_the_original_docent_stores_it():
    clean = framing.crop_box_clean(
        {"x": 10.6, "y": "20", "w": 1600.2, "h": 900, "source": "a-very-long-engine-name"},
        width=2000, height=1000)

    assert clean == {"x": 11, "y": 20, "w": 1600, "h": 900, "source": "a-very-long-engi"}
    for bad in ({"x": 0}, {"x": "a", "y": 0, "w": 1, "h": 1}, {"x": 0, "y": 0, "w": 0, "h": 9},
                None):
        with pytest.raises(framing.FramingRejected):
            framing.crop_box_clean(bad, width=2000, height=1000)
