import hashlib
import io
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageOps, JpegImagePlugin

from docentsite.artwork import imaging
from docentsite.artwork.errors import Rejected
from docentsite.artwork.imaging import ImageRejected, prepare, vision_copy
from tests import imaging_corpus as corpus

SOF_BASELINE, SOF_PROGRESSIVE, APP1, APP2, COM, SOS = 0xC0, 0xC2, 0xE1, 0xE2, 0xFE, 0xDA


@pytest.fixture(autouse=True, params=["libvips", "pillow"])
def engine(request, monkeypatch) -> str:
    """Every test runs with libvips (where pyvips is installed) and with Pillow alone."""
    if request.param == "pillow":
        monkeypatch.setattr(imaging, "_vips", lambda: None)
    elif imaging._vips() is None:
        pytest.skip("pyvips is not installed")
    return request.param


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("imaging-corpus")


@pytest.fixture(scope="module")
def modes(samples):
    return corpus.mode_samples(samples)


@pytest.fixture(scope="module")
def formats(samples):
    return corpus.format_samples(samples)


def opened(jpeg: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG"
    return img


def header_markers(jpeg: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to the first scan."""
    assert jpeg[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        marker = jpeg[at + 1]
        markers.append(marker)
        if marker == SOS:
            return markers
        at += 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")


def near(pixel, expected, tolerance=3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def is_red(pixel) -> bool:
    return near(pixel, corpus.RED, 40)


def is_blue(pixel) -> bool:
    return near(pixel, corpus.BLUE, 40)


@pytest.mark.parametrize("profile", [corpus.linear_srgb_profile(), None], ids=["icc", "no icc"])
def test_output_is_a_baseline_420_rgb_jpeg_without_metadata(samples, profile):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    source = corpus.save(
        samples,
        "tagged.jpg",
        corpus.marked((640, 480)),
        "JPEG",
        progressive=True,
        exif=exif,
        icc_profile=profile,
        comment="a comment",
    )

    result = prepare(source)

    img = opened(result.jpeg)
    markers = header_markers(result.jpeg)
    assert img.mode == "RGB"
    assert not img.info.get("progressive") and not img.info.get("progression")
    assert SOF_BASELINE in markers and SOF_PROGRESSIVE not in markers
    assert not {APP1, APP2, COM} & set(markers), "no EXIF, XMP, ICC or comment"
    assert JpegImagePlugin.get_sampling(img) == 2  # 4:2:0
    assert (result.width, result.height) == img.size == (640, 480)
    assert result.sha256 == hashlib.sha256(result.jpeg).hexdigest()
    assert result.source_format == "JPEG"


@pytest.mark.parametrize(
    ("size", "expected"),
    [((6000, 4000), (3240, 2160)), ((12000, 3000), (3840, 960)), ((3000, 6000), (1080, 2160))],
    ids=["3:2 photo", "panorama", "portrait"],
)
def test_large_picture_is_fitted_inside_4k_keeping_aspect(samples, size, expected):
    source = corpus.save(samples, f"{size[0]}x{size[1]}.jpg", corpus.marked(size), "JPEG")

    result = prepare(source)

    assert (result.width, result.height) == opened(result.jpeg).size == expected
    assert abs(result.height - result.width * size[1] / size[0]) <= 1


def test_panorama_png_is_fitted_to_the_width(samples):
    result = prepare(corpus.panorama_png(samples))

    assert (result.width, result.height) == (3840, 960)
    img = opened(result.jpeg)
    assert is_red(img.getpixel((10, 10))) and is_blue(img.getpixel((3830, 950)))


def test_small_picture_is_never_enlarged(samples):
    result = prepare(corpus.tiny_png(samples))

    assert (result.width, result.height) == opened(result.jpeg).size == (16, 16)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_picture_upright(samples, orientation):
    source = corpus.oriented_jpeg(samples, orientation, upright_size=(60, 40))
    # The sample is right if Pillow's reference implementation shows it upright.
    reference = ImageOps.exif_transpose(Image.open(source))
    assert reference.size == (60, 40) and is_red(reference.getpixel((3, 3)))

    img = opened(prepare(source).jpeg)

    assert img.size == (60, 40)
    assert is_red(img.getpixel((3, 3)))
    assert is_blue(img.getpixel((56, 3))) and is_blue(img.getpixel((3, 36)))
    assert is_blue(img.getpixel((56, 36)))


@pytest.mark.parametrize("orientation", [6, 8])
def test_rotated_camera_jpeg_is_fitted_after_turning_upright(samples, orientation):
    # Stored 6000x4000 landscape, shown 4000x6000 portrait: decoding at reduced
    # scale must aim at the portrait box, or the result overflows 2160 high.
    source = corpus.oriented_jpeg(samples, orientation, upright_size=(4000, 6000))

    img = opened(prepare(source).jpeg)

    assert img.size == (1440, 2160)
    assert is_red(img.getpixel((20, 20))) and is_blue(img.getpixel((1420, 2140)))


MODES = [
    "1", "L", "LA", "P", "P+transparency", "PA", "RGB", "RGBA", "RGBA half",
    "CMYK JPEG", "CMYK TIFF", "I;16", "I;16B", "I", "F", "RGB 16-bit",
]  # fmt: skip


def test_corpus_has_a_sample_for_every_mode(modes):
    assert sorted(modes) == sorted(MODES)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_becomes_srgb_rgb_of_the_right_colour(modes, mode):
    path, colour = modes[mode]

    img = opened(prepare(path).jpeg)

    assert img.mode == "RGB" and img.size == (64, 48)
    assert near(img.getpixel((32, 24)), colour), f"{mode}: {img.getpixel((32, 24))} != {colour}"


def test_sixteen_bit_mid_grey_stays_mid_grey_not_white(modes):
    path, _ = modes["I;16"]
    assert Image.open(path).getpixel((0, 0)) == 32768

    assert near(opened(prepare(path).jpeg).getpixel((5, 5)), (128, 128, 128), 1)


def test_transparency_is_flattened_on_white_by_default_or_on_the_given_background(modes):
    path, _ = modes["RGBA"]

    assert near(opened(prepare(path).jpeg).getpixel((5, 5)), (255, 255, 255))
    assert near(opened(prepare(path, background=(0, 0, 0)).jpeg).getpixel((5, 5)), (0, 0, 0))


def test_adobe_cmyk_jpeg_keeps_its_colour(modes):
    path, _ = modes["CMYK JPEG"]
    assert Image.open(path).info.get("adobe") is not None

    assert near(opened(prepare(path).jpeg).getpixel((5, 5)), corpus.RED, 4)


def test_embedded_icc_profile_is_converted_to_srgb(samples):
    path = corpus.icc_sample(samples, corpus.linear_srgb_profile())

    # Linear-light grey 64 is sRGB grey 137; copying the numbers would give 64.
    assert near(opened(prepare(path).jpeg).getpixel((5, 5)), (137, 137, 137))


def test_broken_icc_profile_is_ignored_not_rejected(samples):
    path = corpus.icc_sample(samples, b"not a colour profile", name="broken-profile.png")

    assert near(opened(prepare(path).jpeg).getpixel((5, 5)), (64, 64, 64))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "HEIF"])
def test_every_supported_format_is_read(formats, fmt):
    result = prepare(formats[fmt])

    img = opened(result.jpeg)
    assert result.source_format == fmt
    assert img.size == (64, 48)
    assert is_red(img.getpixel((3, 3))) and is_blue(img.getpixel((60, 44)))


@pytest.mark.parametrize("fmt", ["GIF", "MPO"])
def test_only_the_first_frame_of_a_multi_frame_file_is_used(formats, fmt):
    path = formats[fmt]
    assert Image.open(path).n_frames == 2

    result = prepare(path)

    assert result.source_format == fmt
    img = opened(result.jpeg)
    assert is_red(img.getpixel((3, 3))) and is_red(img.getpixel((60, 44)))


def test_bytes_path_and_file_objects_give_the_same_jpeg(formats):
    path = formats["PNG"]

    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    with open(path, "rb") as file:
        from_file = prepare(file)
    results = [
        prepare(path),
        prepare(str(path)),
        prepare(path.read_bytes()),
        from_file,
        prepare(Pipe(path.read_bytes())),
    ]

    assert len({result.sha256 for result in results}) == 1


def test_missing_path_is_the_callers_error_not_a_rejected_picture(samples):
    with pytest.raises(FileNotFoundError):
        prepare(samples / "no-such-file.jpg")


def test_vision_copy_is_a_small_baseline_jpeg(samples):
    tv = prepare(corpus.save(samples, "photo.jpg", corpus.marked((6000, 4000)), "JPEG"))

    small = vision_copy(tv.jpeg)

    img = opened(small)
    assert img.size == (1080, 720)
    assert SOF_BASELINE in header_markers(small)
    assert len(small) < len(tv.jpeg)


# Measured with the code before prepare() made the copies (each copy then read
# the TV JPEG again, drafted to 1/2, 1/4 or 1/8, which rounds its own way):
# (upright source, EXIF orientation, TV image, thumbnail, vision copy).
TODAYS_SIZES = [
    ((6000, 4000), 1, (3240, 2160), (480, 320), (1080, 720)),
    ((4000, 6000), 6, (1440, 2160), (320, 480), (480, 720)),
    ((7680, 2570), 1, (3840, 1285), (480, 161), (1280, 429)),
    ((2570, 7680), 8, (723, 2160), (161, 480), (241, 720)),
    ((12000, 3000), 3, (3840, 960), (480, 120), (1280, 320)),
    ((3000, 1000), 5, (3000, 1000), (480, 160), (1280, 427)),
    ((1000, 1000), 1, (1000, 1000), (480, 480), (720, 720)),
    ((300, 200), 1, (300, 200), (300, 200), (300, 200)),
    ((5000, 37), 1, (3840, 28), (480, 4), (1280, 9)),
]


@pytest.mark.parametrize(("upright", "orientation", "tv", "thumbnail", "vision"), TODAYS_SIZES)
def test_the_copies_come_upright_in_the_sizes_they_had_when_made_from_the_tv_jpeg(
    tmp_path, upright, orientation, tv, thumbnail, vision
):
    source = corpus.oriented_jpeg(tmp_path, orientation, upright)

    result = prepare(source, copies=imaging.COPIES)

    assert (result.width, result.height) == opened(result.jpeg).size == tv
    assert sorted(result.copies) == ["thumbnail", "vision"]
    for name, size in [("thumbnail", thumbnail), ("vision", vision)]:
        img = opened(result.copies[name])
        assert img.size == size, name
        assert SOF_BASELINE in header_markers(result.copies[name])
        width, height = size
        if min(size) >= 20:  # the red third is top-left: upright, not mirrored
            assert is_red(img.getpixel((width // 10, height // 10))), name
            assert is_blue(img.getpixel((width - 1 - width // 10, height // 10))), name
            assert is_blue(img.getpixel((width // 10, height - 1 - height // 10))), name


def test_copies_are_smaller_jpegs_at_the_copy_quality(samples):
    source = corpus.save(samples, "photo-copies.jpg", corpus.photo_like((3000, 2000)), "JPEG")

    rough = prepare(source, copies={"small": (600, 600)}, copy_quality=30)
    fine = prepare(source, copies={"small": (600, 600)}, copy_quality=95)

    assert rough.jpeg == fine.jpeg
    assert opened(rough.copies["small"]).size == opened(fine.copies["small"]).size == (600, 400)
    assert len(rough.copies["small"]) < len(fine.copies["small"]) < len(fine.jpeg)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (corpus.truncated_jpeg, "This file is not a picture Docent can read (truncated JPEG)"),
        (corpus.bomb_png, "This image is too large to open safely (more than 179 megapixels)"),
        (corpus.text_file, "This file is not a picture Docent can read (Docent reads JPEG,"),
        (corpus.unsupported_sample, "This file is not a picture Docent can read (Docent reads"),
        (corpus.zero_width_png, "This file is not a picture Docent can read"),
        (corpus.empty_file, "This file is empty"),
    ],
    ids=["truncated", "bomb", "text", "bmp", "zero width", "empty"],
)
def test_unusable_file_is_rejected_with_a_readable_message(samples, make, message):
    with pytest.raises(ImageRejected) as rejected:
        prepare(make(samples))

    assert isinstance(rejected.value, Rejected) and not rejected.value.transient
    assert str(rejected.value).startswith(message)
    assert not any(leak in str(rejected.value) for leak in ("Traceback", "PIL", "<_io", "Error"))


@pytest.mark.filterwarnings("ignore")  # Pillow warns about corrupt EXIF and huge claimed sizes
def test_damaged_files_are_rejected_and_never_crash(formats, modes):
    rng = random.Random(20260131)
    originals = [path.read_bytes() for path in formats.values()]
    originals += [path.read_bytes() for path, _ in modes.values()]
    for original in originals:
        for _ in range(25):
            damaged = bytearray(original)
            if rng.random() < 0.5:
                damaged = damaged[: rng.randrange(1, len(damaged))]
            for _ in range(rng.randint(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                prepare(bytes(damaged))
            except ImageRejected as rejected:
                assert str(rejected).startswith("This ")


def test_picture_over_the_pixel_limit_is_rejected_before_decoding(samples):
    # The file holds no pixel data: decoding it would fail as a damaged PNG.
    path = corpus.bomb_png(samples, size=(3000, 1000))

    with pytest.raises(ImageRejected) as rejected:
        prepare(path, max_pixels=2_000_000)

    assert str(rejected.value) == (
        "This image is too large to open safely (3 megapixels; the limit is 2)"
    )


@pytest.mark.parametrize("make", [corpus.deep_png, corpus.deep_tiff], ids=["png", "tiff"])
def test_small_file_that_would_unpack_to_gigabytes_is_refused_by_its_memory_need(samples, make):
    # 121 MP passes the pixel limits; as 16-bit grey it would take ~1.4 GB to
    # prepare. The file holds no pixels: decoding it would fail as truncated.
    path = make(samples, (11000, 11000))
    assert path.stat().st_size < 1000

    with pytest.raises(ImageRejected) as rejected:
        prepare(path)

    assert str(rejected.value) == (
        "This image would need about 1,385 MB of memory to prepare (11000x11000, I;16); "
        "the limit is 1,024 MB (IMAGE_MEMORY_LIMIT_MB)"
    )


def test_memory_budget_counts_bytes_not_only_pixels(samples):
    # The same number of pixels: 8-bit grey fits in 300 MB, 16-bit grey does not.
    grey = samples / "grey-8000x3000.png"
    Image.new("L", (8000, 3000), 128).save(grey)
    deep = samples / "grey16-8000x3000.png"
    Image.new("I;16", (8000, 3000), 32768).save(deep)

    assert prepare(grey, max_decode_bytes=300 * 2**20).width == 3840
    with pytest.raises(ImageRejected, match="would need about 275 MB"):
        prepare(deep, max_decode_bytes=200 * 2**20)


MEMORY_STARVED_CHILD = """
import resource, sys
from docentsite.artwork.imaging import ImageRejected, prepare

with open("/proc/self/status") as status:
    size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
# Room for Python itself to go on, not for a 48 MP decode.
limit = size_kb * 1024 + 120 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    prepare(sys.argv[1], max_decode_bytes=2**40)
except ImageRejected as exc:
    print("rejected:", exc)
# The process is still fine once the picture is given up.
print("alive:", len(bytearray(10 * 2**20)))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux VmSize")
def test_running_out_of_memory_is_a_readable_rejection_and_the_process_survives(samples):
    path = samples / "rgb-8000x6000.png"
    Image.new("RGB", (8000, 6000), (10, 20, 30)).save(path)

    done = subprocess.run(
        [sys.executable, "-c", MEMORY_STARVED_CHILD, str(path)],
        cwd=corpus.ROOT, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "rejected: There was not enough memory to prepare this picture" in done.stdout
    assert "alive: 10485760" in done.stdout


def test_pillow_bomb_warning_is_a_rejection_when_warnings_are_errors(samples):
    # 100 MP is above Pillow's warning line (89 MP) but below its error line.
    path = corpus.bomb_png(samples, size=(10_000, 10_000))

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(ImageRejected, match="more than 89 megapixels"):
            prepare(path)


# A 12000x8400 JPEG decoded at full size is 403 MB (Pillow keeps RGB in 4 bytes
# a pixel) before any resizing copy. Decoded at half scale it is 101 MB, plus
# ~70 MB for the resizing passes and the copies: measured 173 MB over the import
# baseline (libvips: 142 MB). 250 MB, the most issue 11 allows, leaves room for
# allocator noise and still fails any full-size decode.
HUNDRED_MEGAPIXEL_BUDGET_MB = 250


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux VmHWM")
def test_hundred_megapixel_jpeg_is_prepared_without_decoding_at_full_size(samples, engine):
    path = samples / "big-12000x8400.jpg"
    if not path.exists():
        corpus.big_jpeg(samples)

    run = corpus.prepare_in_child(path, engine)

    assert (run["width"], run["height"]) == (3086, 2160)
    assert run["peak_mb"] - run["import_mb"] < HUNDRED_MEGAPIXEL_BUDGET_MB, run
