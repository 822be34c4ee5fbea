"""How long imaging.prepare takes and how much memory it needs, per input.

    python benchmarks/imaging.py [--repeat 3] [--keep DIR]
    python benchmarks/imaging.py --budget

Generates the inputs (a 100 MP and a 24 MP JPEG, a 12000x3000 PNG panorama, a
12 MP HEIC; the HEIC takes ~20 s to encode), then runs prepare() on each in a
fresh Python process per run, so every peak is that run's own. "over import"
is the peak minus the child's memory after importing Docent and Pillow.

--budget prepares a 20-megapixel picture in each mode Pillow decodes to and
prints the peak memory per pixel beside the figure imaging.py budgets for
that mode (its estimate must not be lower than what was measured).
"""

import argparse
import statistics
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
    args = parser.parse_args()
    if args.budget:
        with tempfile.TemporaryDirectory() as directory:
            budget(Path(directory))
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
