"""libvips and Pillow make the same pictures: a camera's JPEG goes through
libvips where pyvips is installed, everything else (and everything, where it is
not) through Pillow. test_imaging.py runs every case with each engine."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from docentsite.artwork import imaging
from tests import imaging_corpus as corpus

pytestmark = pytest.mark.skipif(imaging._vips() is None, reason="pyvips is not installed")


def both(monkeypatch, source, **options) -> tuple[imaging.PreparedImage, imaging.PreparedImage]:
    by_vips = imaging.prepare(source, **options)
    monkeypatch.setattr(imaging, "_vips", lambda: None)
    by_pillow = imaging.prepare(source, **options)
    monkeypatch.undo()
    return by_vips, by_pillow


def pixels(jpeg: bytes) -> Image.Image:
    return Image.open(io.BytesIO(jpeg)).convert("RGB")


def mean_difference(a: bytes, b: bytes) -> float:
    return max(ImageStat.Stat(ImageChops.difference(pixels(a), pixels(b))).mean)


def test_a_camera_jpeg_comes_out_the_same_from_either_engine(tmp_path, monkeypatch):
    source = corpus.save(tmp_path, "camera.jpg", corpus.camera_like((4800, 2400)), "JPEG",
                         quality=92)

    by_vips, by_pillow = both(monkeypatch, source, copies=imaging.COPIES)

    assert by_vips.jpeg != by_pillow.jpeg, "each engine made its own"
    assert (by_vips.width, by_vips.height) == (by_pillow.width, by_pillow.height) == (3840, 1920)
    assert mean_difference(by_vips.jpeg, by_pillow.jpeg) < 3
    for name in imaging.COPIES:
        small, reference = by_vips.copies[name], by_pillow.copies[name]
        assert pixels(small).size == pixels(reference).size
        assert mean_difference(small, reference) < 3, name
    # The same quality: neither engine hands the TV a bigger or blurrier file.
    assert 0.8 < len(by_vips.jpeg) / len(by_pillow.jpeg) < 1.25


@pytest.mark.slow
def test_a_photo_twice_the_panel_is_decoded_at_half_scale_by_either_engine(
    tmp_path, monkeypatch,
):
    # Pillow's draft decodes it at 1/2 scale. libvips's own thumbnail decoded it
    # at full size (it leaves the resampler at least half of the shrink), a
    # third slower at 100 MP, and its pictures then differed from Pillow's by
    # 2.45 on average; from the same half-scale pixels they differ by 1.65.
    source = corpus.save(tmp_path, "camera.jpg", corpus.camera_like((7700, 4400)), "JPEG",
                         quality=92)

    by_vips, by_pillow = both(monkeypatch, source, copies=imaging.COPIES)

    assert (by_vips.width, by_vips.height) == (by_pillow.width, by_pillow.height) == (3780, 2160)
    assert mean_difference(by_vips.jpeg, by_pillow.jpeg) < 2
    assert mean_difference(by_vips.copies["vision"], by_pillow.copies["vision"]) < 2


def test_a_profile_in_a_jpeg_is_converted_to_srgb_by_either_engine(tmp_path, monkeypatch):
    source = corpus.save(tmp_path, "linear.jpg", Image.new("RGB", (64, 48), (64, 64, 64)),
                         "JPEG", quality=95, icc_profile=corpus.linear_srgb_profile())

    by_vips, by_pillow = both(monkeypatch, source)

    for result in (by_vips, by_pillow):
        assert all(abs(channel - 137) <= 3 for channel in pixels(result.jpeg).getpixel((32, 24)))


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The bytes libvips reads of each file it opens by path, counted (the file read
    through a source that can seek, so decoding it again would read it again)."""
    import pyvips

    counted, alive = [], []

    def jpegload(path, **options):
        fp = open(path, "rb")  # noqa: SIM115 - libvips reads it after this returns
        source = pyvips.SourceCustom()

        def read(size):
            chunk = fp.read(size)
            counted.append(len(chunk))
            return chunk

        def seek(offset, whence):
            fp.seek(offset, whence)
            return fp.tell()

        source.on_read(read)
        source.on_seek(seek)
        alive.append((fp, source, read, seek))  # libvips calls back into these
        return pyvips.Image.jpegload_source(source, **options)

    monkeypatch.setattr(pyvips.Image, "jpegload", jpegload)
    yield counted
    for fp, *_ in alive:
        fp.close()


def made_by_libvips(monkeypatch):
    def pillow(*args, **kwargs):
        raise AssertionError("Pillow made this picture, not libvips")

    monkeypatch.setattr(imaging, "_pillow_jpegs", pillow)


@pytest.mark.parametrize("orientation", [1, 6])
@pytest.mark.parametrize(
    "framing", ["as_is", "fill", "fit"], ids=["as is", "fill", "fit"])
def test_the_copies_are_made_from_the_pixels_decoded_for_the_tv_image(
    tmp_path, monkeypatch, reads, framing, orientation,
):
    source = corpus.oriented_jpeg(tmp_path, orientation, (3000, 2000))
    with monkeypatch.context() as pillow_alone:
        pillow_alone.setattr(imaging, "_vips", lambda: None)
        by_pillow = imaging.prepare(source, copies=imaging.COPIES, framing=framing)
    made_by_libvips(monkeypatch)

    by_vips = imaging.prepare(source, copies=imaging.COPIES, framing=framing)

    # Decoded once: the file read once, start to end (fill may stop below its box),
    # besides its header (libvips reads it to learn the size, then again to decode).
    # Copies made from the file, not from the decoded picture, would read it all
    # again, or fail (a sequential read cannot start over) and be left to Pillow.
    assert source.stat().st_size / 2 < sum(reads) < source.stat().st_size * 1.5
    for name in imaging.COPIES:
        assert pixels(by_vips.copies[name]).size == pixels(by_pillow.copies[name]).size
        assert mean_difference(by_vips.copies[name], by_pillow.copies[name]) < 3, name


def rightmost(small: Image.Image) -> tuple[int, int, int, int]:
    width, height = imaging.largest_box(small.size)
    return small.width - width, small.height - height, width, height


@pytest.mark.parametrize(
    "options",
    [
        {"framing": "fill", "crop": (600, 400, 3200, 1800)},
        {"framing": "fill", "crop": (100, 300, 4000, 2250)},
        {"framing": "fill"},
        {"framing": "fill", "chooser": rightmost},
        {"framing": "fit", "fit_colour": (10, 200, 30)},
    ],
    ids=["fill, a box enlarged", "fill, a box shrunk", "fill, centred", "fill, chosen", "fit"],
)
def test_fill_and_fit_come_out_the_same_from_either_engine(tmp_path, monkeypatch, options):
    source = corpus.save(tmp_path, "camera.jpg", corpus.camera_like((4800, 3200)), "JPEG",
                         quality=92)
    looked_at = []
    if "chooser" in options:
        options["chooser"] = lambda small: looked_at.append(small.size) or rightmost(small)

    by_vips, by_pillow = both(monkeypatch, source, copies=imaging.COPIES, **options)

    assert (by_vips.width, by_vips.height) == (by_pillow.width, by_pillow.height) == (3840, 2160)
    assert pixels(by_vips.jpeg).size == (3840, 2160)
    assert by_vips.crop == by_pillow.crop
    assert by_vips.source_size == by_pillow.source_size == (4800, 3200)
    # The same part of the picture, in the same place (to a fraction of a pixel).
    assert mean_difference(by_vips.jpeg, by_pillow.jpeg) < 3
    for name in imaging.COPIES:
        assert pixels(by_vips.copies[name]).size == pixels(by_pillow.copies[name]).size
        assert mean_difference(by_vips.copies[name], by_pillow.copies[name]) < 3, name
    if looked_at:  # each chooser saw an upright copy at most CHOOSER_SIZE
        assert looked_at[0] == looked_at[1] == (1024, 683)


@pytest.mark.parametrize("framing", ["as_is", "fill", "fit"])
def test_a_truncated_jpeg_is_refused_whatever_the_framing(tmp_path, framing):
    truncated = corpus.truncated_jpeg(tmp_path)

    with pytest.raises(imaging.ImageRejected) as rejected:
        imaging.prepare(truncated, copies=imaging.COPIES, framing=framing)

    assert str(rejected.value) == "This file is not a picture Docent can read (truncated JPEG)"


def test_when_libvips_fails_midway_pillow_makes_the_picture(tmp_path, monkeypatch):
    # As libvips would fail should the copy fall too far behind the TV JPEG for the
    # file's sequential read ("out of order read"), the JPEG half encoded.
    import pyvips

    source = corpus.save(tmp_path, "camera.jpg", corpus.camera_like((2400, 1600)), "JPEG",
                         quality=92)
    with monkeypatch.context() as pillow_alone:
        pillow_alone.setattr(imaging, "_vips", lambda: None)
        by_pillow = imaging.prepare(source, copies=imaging.COPIES)

    def behind(image, *args, **kwargs):
        image.jpegsave_buffer()  # the lines this thread reads are decoded meanwhile
        raise pyvips.Error("VipsSequential: out of order read")

    monkeypatch.setattr(imaging, "_vips_copies", behind)

    prepared = imaging.prepare(source, copies=imaging.COPIES)

    assert prepared.jpeg == by_pillow.jpeg
    assert prepared.copies == by_pillow.copies
