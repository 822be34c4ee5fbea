"""How each picture meets the TV's 16:9 panel: its framing and its crop box.

*fill* crops the original to a 16:9 window (the crop box: chosen by smart crop,
or by hand in the crop editor) and scales it to the panel; *fit* scales the
whole picture into the panel on a plain matte-coloured ground, at the panel's
exact size so the TV accepts a matte on it; *as is* shrinks the picture to fit,
as Docent always did. The original is kept, so a picture can be framed again.

Crop boxes are `{"x", "y", "w", "h", "source"}` in the original's upright
pixels, rounded to whole pixels, with `source` the word for who chose it (at most
16 characters), exactly as the original Docent writes `crop_box` in
artwork_meta.json.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from docentsite.artwork import imaging
from docentsite.artwork.errors import Rejected
from docentsite.artwork.mattes import COLOURS
from docentsite.artwork.models import TV, Artwork, CropSource, Framing, Status

logger = logging.getLogger(__name__)

#: The Frame's panel: fill and fit make exactly this size (its mattes need it).
PANEL = (3840, 2160)
#: The original Docent cuts a crop box's source word to this many characters.
SOURCE_LENGTH = 16


class FramingRejected(Rejected):
    """A framing or crop box that cannot be used on this picture."""


@dataclass(frozen=True)
class Framed:
    """A picture prepared for the TV, and how it was framed."""

    prepared: imaging.PreparedImage
    framing: str
    #: The crop box fill used (None for fit and as is, and for a picture never filled).
    crop_box: dict | None


def crop_box_clean(box, *, width: int, height: int, source: str | None = None) -> dict:
    """``box`` as the original Docent stores a crop box: whole pixels, inside a picture
    of ``width`` x ``height`` (upright), keys in its order. Raises FramingRejected for
    a box that is not one or lies outside the picture."""
    if not isinstance(box, dict) or not {"x", "y", "w", "h"} <= box.keys():
        raise FramingRejected("A crop box needs x, y, w and h")
    try:
        x, y, w, h = (round(float(box[key])) for key in ("x", "y", "w", "h"))
    except (TypeError, ValueError, OverflowError) as exc:
        raise FramingRejected("A crop box's x, y, w and h are numbers of pixels") from exc
    if w < 1 or h < 1:
        raise FramingRejected(f"A crop box must have a size, not {w}x{h}")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise FramingRejected(
            f"The crop box {w}x{h} at ({x}, {y}) goes outside the picture ({width}x{height})")
    word = source if source is not None else box.get("source", CropSource.MANUAL)
    return {"x": x, "y": y, "w": w, "h": h, "source": str(word)[:SOURCE_LENGTH]}


def framing_for(*, artwork: Artwork, width: int, height: int) -> str:
    """The framing a picture of ``width`` x ``height`` (upright) gets: its own when
    chosen, else the first of its TVs' that has one, else its source's
    (FRAMING_BY_SOURCE), else FRAMING_DEFAULT. A default never crops a portrait
    picture to 16:9: it is fitted instead."""
    if artwork.framing:
        return artwork.framing
    chosen = _tv_framing(artwork) or settings.FRAMING_BY_SOURCE.get(str(artwork.source)) \
        or settings.FRAMING_DEFAULT
    if chosen == Framing.FILL and height > width:
        return Framing.FIT
    return chosen


def _tv_framing(artwork: Artwork) -> str | None:
    if artwork.pk is None:
        return None
    tv = (TV.objects.filter(placements__artwork=artwork, framing__isnull=False)
          .order_by("-from_env", "pk").first())
    return tv.framing if tv else None


def fit_colour(artwork: Artwork, *, width: int, height: int) -> tuple[int, int, int]:
    """The ground a fitted picture of ``width`` x ``height`` sits on: the colour of its
    first TV's matte for that shape when Docent knows it, else FRAMING_FIT_COLOUR."""
    tv = None
    if artwork.pk is not None:
        tv = TV.objects.filter(placements__artwork=artwork).order_by("-from_env", "pk").first()
    swatch = settings.FRAMING_FIT_COLOUR
    if tv is not None:
        matte_id = tv.matte_for(width, height)
        known = COLOURS.get(matte_id.partition("_")[2])
        if matte_id != "none" and known:
            swatch = known[1]
    return _rgb(swatch)


def _rgb(swatch: str) -> tuple[int, int, int]:
    return tuple(int(swatch[i:i + 2], 16) for i in (1, 3, 5))


def artwork_image_prepare(
    *, artwork: Artwork, framing: str | None = None, crop_box: dict | None = None
) -> Framed:
    """Prepare ``artwork``'s kept original for the TV with ``framing`` (None: its own or
    the default, framing_for) and, for fill, ``crop_box`` (None: the artwork's own, or
    smart crop's). Touches no row and no stored file."""
    if framing is not None and framing not in Framing.values:
        raise FramingRejected(
            f"{framing!r} is not a framing (one of {', '.join(Framing.values)})")
    header = imaging.upright_size(artwork.original.path)
    width, height = header
    chosen = framing or framing_for(artwork=artwork, width=width, height=height)
    box = crop_box if crop_box is not None else artwork.crop_box
    if box is not None:
        box = crop_box_clean(box, width=width, height=height)
    if crop_box is not None and chosen == Framing.FILL:
        _check_16_9(box)
    crop = (box["x"], box["y"], box["w"], box["h"]) if box and chosen == Framing.FILL else None
    chooser = None
    if chosen == Framing.FILL and crop is None:
        from docentsite.artwork import smartcrop  # OpenCV: loaded by the workers that crop

        chooser = smartcrop.choose
    try:
        prepared = imaging.prepare(
            artwork.original.path,
            quality=settings.JPEG_QUALITY,
            copies=imaging.COPIES,
            max_decode_bytes=settings.IMAGE_MEMORY_LIMIT_MB * 2**20,
            framing=chosen,
            crop=crop,
            chooser=chooser,
            max_size=PANEL,
            fit_colour=fit_colour(artwork, width=width, height=height),
        )
    finally:
        # A preparing worker, or a web process after the crop editor's Save, would
        # otherwise hold the memory of the largest picture it prepared for as long
        # as it runs.
        imaging.memory_give_back()
    if chosen == Framing.FILL and box is None:
        box = crop_box_clean(dict(zip("xywh", prepared.crop, strict=True)), width=width,
                             height=height, source=CropSource.SMARTCROP)
    return Framed(prepared=prepared, framing=chosen, crop_box=box)


def artwork_reframe(
    *, artwork: Artwork, framing: str | None = None, crop_box: dict | None = None
) -> Artwork:
    """Prepare a prepared picture again from its kept original, with a new framing
    and/or crop box (a crop box alone means fill), and record the new JPEG, thumbnail
    and vision copy in place of the old ones.

    Only the library changes: replacing the picture on the TVs it is on (upload the
    new one, then remove the old) is the caller's. Raises FramingRejected when the
    original is gone (a picture adopted from an original Docent's artwork_meta.json
    has none) or the framing or box cannot be used; nothing is changed then.
    """
    if not artwork.original:
        raise FramingRejected(
            f"{artwork}: Docent does not have the original of this picture, so it cannot "
            "frame it again (import it again to get it)")
    if artwork.status != Status.PREPARED:
        raise FramingRejected(f"{artwork}: the picture is not prepared yet")
    if framing is None and crop_box is not None:
        framing = Framing.FILL
    framed = artwork_image_prepare(
        artwork=artwork, framing=framing or artwork.framing, crop_box=crop_box)
    old = [artwork.image.name, artwork.thumbnail.name, artwork.vision.name]
    _store(artwork, framed)
    with transaction.atomic():
        Artwork.objects.filter(pk=artwork.pk).update(**_columns(artwork, framed))
    storage = artwork.image.storage
    for name in old:
        if name and name not in (artwork.image.name, artwork.thumbnail.name, artwork.vision.name):
            storage.delete(name)
    artwork.refresh_from_db()
    return artwork


def artwork_crop_suggestion(*, artwork: Artwork) -> dict:
    """Smart crop's 16:9 box for ``artwork``'s original, a crop box to start the crop
    editor from (the artwork is not changed)."""
    if not artwork.original:
        raise FramingRejected(f"{artwork}: Docent does not have the original of this picture")
    from docentsite.artwork import smartcrop

    width, height = imaging.upright_size(artwork.original.path)
    box = imaging.choose_crop(artwork.original.path, chooser=smartcrop.choose)
    return crop_box_clean(dict(zip("xywh", box, strict=True)), width=width, height=height,
                          source=CropSource.SMARTCROP)


def artwork_crop_second_opinion(*, artwork: Artwork) -> dict | None:
    """The vision model's own 16:9 box for ``artwork``'s original (the largest 16:9 box,
    centred on the subject the model sees), a second opinion beside smart crop's for
    the crop editor; None when no vision model is set or it gives no usable answer
    (never an error: cropping does not wait on a model)."""
    from docentsite.artwork import vision

    if not artwork.original:
        return None
    try:
        config = vision.from_settings()
    except vision.VisionNotConfigured:
        return None
    width, height = imaging.upright_size(artwork.original.path)
    # The whole original, small: the vision copy shows the framed picture.
    whole = imaging.prepare(artwork.original.path, max_size=imaging.VISION_SIZE,
                            quality=imaging.COPY_QUALITY,
                            max_decode_bytes=settings.IMAGE_MEMORY_LIMIT_MB * 2**20)
    try:
        left, top, right, bottom = vision.subject_box(whole.jpeg, config=config)
    except vision.VisionError as exc:
        logger.info("No second opinion on the crop of artwork %s: %s", artwork.pk, exc)
        return None
    w, h = imaging.largest_box((width, height))
    x = min(max(round((left + right) / 2 * width - w / 2), 0), width - w)
    y = min(max(round((top + bottom) / 2 * height - h / 2), 0), height - h)
    return crop_box_clean({"x": x, "y": y, "w": w, "h": h}, width=width, height=height,
                          source=vision.provider_tag(config))


def _check_16_9(box: dict) -> None:
    # Whole pixels cannot always make 16:9 exactly; 2 % off is a box meant as 16:9.
    w, h = box["w"], box["h"]
    if abs(w * 9 - h * 16) > max(16, 0.02 * w * 9):
        raise FramingRejected(f"Fill needs a 16:9 crop box, not {w}x{h}")


def _store(artwork: Artwork, framed: Framed) -> None:
    prepared = framed.prepared
    name = f"{prepared.sha256[:16]}.jpg"
    artwork.image.save(name, ContentFile(prepared.jpeg), save=False)
    artwork.thumbnail.save(name, ContentFile(prepared.copies["thumbnail"]), save=False)
    artwork.vision.save(name, ContentFile(prepared.copies["vision"]), save=False)


def _columns(artwork: Artwork, framed: Framed) -> dict:
    prepared = framed.prepared
    return {
        "image": artwork.image.name,
        "thumbnail": artwork.thumbnail.name,
        "vision": artwork.vision.name,
        "width": prepared.width,
        "height": prepared.height,
        "bytes": len(prepared.jpeg),
        "sha256": prepared.sha256,
        "framing": framed.framing,
        "crop_box": framed.crop_box,
        "original_width": prepared.source_size[0],
        "original_height": prepared.source_size[1],
        "updated_at": timezone.now(),
    }
