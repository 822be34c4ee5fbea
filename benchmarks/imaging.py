"""How long imaging.prepare takes and how much memory it needs, per input.

    python benchmarks/imaging.py [--repeat 3]
    python benchmarks/imaging.py --formats [--repeat 3] [--keep DIR]
    python benchmarks/imaging.py --budget

By default, prepares camera-like photos (24 MP and 100 MP JPEGs of
photographic content, generated once and kept in ~/.cache/docent-bench) the
way a picture arriving in Docent is prepared: the TV JPEG, the gallery
thumbnail and the vision copy, with libvips and with Pillow alone (as where
libvips is missing). Beside them, in the same run, the references:
libvips (pyvips: thumbnail + save of the TV JPEG alone) and naive Pillow (open,
exif_transpose, thumbnail, save). Each run is a fresh Python process, so every
peak is that run's own; "peak MB" is the peak RSS over the child's own after
importing its libraries.

--formats generates other inputs (a 100 MP and a 24 MP JPEG, a 12000x3000 PNG
panorama, a 12 MP HEIC; the HEIC takes ~20 s to encode) and prints the time
and peak memory of prepare() with its copies for each.

--budget prepares a 20-megapixel picture in each mode Pillow decodes to and
prints the peak memory per pixel beside the figure imaging.py budgets for
that mode (its estimate must not be lower than what was measured).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import imaging_corpus as corpus  # noqa: E402

INPUTS = [
    ("JPEG 12000x8400 (100 MP)", lambda d: corpus.big_jpeg(d, (12000, 8400))),
    ("JPEG 6000x4000 (24 MP)", lambda d: corpus.big_jpeg(d, (6000, 4000))),
    ("PNG 12000x3000 panorama", lambda d: corpus.panorama_png(d, (12000, 3000))),
    ("HEIC 4000x3000 (12 MP)", lambda d: corpus.heic(d, (4000, 3000))),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per input (default 3)")
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    parser.add_argument("--budget", action="store_true", help="measure memory per pixel by mode")
    parser.add_argument("--formats", action="store_true", help="prepare() of other formats")
    args = parser.parse_args()
    if args.budget:
        with tempfile.TemporaryDirectory() as directory:
            budget(Path(directory))
        return
    if not args.formats:
        compare(args.repeat)
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args.repeat)
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(Path(directory), args.repeat)


def run(directory: Path, repeat: int) -> None:
    header = (
        f"{'input':<26} {'file MB':>8} {'output':>10} {'out KB':>7} "
        f"{'wall s':>7} {'peak MB':>8} {'over import':>12}"
    )
    rows = []
    for name, make in INPUTS:
        print(f"generating {name}...", file=sys.stderr, flush=True)
        path = make(directory)
        runs = [corpus.prepare_in_child(path) for _ in range(repeat)]
        last = runs[-1]
        peak = max(r["peak_mb"] for r in runs)
        baseline = min(r["import_mb"] for r in runs)
        rows.append(
            f"{name:<26} {path.stat().st_size / 1e6:>8.1f} "
            f"{last['width']:>5}x{last['height']:<4} {last['jpeg_bytes'] / 1e3:>7.0f} "
            f"{statistics.median(r['seconds'] for r in runs):>7.2f} "
            f"{peak:>8.0f} {peak - baseline:>12.0f}"
        )
    print(f"prepare(), median wall time and highest peak RSS of {repeat} fresh processes")
    print(header)
    print("-" * len(header))
    print("\n".join(rows))


CACHE = Path.home() / ".cache" / "docent-bench"
CAMERA_SIZES = [(6000, 4000), (12000, 8400)]

# Each child prints {"import_mb", "peak_mb", "seconds"} for one path given as argv[1].
_PEAK = """
import json, sys, time

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
"""
_REPORT = """
seconds = time.perf_counter() - started
print(json.dumps({"import_mb": before, "peak_mb": peak_mb(), "seconds": seconds}))
"""
CONTENDERS = {
    # What artwork_prepare does: the TV JPEG, the gallery thumbnail and the vision copy.
    "Docent prepare": """
import io
from PIL import Image
from docentsite.artwork import imaging
# As in a worker that has prepared a picture before: its libraries loaded, as
# the references' are by their imports.
warm = io.BytesIO()
Image.new("RGB", (64, 48)).save(warm, "JPEG")
imaging.prepare(warm.getvalue(), copies=imaging.COPIES)
before = peak_mb()
started = time.perf_counter()
prepared = imaging.prepare(sys.argv[1], copies=imaging.COPIES)
""",
    # Where libvips is not installed.
    "Docent, Pillow": """
from docentsite.artwork import imaging
imaging._vips = lambda: None
before = peak_mb()
started = time.perf_counter()
prepared = imaging.prepare(sys.argv[1], copies=imaging.COPIES)
""",
    "libvips": """
import pyvips
before = peak_mb()
started = time.perf_counter()
tv = pyvips.Image.thumbnail(sys.argv[1], 3840, height=2160, size="down")
tv.jpegsave_buffer(Q=85, optimize_coding=True, interlace=False, keep="none")
""",
    "naive Pillow": """
import io
from PIL import Image, ImageOps
before = peak_mb()
started = time.perf_counter()
with Image.open(sys.argv[1]) as img:
    tv = ImageOps.exif_transpose(img)
    tv.thumbnail((3840, 2160))
    tv.save(io.BytesIO(), "JPEG", quality=85)
""",
}

# As "Docent prepare", framed for the panel as framing.py asks (fill: the centred
# 16:9 box, as a crop box given, or smart crop's; fit), with the libraries of a
# worker that has framed a picture before. Run for the 24 MP photo only.
_FRAMED = """
import io
from PIL import Image
from docentsite.artwork import imaging, smartcrop
warm = io.BytesIO()
Image.new("RGB", (640, 480)).save(warm, "JPEG")
imaging.prepare(warm.getvalue(), copies=imaging.COPIES, framing="fill", chooser=smartcrop.choose)
upright = imaging.upright_size(sys.argv[1])
box = imaging.largest_box(upright)
box = ((upright[0] - box[0]) // 2, (upright[1] - box[1]) // 2, *box)
options = {OPTIONS}
before = peak_mb()
started = time.perf_counter()
prepared = imaging.prepare(sys.argv[1], copies=imaging.COPIES, **options)
"""
FRAMED = {
    "fill, crop box": '{"framing": "fill", "crop": box}',
    "fill, smart crop": '{"framing": "fill", "chooser": smartcrop.choose}',
    "fit": '{"framing": "fit"}',
}
FRAMED_SIZES = [(6000, 4000)]


def compare(repeat: int) -> None:
    try:
        import pyvips  # noqa: F401
    except (ImportError, OSError):
        del CONTENDERS["libvips"]
        print("libvips: not installed (pip install pyvips[binary])", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"Camera-like JPEGs; median wall time and highest peak RSS of {repeat} fresh processes")
    header = (
        f"{'input':<26} {'contender':<23} {'wall s':>7} {'peak MB':>8} {'time x':>7} {'mem x':>6}"
    )
    print(header)
    print("-" * len(header))
    for size in CAMERA_SIZES:
        path = camera_jpeg(size)
        megapixels, megabytes = size[0] * size[1] / 1e6, path.stat().st_size / 1e6
        name = f"{size[0]}x{size[1]} ({megapixels:.0f} MP, {megabytes:.0f} MB)"
        contenders = dict(CONTENDERS)
        if size in FRAMED_SIZES:
            contenders.update({
                f"Docent {name}": _FRAMED.replace("{OPTIONS}", options)
                for name, options in FRAMED.items()
            })
        results = {}
        # Interleaved, so a busy spell on this shared machine spreads over all contenders.
        for _ in range(repeat):
            for contender, code in contenders.items():
                results.setdefault(contender, []).append(_child(code, path))
        figures = {
            contender: (
                statistics.median(r["seconds"] for r in runs),
                max(r["peak_mb"] - r["import_mb"] for r in runs),
            )
            for contender, runs in results.items()
        }
        reference = figures.get("libvips") or figures["naive Pillow"]
        for contender, (seconds, peak) in figures.items():
            print(
                f"{name:<26} {contender:<23} {seconds:>7.2f} {peak:>8.0f} "
                f"{seconds / reference[0]:>7.2f} {peak / reference[1]:>6.2f}"
            )
            name = ""
    print(f"x: against {'libvips' if 'libvips' in CONTENDERS else 'naive Pillow'}")


def camera_jpeg(size: tuple[int, int]) -> Path:
    """A camera-like JPEG of ``size``, generated once (a 100 MP one takes ~15 s)."""
    path = CACHE / f"camera-{size[0]}x{size[1]}.jpg"
    if not path.exists():
        print(f"generating {path}...", file=sys.stderr, flush=True)
        partial = path.with_suffix(".partial")
        corpus.camera_like(size).save(partial, "JPEG", quality=92)
        partial.rename(path)
    return path


def _child(code: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK + code + _REPORT, str(path)],
        cwd=corpus.ROOT, env={**os.environ, "PYTHONPATH": str(corpus.ROOT)},
        capture_output=True, text=True, timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"{path} failed in the child:\n{done.stderr}")
    return json.loads(done.stdout)


BUDGET_SIZE = (5000, 4000)
BUDGET_MODES = [  # (mode, format)
    ("1", "PNG"), ("L", "PNG"), ("P", "PNG"), ("LA", "PNG"), ("RGB", "PNG"), ("RGBA", "PNG"),
    ("I;16", "PNG"), ("CMYK", "TIFF"), ("I", "TIFF"), ("F", "TIFF"),
]


def budget(directory: Path) -> None:
    from PIL import Image

    from docentsite.artwork import imaging

    pixels = BUDGET_SIZE[0] * BUDGET_SIZE[1]
    header = f"{'mode':<6} {'format':<6} {'peak over import MB':>20} {'B/pixel':>8} {'budgeted':>9}"
    print(f"prepare() of a {BUDGET_SIZE[0]}x{BUDGET_SIZE[1]} picture per mode, fresh processes")
    print(header)
    print("-" * len(header))
    for mode, fmt in BUDGET_MODES:
        path = directory / f"budget-{mode.replace(';', '')}.{fmt.lower()}"
        Image.new(mode, BUDGET_SIZE).save(path, fmt)
        run = corpus.prepare_in_child(path)
        over = run["peak_mb"] - run["import_mb"]
        with Image.open(path) as img:
            budgeted = imaging.decode_bytes(img) / pixels
        print(f"{mode:<6} {fmt:<6} {over:>20.0f} {over * 2**20 / pixels:>8.1f} {budgeted:>9.0f}")


if __name__ == "__main__":
    main()
