"""Turn any picture a person gives us into the JPEG a Frame TV will show.

The Frame shows baseline sRGB JPEGs no larger than its 3840x2160 panel; it
shows a progressive JPEG as a grey square and ignores colour profiles
(docs/frame-tv-protocol.md §9). The gallery's thumbnail and the vision
model's copy are made from the same decoded picture, after it is framed for the
16:9 panel (framing.py says which framing: fill crops to a 16:9 box and scales
to the panel, fit puts the whole picture on a plain ground of the panel's exact
size, as_is only shrinks it to fit). Settings come in as
arguments, so this module runs the same in a view, a task or a script.

Pillow reads every format. A camera's RGB JPEG, the common case and the
costly one, goes through libvips instead where pyvips is installed: it
shrinks the picture as it reads it, frames it, and encodes the TV JPEG while
it makes the copies. A 24 MP photo takes 1.2 times as long as libvips's own
thumbnail and save of the TV JPEG alone (the same framed for fill or fit), a
100 MP one 0.8 times, half the time it takes with Pillow alone
(benchmarks/imaging.py); anything libvips refuses is read again by Pillow,
which then says what is wrong in its own words.
"""

import ctypes
import functools
import hashlib
import io
import math
import os
import struct
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

import pillow_heif
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from docentsite.artwork.errors import Rejected

pillow_heif.register_heif_opener()

# Only the formats people actually send; every other Pillow decoder (EPS via
# Ghostscript, exotic raster formats) is attack surface we do not need. MPO
# (camera multi-picture files) is read by the JPEG opener.
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "HEIF")

THUMBNAIL_SIZE = (480, 480)
VISION_SIZE = (1280, 720)
#: The smaller copies Docent keeps of each picture: the gallery's and the vision model's.
COPIES = {"thumbnail": THUMBNAIL_SIZE, "vision": VISION_SIZE}
COPY_QUALITY = 80
#: The framings prepare() knows (models.Framing).
FRAMINGS = ("fill", "fit", "as_is")
#: The size of the copy a crop chooser looks at.
CHOOSER_SIZE = (1024, 1024)

#: Given a picture, the 16:9 box (x, y, w, h) in its pixels that keeps what matters.
Chooser = Callable[[Image.Image], tuple[int, int, int, int]]

DEFAULT_MAX_PIXELS = 200_000_000
DEFAULT_MAX_DECODE_BYTES = 1024 * 2**20

# The most memory preparing takes per decoded pixel, by the mode Pillow decodes
# to: Pillow keeps every multi-band pixel in 4 bytes, and the decoder's buffers,
# the conversions before resizing and the resizing's own copies add to it.
# Measured (rounded up) with `benchmarks/imaging.py --budget`; the modes not
# measured count as the worst measured.
_PEAK_BYTES_PER_PIXEL = {
    "1": 4, "L": 3, "P": 9, "RGB": 8, "CMYK": 8, "RGBA": 12, "LA": 16, "PA": 16,
    "I;16": 12, "I;16B": 12, "I;16L": 12, "I;16N": 12, "I": 10, "F": 10,
}
_WORST_BYTES_PER_PIXEL = 16
# Formats whose draft() decodes at a reduced scale and whose getexif() reads the header only.
_DRAFTS = ("JPEG", "MPO", "HEIF")

# EXIF orientation -> the transpose that makes the picture upright, as in
# ImageOps.exif_transpose. Orientations 5-8 swap width and height.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# The lines in each tile of the cache the TV JPEG and its largest copy share.
_CACHE_LINES = 16

# _UPRIGHT's transposes, as libvips operations.
_VIPS_UPRIGHT = {
    2: ("fliphor",), 3: ("rot180",), 4: ("flipver",), 5: ("fliphor", "rot270"),
    6: ("rot90",), 7: ("fliphor", "rot90"), 8: ("rot270",),
}

# Pillow shrinks to the TV's size with BICUBIC, not LANCZOS: 10-20 % faster
# preparing, and on camera-like photos 50 dB PSNR away from LANCZOS's result,
# where the JPEG encoding itself is about 40 dB away from its input. The
# copies, small and quick to make, keep LANCZOS's sharper edges.
_RESAMPLE = Image.Resampling.BICUBIC

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# What Pillow and its plugins raise for a file that is damaged or lies about
# itself. Anything else is a bug of ours and should surface as one.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)

_UNREADABLE = (
    "This file is not a picture Docent can read (Docent reads JPEG, PNG, WebP, TIFF, GIF and HEIC)"
)


class ImageRejected(Rejected):
    """The file is not a picture we can turn into a TV image."""


@dataclass(frozen=True)
class PreparedImage:
    jpeg: bytes = field(repr=False)
    width: int
    height: int
    #: Hex SHA-256 of ``jpeg``.
    sha256: str
    #: Pillow's name for the source format: "JPEG", "PNG", "HEIF", "MPO"...
    source_format: str
    #: The smaller JPEGs asked for in ``copies``, by the same names.
    copies: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    #: The original's size, upright.
    source_size: tuple[int, int] = (0, 0)
    #: The box of the original (x, y, w, h, upright pixels) that fill showed; None otherwise.
    crop: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class _Plan:
    """What the header says: how to turn the picture and the sizes to make."""

    orientation: int | None
    icc: bytes | None
    #: The decoded picture's size, upright: the TV image's, for as_is.
    size: tuple[int, int]
    #: Each copy's size, upright.
    copies: dict[str, tuple[int, int]]
    framing: str = "as_is"
    #: The original's size, upright.
    source_size: tuple[int, int] = (0, 0)
    #: The TV image's size: ``size`` for as_is, the panel for fill and fit.
    out_size: tuple[int, int] = (0, 0)
    #: fill's box in the original (upright pixels), when the caller chose it.
    crop: tuple[int, int, int, int] | None = None
    #: The scale (1, 2, 4 or 8) a JPEG is decoded at: 1/shrink of its pixels.
    shrink: int = 1

    @property
    def stored_size(self) -> tuple[int, int]:
        """The TV image's size before it is turned upright."""
        return self.size[::-1] if self.orientation in (5, 6, 7, 8) else self.size


def prepare(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    max_size: tuple[int, int] = (3840, 2160),
    quality: int = 85,
    copies: Mapping[str, tuple[int, int]] | None = None,
    copy_quality: int = COPY_QUALITY,
    background: tuple[int, int, int] = (255, 255, 255),
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
    framing: str = "as_is",
    crop: tuple[int, int, int, int] | None = None,
    chooser: Chooser | None = None,
    fit_colour: tuple[int, int, int] = (244, 244, 241),
) -> PreparedImage:
    """Return ``source`` as an upright, sRGB, baseline JPEG that fits in ``max_size``.

    ``framing`` "as_is" shrinks the picture to fit ``max_size``. "fill" shows the
    box ``crop`` of the original (x, y, w, h in its upright pixels; None: the
    largest 16:9 box, where ``chooser`` puts it, else centred) scaled to exactly
    ``max_size``. "fit" scales the whole picture to fit inside ``max_size`` and
    centres it on a ground of ``fit_colour`` of exactly that size. Fill and fit
    enlarge a smaller picture to the panel.

    ``source`` is the file's bytes, a path or a binary file object; a path is
    not read into memory first (decoders stream it, except HEIC, which
    pillow-heif reads whole). The picture is shrunk to fit, never enlarged;
    transparency is flattened onto ``background`` (white by default); colour
    profiles are converted to sRGB and all metadata is dropped. Only the first
    frame of an animation or multi-picture file is used.

    ``copies`` names smaller JPEGs to make from the same decoded picture, each
    fitted in its box (``COPIES``: the thumbnail and the vision copy), at
    ``copy_quality``; they come back in ``PreparedImage.copies``.

    Pictures with more than ``max_pixels`` pixels, or that would take more than
    ``max_decode_bytes`` of memory to decode and convert (a small PNG of 16-bit
    samples can unpack to gigabytes), are refused before decoding. Pillow's own
    process-wide guard (``2 * Image.MAX_IMAGE_PIXELS``, about 179 megapixels
    unless raised) refuses earlier, whichever is lower.

    Raises ImageRejected with a message fit for a person when the file is empty,
    not a supported picture, damaged, too large, or when memory runs out anyway.
    """
    with _binary(source) as fp:
        if not fp.read(1):
            raise ImageRejected("This file is empty")
        fmt = "file"
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {FRAMINGS}, not {framing!r}")
        try:
            with Image.open(fp, formats=FORMATS) as img:
                fmt = img.format
                plan = _plan(
                    img, max_size=max_size, copies=copies or {}, max_pixels=max_pixels,
                    max_decode_bytes=max_decode_bytes, framing=framing, crop=crop,
                )
                jpegs = None
                if fmt in ("JPEG", "MPO") and img.mode == "RGB":
                    jpegs = _vips_jpegs(
                        source, plan, quality=quality, copy_quality=copy_quality,
                        chooser=chooser, fit_colour=fit_colour)
                if jpegs is None:
                    jpegs = _pillow_jpegs(
                        img, plan, background=background, quality=quality,
                        copy_quality=copy_quality, chooser=chooser, fit_colour=fit_colour,
                    )
        except UnidentifiedImageError as exc:
            raise ImageRejected(_UNREADABLE) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large(_pillow_limit(exc)) from exc
        except _DECODE_ERRORS as exc:
            raise ImageRejected(
                f"This file is not a picture Docent can read ({_fault(exc)} {fmt})"
            ) from exc
        except MemoryError as exc:
            # The estimate guards the decoders we know; this keeps the worker
            # alive when another part of a picture needs more than it foresaw.
            raise ImageRejected(
                "There was not enough memory to prepare this picture: give the worker more "
                "memory, or use a smaller copy of the picture"
            ) from exc
    jpeg, made, used_crop = jpegs
    return PreparedImage(
        jpeg=jpeg,
        width=plan.out_size[0],
        height=plan.out_size[1],
        sha256=hashlib.sha256(jpeg).hexdigest(),
        source_format=fmt,
        copies=made,
        source_size=plan.source_size,
        crop=used_crop,
    )


def memory_give_back() -> None:
    """Hand what preparing pictures freed back to the system, where the C library can.

    glibc keeps freed memory for the process to use again: a worker that has
    prepared 24 MP photos holds 220-290 MB between pictures, 90-170 MB after this
    (about 5 ms a call). Where the C library has no malloc_trim, nothing happens.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc (musl, macOS)
        return None


def upright_size(source: str | os.PathLike) -> tuple[int, int]:
    """The picture's size as it is shown (EXIF orientation applied), from its header."""
    try:
        with Image.open(source, formats=FORMATS) as img:
            turned = img.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
            return img.size[::-1] if turned else img.size
    except UnidentifiedImageError as exc:
        raise ImageRejected(_UNREADABLE) from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected(f"This file is not a picture Docent can read ({_fault(exc)})") from exc


def choose_crop(
    source: str | os.PathLike, *, chooser: Chooser,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
) -> tuple[int, int, int, int]:
    """The largest 16:9 box of the original (x, y, w, h, upright pixels) where
    ``chooser`` puts it, looking at a small upright copy of the picture."""
    try:
        with Image.open(source, formats=FORMATS) as img:
            orientation = img.getexif().get(ExifTags.Base.Orientation)
            turned = orientation in (5, 6, 7, 8)
            upright = img.size[::-1] if turned else img.size
            img.draft("RGB", CHOOSER_SIZE)
            _check_memory(img, max_decode_bytes)
            small = _resizable(img)
            small = small.convert("RGB") if small.mode != "RGB" else small.copy()
        if orientation in _UPRIGHT:
            small = small.transpose(_UPRIGHT[orientation])
        small.thumbnail(CHOOSER_SIZE, Image.Resampling.BILINEAR)
        return place_box(small, upright, chooser)
    except UnidentifiedImageError as exc:
        raise ImageRejected(_UNREADABLE) from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected(f"This file is not a picture Docent can read ({_fault(exc)})") from exc


def largest_box(size: tuple[int, int], aspect: tuple[int, int] = (16, 9)) -> tuple[int, int]:
    """The size of the largest ``aspect`` box inside a picture of ``size``."""
    width, height = size
    if width * aspect[1] > height * aspect[0]:
        return max(1, min(width, round(height * aspect[0] / aspect[1]))), height
    return width, max(1, min(height, round(width * aspect[1] / aspect[0])))


def place_box(
    small: Image.Image | None, upright: tuple[int, int], chooser: Chooser | None,
) -> tuple[int, int, int, int]:
    """The largest 16:9 box of a picture of ``upright`` size, centred where ``chooser``
    centres its box on ``small`` (a copy of the picture), or centred."""
    width, height = upright
    w, h = largest_box(upright)
    if chooser is None:
        return (width - w) // 2, (height - h) // 2, w, h
    bx, by, bw, bh = chooser(small)
    sw, sh = largest_box(small.size)
    return (_place(bx, bw, sw, small.width, w, width), _place(by, bh, sh, small.height, h, height),
            w, h)


def _place(start: int, length: int, largest: int, small: int, wanted: int, full: int) -> int:
    """Where a box of ``wanted`` pixels goes along a side of ``full`` pixels, placed as
    a box of ``length`` at ``start`` is along the small copy's side of ``small``."""
    if length == largest and start == (small - largest) // 2:
        return (full - wanted) // 2  # centred stays centred, whatever the rounding
    if length == largest and small > largest:
        # Where the largest box stops between the two ends, the same share of the way.
        share = min(max(start / (small - largest), 0.0), 1.0)
        return round(share * (full - wanted))
    centre = (start + length / 2) * full / small
    return min(max(round(centre - wanted / 2), 0), full - wanted)


def check_readable(fileobj: BinaryIO) -> None:
    """Refuse, from its header, a file that is not a picture Docent reads.

    Cheap enough to run when a file arrives: Pillow reads the header and
    verify() checks what it can without decoding; preparing still refuses a
    picture damaged further in, or too large (said then, in words).
    """
    try:
        with Image.open(fileobj, formats=FORMATS) as img:
            img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        pass
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise ImageRejected(_UNREADABLE) from exc
    finally:
        fileobj.seek(0)


def vision_copy(
    jpeg: bytes, *, max_size: tuple[int, int] = VISION_SIZE, quality: int = COPY_QUALITY
) -> bytes:
    """Return a smaller JPEG of a prepared image, for the vision model (a picture
    prepared before prepare() made the copy too)."""
    return prepare(jpeg, max_size=max_size, quality=quality).jpeg


@contextmanager
def _binary(source: bytes | str | os.PathLike | BinaryIO) -> Iterator[BinaryIO]:
    # A missing path is the caller's mistake, not a bad picture: open() raises
    # outside the code that turns errors into ImageRejected.
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as fp:
            yield fp
    elif source.seekable():
        yield source
    else:
        # prepare() peeks at the first byte and Pillow then seeks back to the
        # start, which a pipe or socket cannot do.
        yield io.BytesIO(source.read())


def _plan(
    img: Image.Image,
    *,
    max_size: tuple[int, int],
    copies: Mapping[str, tuple[int, int]],
    max_pixels: int,
    max_decode_bytes: int,
    framing: str = "as_is",
    crop: tuple[int, int, int, int] | None = None,
) -> _Plan:
    """Read what the header tells and refuse what is too large; leave ``img`` drafted."""
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageRejected(f"This image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise _too_large(
            f"{width * height / 1e6:.0f} megapixels; the limit is {max_pixels / 1e6:.0f}"
        )
    if img.format not in _DRAFTS:
        # Before getexif(): Pillow decodes a whole PNG to look for EXIF after its pixels.
        _check_memory(img, max_decode_bytes)
    icc = img.info.get("icc_profile")
    orientation = img.getexif().get(ExifTags.Base.Orientation)
    turned = orientation in (5, 6, 7, 8)
    upright = (height, width) if turned else (width, height)
    target = _decode_target(upright, max_size, framing, crop)
    # We shrink before turning upright, so the box is turned the stored way.
    box = target[::-1] if turned else target
    # JPEG decodes straight to 1/2, 1/4 or 1/8 scale (a 100 MP photo then never
    # exists in memory at full size); HEIF may pick a big-enough embedded
    # thumbnail; other formats ignore this.
    stored_width = img.width
    img.draft("RGB", _fit(img.size, box))
    _check_memory(img, max_decode_bytes)
    stored = _thumbnail_size(img.size, box)
    size = stored[::-1] if turned else stored
    out_size = size if framing == "as_is" else max_size
    return _Plan(
        orientation=orientation,
        icc=icc,
        size=size,
        copies={name: _copy_size(out_size, copy_box) for name, copy_box in copies.items()},
        framing=framing,
        source_size=upright,
        out_size=out_size,
        crop=crop,
        shrink=round(stored_width / img.width) if img.format in ("JPEG", "MPO") else 1,
    )


def _decode_target(
    upright: tuple[int, int], panel: tuple[int, int], framing: str,
    crop: tuple[int, int, int, int] | None,
) -> tuple[int, int]:
    """The box the picture is shrunk into before framing: just big enough that the part
    shown still has the panel's pixels (never bigger than the original)."""
    if framing == "as_is":
        return panel
    if framing == "fill":
        shown = crop[2:] if crop else largest_box(upright)
        scale = max(panel[0] / shown[0], panel[1] / shown[1])
    else:
        scale = min(panel[0] / upright[0], panel[1] / upright[1])
    if scale >= 1:
        return upright
    return max(1, math.ceil(upright[0] * scale)), max(1, math.ceil(upright[1] * scale))


def _pillow_jpegs(
    img: Image.Image, plan: _Plan, *, background: tuple[int, int, int], quality: int,
    copy_quality: int, chooser: Chooser | None = None,
    fit_colour: tuple[int, int, int] = (244, 244, 241),
) -> tuple[bytes, dict[str, bytes], tuple[int, int, int, int] | None]:
    decoded, img = img, _resizable(img).resize(plan.stored_size, _RESAMPLE, reducing_gap=2.0)
    # The full picture is not needed past here: its memory goes back now, not
    # when prepare() is done with the TV JPEG and the copies.
    decoded.close()
    if plan.orientation in _UPRIGHT:
        img = img.transpose(_UPRIGHT[plan.orientation])
    return _framed_jpegs(
        _srgb(img, plan.icc, background), plan, chooser=chooser, fit_colour=fit_colour,
        quality=quality, copy_quality=copy_quality)


def _framed_jpegs(
    tv: Image.Image, plan: _Plan, *, chooser: Chooser | None,
    fit_colour: tuple[int, int, int], quality: int, copy_quality: int,
) -> tuple[bytes, dict[str, bytes], tuple[int, int, int, int] | None]:
    """Frame the upright sRGB picture and make the TV JPEG and the copies from it."""
    tv, crop = _frame(tv, plan, chooser=chooser, fit_colour=fit_colour)
    copies, source = {}, tv
    for name, size in _largest_first(plan.copies):
        small = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        if source is tv:  # the largest: the next ones are made from it, as libvips does
            source = small
        copies[name] = _jpeg(small, copy_quality)
    return _jpeg(tv, quality), {name: copies[name] for name in plan.copies}, crop


def _frame(
    img: Image.Image, plan: _Plan, *, chooser: Chooser | None,
    fit_colour: tuple[int, int, int],
) -> tuple[Image.Image, tuple[int, int, int, int] | None]:
    """``img`` (the decoded picture, upright) framed for the panel, and fill's box."""
    if plan.framing == "as_is":
        return img, None
    width, height = plan.source_size
    panel = plan.out_size
    if plan.framing == "fit":
        fitted = _fitted(plan.source_size, panel)
        if img.size != fitted:
            img = img.resize(fitted, _RESAMPLE)
        ground = Image.new("RGB", panel, fit_colour)
        ground.paste(img, ((panel[0] - fitted[0]) // 2, (panel[1] - fitted[1]) // 2))
        return ground, None
    crop = plan.crop
    if crop is None:
        small = img.copy()
        small.thumbnail(CHOOSER_SIZE, Image.Resampling.BILINEAR)
        crop = place_box(small, plan.source_size, chooser)
    x, y, w, h = crop
    sx, sy = img.width / width, img.height / height
    # Pillow resizes a box of fractional pixels: the decoded copy is smaller than the
    # original, and the box keeps its place exactly.
    area = (x * sx, y * sy, (x + w) * sx, (y + h) * sy)
    return img.resize(panel, _RESAMPLE, box=area, reducing_gap=2.0), crop


def _fitted(size: tuple[int, int], panel: tuple[int, int]) -> tuple[int, int]:
    """The size fit scales a picture of ``size`` (upright) to, inside ``panel``."""
    scale = min(panel[0] / size[0], panel[1] / size[1])
    return (min(panel[0], max(1, round(size[0] * scale))),
            min(panel[1], max(1, round(size[1] * scale))))


def _jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=True, progressive=False, subsampling="4:2:0")
    return out.getvalue()


@functools.cache
def _vips():
    try:
        import pyvips
    except Exception:  # not installed, or no libvips it can load: Pillow does it all
        return None
    if not pyvips.at_least_libvips(8, 15):  # jpegsave's keep="none"
        return None
    # Each file is prepared once; cached operations would only hold it open.
    pyvips.cache_set_max(0)
    return pyvips


def _vips_jpegs(
    source: bytes | str | os.PathLike | BinaryIO, plan: _Plan, *, quality: int,
    copy_quality: int, chooser: Chooser | None = None,
    fit_colour: tuple[int, int, int] = (244, 244, 241),
) -> tuple[bytes, dict[str, bytes], tuple[int, int, int, int] | None] | None:
    """The JPEGs and fill's box made by libvips, framed as _framed_jpegs frames them,
    or None to have Pillow make them: no libvips, a file object (Pillow streams
    those), or a file libvips refuses."""
    pyvips = _vips()
    if pyvips is None or not isinstance(source, bytes | str | os.PathLike):
        return None
    # The sizes and the orientation are Pillow's, so both paths make the same
    # pictures (libvips's own reading of a damaged EXIF block might differ).
    panel = plan.out_size
    crop = None
    try:
        if plan.framing == "fit":
            fitted = _fitted(plan.source_size, panel)
            tv = _vips_upright(_vips_load(pyvips, source, fitted, plan), plan.orientation)
            tv = tv.embed((panel[0] - fitted[0]) // 2, (panel[1] - fitted[1]) // 2, *panel,
                          extend="background", background=list(fit_colour))
        else:
            tv = _vips_upright(_vips_load(pyvips, source, plan.size, plan), plan.orientation)
            if plan.framing == "fill":
                tv, crop = _vips_fill(tv, plan, chooser)
        jpeg, copies = _vips_encoded(tv, plan.copies, quality=quality, copy_quality=copy_quality)
    except (pyvips.Error, _NotRGB):
        return None
    return jpeg, copies, crop


class _NotRGB(Exception):
    """libvips decodes the picture to other than 8-bit RGB: Pillow makes it instead."""


def _vips_load(pyvips, source: bytes | str | os.PathLike, size: tuple[int, int], plan: _Plan):
    """The picture, shrunk by libvips to ``size`` (upright) as it is read, not yet turned."""
    width, height = size[::-1] if plan.orientation in (5, 6, 7, 8) else size
    # Decoded at the scale Pillow's draft chose: the smallest that still has the
    # pixels. libvips's own thumbnail leaves at least half of the shrink to its
    # resampler, so it decodes a 100 MP photo at full size for a 4K panel, which
    # takes a third longer (benchmarks/imaging.py); and both engines start from
    # the same pixels.
    load = {"shrink": plan.shrink, "access": "sequential", "fail_on": "error"}
    if isinstance(source, bytes):
        image = pyvips.Image.jpegload_buffer(source, **load)
    else:
        image = pyvips.Image.jpegload(os.fspath(source), **load)
    options = {"height": height, "size": "force", "no_rotate": True}
    if plan.icc:
        options.update(export_profile="srgb", intent="perceptual")
    image = image.thumbnail_image(width, **options)
    if image.bands != 3 or image.format != "uchar":
        raise _NotRGB
    return image


def _vips_upright(image, orientation: int | None):
    if orientation not in _VIPS_UPRIGHT:
        return image
    # Turning needs the whole picture, and the file is read in order: decoded
    # into memory first, then turned there.
    image = image.copy_memory()
    for operation in _VIPS_UPRIGHT[orientation]:
        image = getattr(image, operation)()
    return image


def _vips_fill(image, plan: _Plan, chooser: Chooser | None):
    """``image`` (the decoded picture, upright) cut to fill's box and scaled to the
    panel, as _frame does with Pillow; and the box."""
    width, height = plan.source_size
    panel = plan.out_size
    crop = plan.crop
    if crop is None:
        small = None
        if chooser is not None:
            # The chooser looks at the whole picture before the box is known, so it
            # is decoded into memory once, and the box cut from there.
            image = image.copy_memory()
            thumb = image.thumbnail_image(CHOOSER_SIZE[0], height=CHOOSER_SIZE[1], size="down")
            small = Image.frombytes("RGB", (thumb.width, thumb.height), thumb.write_to_memory())
        crop = place_box(small, plan.source_size, chooser)
    x, y, w, h = crop
    sx, sy = image.width / width, image.height / height
    # Whole pixels of the decoded copy, which has at least the panel's pixels
    # across the box: the box moves by less than one pixel of the TV image.
    left, top = round(x * sx), round(y * sy)
    right, bottom = max(left + 1, round((x + w) * sx)), max(top + 1, round((y + h) * sy))
    image = image.extract_area(left, top, right - left, bottom - top)
    xscale, yscale = panel[0] / image.width, panel[1] / image.height
    if (xscale, yscale) == (1, 1):
        return image, crop
    if min(xscale, yscale) < 1:
        image = image.resize(xscale, vscale=yscale)
        return image.gravity("centre", *panel, extend="copy"), crop  # resize rounds the size
    # Enlarged as Pillow enlarges, pixel centres on pixel centres (resize puts
    # them half a pixel off).
    return image.affine(
        [xscale, 0, 0, yscale], oarea=[0, 0, *panel], odx=(xscale - 1) / 2,
        ody=(yscale - 1) / 2, interpolate=_vips().Interpolate.new("bicubic"), extend="copy",
    ), crop


def _vips_encoded(
    image, copies: Mapping[str, tuple[int, int]], *, quality: int, copy_quality: int,
) -> tuple[bytes, dict[str, bytes]]:
    """The TV JPEG of ``image`` and the copies, from one decode."""
    save = {"optimize_coding": True, "interlace": False, "subsample_mode": "on", "keep": "none"}
    # The TV JPEG is encoded as the picture is decoded, and on the other core the
    # largest copy is made at the same time from a cache that keeps every line
    # decoded: whichever asks for a line first has it decoded, the other reads it
    # from the cache. The smaller copies are made from the largest. Decoding into
    # memory first, then encoding while making each copy from the whole picture,
    # took 1.27-1.31 times libvips's own thumbnail and save at 24 MP; this takes
    # 1.2 (benchmarks/imaging.py). Both ask for the lines nearly in order, as the
    # sequential read needs; should one come too far behind, libvips says so and
    # Pillow prepares the picture instead.
    if not copies:
        return image.jpegsave_buffer(Q=quality, **save), {}
    cached = image.tilecache(
        tile_width=image.width, tile_height=_CACHE_LINES, max_tiles=-1, threaded=True,
        persistent=True)
    with ThreadPoolExecutor(1) as beside:
        made = beside.submit(_vips_copies, cached, copies, quality=copy_quality, save=save)
        jpeg = cached.jpegsave_buffer(Q=quality, **save)
        return jpeg, made.result()


def _vips_copies(image, copies: Mapping[str, tuple[int, int]], *, quality: int,
                 save: dict) -> dict[str, bytes]:
    made = {}
    for name, size in _largest_first(copies):
        small = image.thumbnail_image(size[0], height=size[1], size="force", no_rotate=True)
        if not made:  # the largest: the next ones are made from its pixels
            image = small = small.copy_memory()
        made[name] = small.jpegsave_buffer(Q=quality, **save)
    return {name: made[name] for name in copies}


def _largest_first(copies: Mapping[str, tuple[int, int]]) -> list[tuple[str, tuple[int, int]]]:
    """The copies by size, the largest first: each engine makes the others from it."""
    return sorted(copies.items(), key=lambda copy: -copy[1][0] * copy[1][1])


def _check_memory(img: Image.Image, max_decode_bytes: int) -> None:
    needed = decode_bytes(img)
    if needed > max_decode_bytes:
        raise ImageRejected(
            f"This image would need about {needed / 2**20:,.0f} MB of memory to prepare "
            f"({img.width}x{img.height}, {img.mode}); the limit is "
            f"{max_decode_bytes / 2**20:,.0f} MB (IMAGE_MEMORY_LIMIT_MB)"
        )


def decode_bytes(img: Image.Image) -> int:
    """The most memory preparing ``img`` takes, from its header alone (after draft())."""
    per_pixel = _PEAK_BYTES_PER_PIXEL.get(img.mode, _WORST_BYTES_PER_PIXEL)
    return img.width * img.height * per_pixel


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _thumbnail_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size Image.thumbnail(box) gives a picture of ``size``, rounded as Pillow does."""
    width, height = size
    x, y = box
    if x >= width and y >= height:
        return size
    aspect = width / height
    if x / y >= aspect:
        return _round_aspect(y * aspect, lambda n: abs(aspect - n / y)), y
    return x, _round_aspect(x / aspect, lambda n: 0 if n == 0 else abs(aspect - x / n))


def _round_aspect(number: float, key) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def _copy_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """A copy's size, as it was when copies were made by reading the TV JPEG again:
    drafted to 1/2, 1/4 or 1/8 scale first, then thumbnail(box). Both round, and
    the same picture keeps the same thumbnail size across that change."""
    wanted = _fit(size, box)
    scale = next(s for s in (8, 4, 2, 1) if min(size[0] // wanted[0], size[1] // wanted[1]) >= s)
    drafted = (-(-size[0] // scale), -(-size[1] // scale))
    return _thumbnail_size(drafted, box)


def _resizable(img: Image.Image) -> Image.Image:
    """Bring the image to L, RGB, RGBA or CMYK, which Pillow resizes."""
    if img.mode in ("L", "RGB", "RGBA", "CMYK"):
        return img
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        return _eight_bit(img)
    if img.mode == "1":
        return img.convert("L")
    return img.convert("RGBA" if img.has_transparency_data else "RGB")


def _eight_bit(img: Image.Image) -> Image.Image:
    # Pillow's convert("L") clips these to 0-255, so a 16-bit mid grey (32768)
    # would come out white. Scale the sample range down instead.
    if img.mode.startswith("I;16"):
        img, top = img.convert("I"), 65535
    else:
        top = img.getextrema()[1]
        if img.mode == "F" and top <= 1:
            top = 1.0
        elif top <= 255:
            top = 255
        elif top <= 65535:
            top = 65535
    return img.point(lambda v: v * 255 / top + 0.5).convert("L")


def _srgb(img: Image.Image, icc: bytes | None, background: tuple[int, int, int]) -> Image.Image:
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
            img = ImageCms.profileToProfile(img, profile, _SRGB, outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # A broken or mismatched profile: show the pixels as stored rather than refuse.
    if img.mode == "RGBA":
        flat = Image.new("RGB", img.size, background)
        flat.paste(img, mask=img.getchannel("A"))
        return flat
    # Our own image by now (resized or turned), so no copy of an RGB one is needed.
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    rgb.info = {}  # the JPEG writer would otherwise copy a source comment
    return rgb


def _fault(exc: Exception) -> str:
    text = str(exc).lower()
    return "truncated" if "truncated" in text or "end of file" in text else "damaged or unsupported"


def _pillow_limit(exc: Exception) -> str:
    # Pillow warns above MAX_IMAGE_PIXELS (an error only if warnings are made
    # errors) and refuses above twice that.
    limit = Image.MAX_IMAGE_PIXELS or 0
    if isinstance(exc, Image.DecompressionBombError):
        limit *= 2
    return f"more than {limit / 1e6:.0f} megapixels"


def _too_large(detail: str) -> ImageRejected:
    return ImageRejected(f"This image is too large to open safely ({detail})")
