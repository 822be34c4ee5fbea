"""Turn any picture a person gives us into the JPEG a Frame TV will show.

The Frame shows baseline sRGB JPEGs no larger than its 3840x2160 panel; it
shows a progressive JPEG as a grey square and ignores colour profiles
(docs/frame-tv-protocol.md §9). Everything here is plain Pillow: settings come
in as arguments, so this module runs the same in a view, a task or a script.
"""

import hashlib
import io
import os
import struct
from collections.abc import Iterator
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


def prepare(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    max_size: tuple[int, int] = (3840, 2160),
    quality: int = 85,
    background: tuple[int, int, int] = (255, 255, 255),
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
) -> PreparedImage:
    """Return ``source`` as an upright, sRGB, baseline JPEG that fits in ``max_size``.

    ``source`` is the file's bytes, a path or a binary file object; a path is
    not read into memory first (decoders stream it, except HEIC, which
    pillow-heif reads whole). The picture is shrunk to fit, never enlarged;
    transparency is flattened onto ``background`` (white by default); colour
    profiles are converted to sRGB and all metadata is dropped. Only the first
    frame of an animation or multi-picture file is used.

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
        try:
            with Image.open(fp, formats=FORMATS) as img:
                fmt = img.format
                rgb = _render(
                    img, max_size=max_size, background=background, max_pixels=max_pixels,
                    max_decode_bytes=max_decode_bytes,
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
    out = io.BytesIO()
    try:
        rgb.save(
            out, "JPEG", quality=quality, optimize=True, progressive=False, subsampling="4:2:0"
        )
    except MemoryError as exc:
        raise ImageRejected("There was not enough memory to write this picture as a JPEG") from exc
    jpeg = out.getvalue()
    return PreparedImage(
        jpeg=jpeg,
        width=rgb.width,
        height=rgb.height,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        source_format=fmt,
    )


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
    jpeg: bytes, *, max_size: tuple[int, int] = (1280, 720), quality: int = 80
) -> bytes:
    """Return a smaller JPEG of a prepared image, for the vision model."""
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


def _render(
    img: Image.Image,
    *,
    max_size: tuple[int, int],
    background: tuple[int, int, int],
    max_pixels: int,
    max_decode_bytes: int,
) -> Image.Image:
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
    # We shrink before turning upright, so the box is turned the stored way.
    box = max_size[::-1] if orientation in (5, 6, 7, 8) else max_size
    # JPEG decodes straight to 1/2, 1/4 or 1/8 scale (a 100 MP photo then never
    # exists in memory at full size); HEIF may pick a big-enough embedded
    # thumbnail; other formats ignore this.
    img.draft("RGB", _fit(img.size, box))
    _check_memory(img, max_decode_bytes)
    img = _resizable(img)
    img.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=2.0)
    if orientation in _UPRIGHT:
        img = img.transpose(_UPRIGHT[orientation])
    return _srgb(img, icc, background)


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


def _resizable(img: Image.Image) -> Image.Image:
    """Bring the image to L, RGB, RGBA or CMYK, which resize with LANCZOS."""
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
    rgb = img.convert("RGB")
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
