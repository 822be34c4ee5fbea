"""The crop editor's arithmetic and picture: a 16:9 box checked against the original,
and the display-size copy of the original the editor shows.

Boxes are in the original's upright pixel coordinates (EXIF orientation applied),
as `crop_box` is kept in artwork_meta.json: {x, y, w, h, source}.
"""

import contextlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from docentsite.artwork import framing, imaging
from docentsite.artwork.models import Artwork

#: The Frame's panel: every crop box has its shape.
RATIO = 16 / 9
#: A box whose width and height are this far from 16:9 was not drawn by the editor.
RATIO_SLACK = 0.02
#: Narrower than this the TV would show a blur of a few pixels blown up.
MIN_WIDTH = 64
#: The editor's copy of the original: big enough to place a box to a pixel on a
#: desktop screen, small enough to load at once on a phone.
DISPLAY_SIZE = (1600, 1600)
DISPLAY_QUALITY = 82


class BadCropBox(framing.FramingRejected):
    """A crop box that is not a 16:9 box inside the picture."""


def _largest(width: int, height: int) -> tuple[int, int]:
    return imaging.largest_box((width, height))


@dataclass(frozen=True)
class CropStart:
    """What the editor opens with: the original's size, smart crop's box and the box
    the picture has now (its own crop box, or the suggestion)."""

    width: int
    height: int
    suggested: dict
    current: dict


def crop_editor_start(*, artwork: Artwork) -> CropStart:
    """The editor's start for this artwork; FramingRejected without its original."""
    suggested = framing.artwork_crop_suggestion(artwork=artwork)
    width, height = imaging.upright_size(artwork.original.path)
    current = suggested
    if artwork.crop_box:
        # One adopted from a file made for another copy of the picture: start afresh.
        with contextlib.suppress(framing.FramingRejected):
            current = framing.crop_box_clean(artwork.crop_box, width=width, height=height)
    return CropStart(width=width, height=height, suggested=suggested, current=current)


def box_checked(raw: dict, *, width: int, height: int) -> dict:
    """{x, y, w, h} from the editor's form as whole pixels: a 16:9 box inside a
    width x height picture. A box a little off (rounding, a pixel past an edge) is
    pulled in, keeping its centre; one that is not 16:9 or lies outside is refused."""
    values = {}
    for key, name in (("x", "left edge"), ("y", "top edge"), ("w", "width"), ("h", "height")):
        value = raw.get(key)
        try:
            number = float(str(value).strip())
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise BadCropBox(f"The box's {name} ({key}) must be a number of pixels, "
                             f"not {str(value)[:20]!r}.")
        values[key] = number
    x, y, w, h = values["x"], values["y"], values["w"], values["h"]
    if w <= 0 or h <= 0:
        raise BadCropBox(f"The box must have a width and a height (given {w:g}×{h:g}).")
    if abs(w / h - RATIO) > RATIO * RATIO_SLACK:
        raise BadCropBox(f"The box must be 16:9, the TV's shape (given {w:g}×{h:g}, "
                         f"{w / h:.2f}:1).")
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise BadCropBox(f"The box ({x:g}, {y:g}, {w:g}×{h:g}) lies outside the "
                         f"{width}×{height} picture.")
    most_w, most_h = _largest(width, height)
    w = min(round(w), most_w)
    h = min(round(w / RATIO), most_h)
    if w < min(MIN_WIDTH, most_w):
        raise BadCropBox(f"The box is {w} pixels wide: at least {MIN_WIDTH}, or the TV "
                         "shows a blur.")
    centre_x, centre_y = values["x"] + values["w"] / 2, values["y"] + values["h"] / 2
    x = min(max(round(centre_x - w / 2), 0), width - w)
    y = min(max(round(centre_y - h / 2), 0), height - h)
    return {"x": x, "y": y, "w": w, "h": h}


def display_copy(path: str | Path) -> bytes:
    """The original, upright, at most DISPLAY_SIZE: what the editor draws the box on."""
    with Image.open(path) as img:
        img.draft("RGB", DISPLAY_SIZE)  # a JPEG decodes at a fraction of its size
        img = ImageOps.exif_transpose(img)
        img.thumbnail(DISPLAY_SIZE)
        if img.mode != "RGB":
            img = img.convert("RGB")
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=DISPLAY_QUALITY)
    return buffer.getvalue()
