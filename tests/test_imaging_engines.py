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


def test_a_profile_in_a_jpeg_is_converted_to_srgb_by_either_engine(tmp_path, monkeypatch):
    source = corpus.save(tmp_path, "linear.jpg", Image.new("RGB", (64, 48), (64, 64, 64)),
                         "JPEG", quality=95, icc_profile=corpus.linear_srgb_profile())

    by_vips, by_pillow = both(monkeypatch, source)

    for result in (by_vips, by_pillow):
        assert all(abs(channel - 137) <= 3 for channel in pixels(result.jpeg).getpixel((32, 24)))
