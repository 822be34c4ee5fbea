"""Where to put a 16:9 window on a picture so that what matters stays in it."""

from PIL import Image

ASPECT = 16 / 9


def largest_box(size: tuple[int, int], aspect: float = ASPECT) -> tuple[int, int]:
    """The size of the largest ``aspect`` box inside a picture of ``size``."""
    width, height = size
    if width / height > aspect:
        return max(1, min(width, round(height * aspect))), height
    return width, max(1, min(height, round(width / aspect)))


def centre(img: Image.Image) -> tuple[int, int, int, int]:
    """The largest 16:9 box, centred: the baseline."""
    w, h = largest_box(img.size)
    return (img.width - w) // 2, (img.height - h) // 2, w, h


def choose(img: Image.Image) -> tuple[int, int, int, int]:
    """The largest 16:9 box (x, y, w, h) in ``img``'s pixels that keeps what matters."""
    return centre(img)
