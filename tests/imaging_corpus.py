"""Pictures for the imaging tests and benchmark, generated on the fly.

Nothing here is checked in: every sample is drawn with Pillow (or written
byte by byte where Pillow refuses to write such a file) into a directory the
caller owns, usually pytest's tmp_path. Most pictures are BLUE with a RED
block in the top-left corner, so a test can tell where that corner ended up.
``prepare_in_child`` runs imaging.prepare in a fresh process to measure it.
"""

import io
import json
import os
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image, ImageChops, ImageDraw

pillow_heif.register_heif_opener()

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)
GRAIN = 10  # standard deviation in levels; gives photo-like JPEG sizes


def marked(size: tuple[int, int]) -> Image.Image:
    """BLUE, with a RED block covering the top-left third of each side."""
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, max(1, size[0] // 3), max(1, size[1] // 3)))
    return img


def photo_like(size: tuple[int, int]) -> Image.Image:
    """``marked`` with film grain, so file sizes and decode times resemble a photo's."""
    return _grained(marked(size), GRAIN)


def camera_like(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A landscape with a photo's detail: sky, textured ground, objects with hard edges, grain.

    Flat colours compress to a fraction of a photo's JPEG and so understate the
    time spent decoding and encoding it; this lands near a camera's 3 bits a
    pixel at quality 92. Drawn with Pillow alone, in seconds even at 100 MP.
    """
    width, height = size
    rng = random.Random(seed)
    sky = Image.merge("RGB", [
        Image.linear_gradient("L").resize(size).point(lambda v, a=a, b=b: a + (b - a) * v // 255)
        for a, b in ((70, 190), (120, 210), (200, 235))
    ])
    red, green, blue = (_fractal(size, cells=6, octaves=7) for _ in range(3))
    ground = Image.merge("RGB", [
        red.point(lambda v: v * 7 // 10), green.point(lambda v: v * 8 // 10 + 20),
        blue.point(lambda v: v // 2),
    ])
    horizon, y = [(0, height)], height * 0.45
    for x in range(0, width + 1, max(1, width // 400)):
        y = min(max(y + rng.gauss(0, height * 0.004), height * 0.2), height * 0.7)
        horizon.append((x, y))
    land = Image.new("L", size, 0)
    ImageDraw.Draw(land).polygon([*horizon, (width, height)], fill=255)
    img = Image.composite(ground, sky, land)
    draw = ImageDraw.Draw(img)
    for i in range(600):
        x, y = rng.randrange(width), rng.randrange(int(height * 0.35), height)
        s = rng.randrange(max(2, width // 200), max(3, width // 15))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if i % 3 == 0:
            draw.ellipse((x, y, x + s, y + s * rng.random()), fill=colour)
        elif i % 3 == 1:
            corners = [(x + rng.randrange(-s, s), y + rng.randrange(-s, s)) for _ in range(5)]
            draw.polygon(corners, fill=colour)
        else:
            end = (x + rng.randrange(-s, s), y + rng.randrange(-s, s))
            draw.line((x, y, *end), fill=colour, width=max(1, s // 20))
    detail = _fractal(size, cells=max(2, width // 16), octaves=3)
    img = ImageChops.add(img, Image.merge("RGB", [detail] * 3), offset=-100)
    return _grained(img, 8)


def _fractal(size: tuple[int, int], *, cells: int, octaves: int) -> Image.Image:
    """Value noise over ``octaves`` scales from ``cells`` across: small noise blown up."""
    out, total = None, 0.0
    for octave in range(octaves):
        across = cells * 2**octave
        layer = Image.effect_noise((across, max(2, across * size[1] // size[0])), 64)
        layer = layer.resize(size, Image.Resampling.BICUBIC)
        weight = 0.6**octave
        out = layer if out is None else Image.blend(out, layer, weight / (total + weight))
        total += weight
    return out


def _grained(img: Image.Image, sigma: float) -> Image.Image:
    grain = Image.merge("RGB", [Image.effect_noise((256, 256), sigma) for _ in range(3)])
    # Tiling one small patch of zero-mean grain keeps generation fast and memory
    # at one copy of the picture.
    for top in range(0, img.height, 256):
        for left in range(0, img.width, 256):
            box = (left, top, min(left + 256, img.width), min(top + 256, img.height))
            patch = img.crop(box)
            img.paste(ImageChops.add(patch, grain.crop((0, 0, *patch.size)), offset=-128), box)
    return img


def save(directory: Path, name: str, img: Image.Image, fmt: str, **params) -> Path:
    path = Path(directory) / name
    img.save(path, fmt, **params)
    return path


def write(directory: Path, name: str, data: bytes) -> Path:
    path = Path(directory) / name
    path.write_bytes(data)
    return path


# --- every mode: name -> (file, the sRGB colour the TV image should show) ---


def mode_samples(
    directory: Path, size: tuple[int, int] = (64, 48)
) -> dict[str, tuple[Path, tuple[int, int, int]]]:
    half_black = Image.new("LA", size, (0, 128))
    palette = Image.new("RGB", size, (200, 30, 40)).convert("P", palette=Image.Palette.ADAPTIVE)
    clear_palette = palette.copy()
    clear_palette.info["transparency"] = clear_palette.getpixel((0, 0))
    pa = Image.new("PA", size, (0, 0))
    pa.putpalette([200, 30, 40])
    return {
        "1": (save(directory, "1.png", Image.new("1", size, 1), "PNG"), WHITE),
        "L": (save(directory, "l.png", Image.new("L", size, 100), "PNG"), (100, 100, 100)),
        "LA": (save(directory, "la.png", half_black, "PNG"), (128, 128, 128)),
        "P": (save(directory, "p.png", palette, "PNG"), (200, 30, 40)),
        "P+transparency": (save(directory, "p-clear.png", clear_palette, "PNG"), WHITE),
        "PA": (save(directory, "pa.tiff", pa, "TIFF"), WHITE),
        "RGB": (
            save(directory, "rgb.png", Image.new("RGB", size, (200, 30, 40)), "PNG"),
            (200, 30, 40),
        ),
        "RGBA": (
            save(directory, "rgba.png", Image.new("RGBA", size, (255, 0, 0, 0)), "PNG"),
            WHITE,
        ),
        "RGBA half": (
            save(directory, "rgba-half.png", Image.new("RGBA", size, (255, 0, 0, 128)), "PNG"),
            (255, 127, 127),
        ),
        # Pillow writes CMYK JPEGs the Adobe way (inverted, APP14 marker), as Photoshop does.
        "CMYK JPEG": (
            save(directory, "cmyk.jpg", Image.new("CMYK", size, (0, 255, 255, 0)), "JPEG"),
            RED,
        ),
        "CMYK TIFF": (
            save(directory, "cmyk.tiff", Image.new("CMYK", size, (0, 255, 255, 0)), "TIFF"),
            RED,
        ),
        "I;16": (
            save(directory, "i16.png", Image.new("I;16", size, 32768), "PNG"),
            (128, 128, 128),
        ),
        "I;16B": (
            save(directory, "i16b.tiff", Image.new("I;16B", size, 32768), "TIFF"),
            (128, 128, 128),
        ),
        "I": (save(directory, "i32.tiff", Image.new("I", size, 32768), "TIFF"), (128, 128, 128)),
        "F": (save(directory, "f32.tiff", Image.new("F", size, 0.5), "TIFF"), (128, 128, 128)),
        "RGB 16-bit": (
            write(directory, "rgb16.png", rgb16_png(size, (0x8000, 0x4000, 0xFFFF))),
            (128, 64, 255),
        ),
    }


def rgb16_png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    """A 16-bit-per-channel RGB PNG of one colour (Pillow reads these but cannot write them)."""
    row = b"\x00" + struct.pack(">3H", *colour) * size[0]
    header = struct.pack(">IIBBBBB", size[0], size[1], 16, 2, 0, 0, 0)
    return _png([(b"IHDR", header), (b"IDAT", zlib.compress(row * size[1])), (b"IEND", b"")])


# --- every format: name -> file, each showing marked(size) ---------------------


def format_samples(directory: Path, size: tuple[int, int] = (64, 48)) -> dict[str, Path]:
    img = marked(size)
    red, blue = Image.new("RGB", size, RED), Image.new("RGB", size, BLUE)
    return {
        "JPEG": save(directory, "marked.jpg", img, "JPEG", quality=95),
        "PNG": save(directory, "marked.png", img, "PNG"),
        "WEBP": save(directory, "marked.webp", img, "WEBP", lossless=True),
        "TIFF": save(directory, "marked.tiff", img, "TIFF"),
        "HEIF": save(directory, "marked.heic", img, "HEIF", quality=95),
        # First frame RED, second BLUE: the TV image must be RED.
        "GIF": save(directory, "anim.gif", red, "GIF", save_all=True, append_images=[blue]),
        "MPO": save(directory, "stereo.mpo", red, "MPO", save_all=True, append_images=[blue]),
    }


def unsupported_sample(directory: Path) -> Path:
    return save(directory, "marked.bmp", marked((64, 48)), "BMP")


# --- EXIF orientation ------------------------------------------------------------

# How to store an upright picture so that a viewer applying orientation N shows it
# upright again: the inverse of what ImageOps.exif_transpose does for N.
_STORE_FOR = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def oriented_jpeg(directory: Path, orientation: int, upright_size: tuple[int, int]) -> Path:
    """A JPEG that shows ``marked(upright_size)`` once its EXIF orientation is applied."""
    img = marked(upright_size)
    if orientation in _STORE_FOR:
        img = img.transpose(_STORE_FOR[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(directory, f"orientation-{orientation}.jpg", img, "JPEG", quality=95, exif=exif)


# --- colour profiles -------------------------------------------------------------


def linear_srgb_profile() -> bytes:
    """An ICC v2 RGB profile with sRGB primaries but linear (gamma 1.0) tone curves.

    Pillow can only create sRGB, Lab and XYZ profiles, none of which tag an RGB
    image as "not sRGB", so we write a minimal matrix/TRC display profile by
    hand. A linear mid grey of 64 is an sRGB grey of about 137.
    """
    d50 = (0.9642, 1.0, 0.8249)
    primaries = [(0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)]

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    description = b"Linear sRGB (Docent tests)\0"
    linear = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0100)  # one entry: gamma 1.0
    tags = [
        (
            b"desc",
            b"desc\0\0\0\0"
            + struct.pack(">I", len(description))
            + description
            + b"\0" * 78,  # no Unicode or ScriptCode description
        ),
        (b"cprt", b"text\0\0\0\0public domain\0"),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(primaries[0])),
        (b"gXYZ", xyz(primaries[1])),
        (b"bXYZ", xyz(primaries[2])),
        (b"rTRC", linear),
        (b"gTRC", linear),
        (b"bTRC", linear),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"\0\0\0\0", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + b"".join(struct.pack(">i", round(v * 65536)) for v in d50)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def icc_sample(directory: Path, profile: bytes, name: str = "linear-grey.png") -> Path:
    """A grey-64 PNG tagged with ``profile``."""
    return save(
        directory, name, Image.new("RGB", (64, 48), (64, 64, 64)), "PNG", icc_profile=profile
    )


# --- sizes -----------------------------------------------------------------------


def big_jpeg(directory: Path, size: tuple[int, int] = (12000, 8400), quality: int = 90) -> Path:
    """A photo-like JPEG; the default is 100.8 megapixels (403 MB decoded: Pillow keeps RGB
    in 4 bytes a pixel)."""
    return save(
        directory, f"big-{size[0]}x{size[1]}.jpg", photo_like(size), "JPEG", quality=quality
    )


def panorama_png(directory: Path, size: tuple[int, int] = (12000, 3000)) -> Path:
    return save(directory, "panorama.png", photo_like(size), "PNG", compress_level=1)


def heic(directory: Path, size: tuple[int, int] = (4000, 3000)) -> Path:
    return save(directory, f"photo-{size[0]}x{size[1]}.heic", photo_like(size), "HEIF", quality=85)


def tiny_png(directory: Path) -> Path:
    return save(directory, "tiny.png", marked((16, 16)), "PNG")


# --- broken and hostile files ----------------------------------------------------


def truncated_jpeg(directory: Path) -> Path:
    buffer = io.BytesIO()
    photo_like((640, 480)).save(buffer, "JPEG", quality=90)
    return write(directory, "truncated.jpg", buffer.getvalue()[: buffer.tell() // 2])


def bomb_png(directory: Path, size: tuple[int, int] = (100_000, 100_000)) -> Path:
    """A 65-byte PNG that claims to be ``size`` (10 gigapixels by default) and holds no pixels."""
    header = struct.pack(">IIBBBBB", size[0], size[1], 8, 2, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")]
    return write(directory, f"bomb-{size[0]}x{size[1]}.png", _png(chunks))


def deep_png(directory: Path, size: tuple[int, int]) -> Path:
    """A tiny 16-bit grey PNG whose header claims ``size``: Pillow would decode it as I;16."""
    header = struct.pack(">IIBBBBB", size[0], size[1], 16, 0, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")]
    return write(directory, f"deep-{size[0]}x{size[1]}.png", _png(chunks))


def deep_tiff(directory: Path, size: tuple[int, int]) -> Path:
    """An uncompressed 16-bit grey TIFF header claiming ``size``, with no pixel data."""
    width, height = size
    short, long_ = 3, 4
    entries = [  # (tag, type, value), in tag order as TIFF requires
        (256, long_, width), (257, long_, height), (258, short, 16), (259, short, 1),
        (262, short, 1), (273, long_, 8), (277, short, 1), (278, long_, height),
        (279, long_, width * height * 2),
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == short else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, 1) + packed
    ifd += struct.pack("<I", 0)
    return write(directory, f"deep-{width}x{height}.tif", b"II*\0" + struct.pack("<I", 8) + ifd)


def zero_width_png(directory: Path) -> Path:
    header = struct.pack(">IIBBBBB", 0, 16, 8, 2, 0, 0, 0)
    return write(directory, "zero.png", _png([(b"IHDR", header), (b"IEND", b"")]))


def text_file(directory: Path) -> Path:
    return write(directory, "notes.jpg", b"Shopping list:\n- milk\n- a picture frame\n")


def empty_file(directory: Path) -> Path:
    return write(directory, "empty.jpg", b"")


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body))
    return out


# --- measuring -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]

# VmHWM is the peak resident memory of this process's own address space. The
# obvious ru_maxrss is not: Linux carries the parent's peak over into a child
# started with fork/vfork + exec, so a child of a 600 MB parent reports 600 MB.
_CHILD = """
import json, sys, time

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

from docentsite.artwork import imaging

if sys.argv[2] == "pillow":
    imaging._vips = lambda: None
before = peak_mb()
started = time.perf_counter()
result = imaging.prepare(sys.argv[1], copies=imaging.COPIES)
seconds = time.perf_counter() - started
print(json.dumps({
    "import_mb": before, "peak_mb": peak_mb(), "seconds": seconds,
    "width": result.width, "height": result.height, "jpeg_bytes": len(result.jpeg),
}))
"""


def prepare_in_child(path: Path, engine: str = "any") -> dict:
    """Run prepare(path) with its copies in a new Python process; return its timings and
    peak memory. ``engine="pillow"`` leaves libvips out."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), engine],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"prepare({path}) failed in the child:\n{done.stderr}")
    return json.loads(done.stdout)
