"""How much of the subject each way of placing fill's 16:9 box keeps.

    python benchmarks/framing.py [--pictures DIR]

Makes a small set of pictures whose subjects are known (the same every run: a
fixed seed), places the largest 16:9 box on each with every chooser in
docentsite.artwork.smartcrop.METHODS (the centre crop is the baseline), and
prints, per chooser, the share of the subject the box keeps (mean and worst
case), on how many of the pictures whose faces one box can hold it keeps them
all, and the time per picture: wall time, and processor time (all threads),
which a busy machine disturbs less.

The faces are real photographs that ship inside scikit-image (a test extra):
NASA's portrait of Eileen Collins (`skimage.data.astronaut`) and faces of the
Labeled Faces in the Wild subset (`skimage.data.lfw_subset`), pasted at known
places on generated grounds; the other subjects are scikit-image's photographs
of a cat, a cup of coffee and a rocket. OpenCV's face detectors find no drawn
face, so the faces had to be photographs.

--pictures DIR writes, for a few of the pictures, the original beside its fill,
fit and as-is framings (the README's before/after pictures).
"""

import argparse
import io
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Box = tuple[int, int, int, int]

# Where the face is in skimage's astronaut (512x512), as OpenCV's frontal cascade finds
# it, and the head-and-shoulders part of the photo that is pasted.
_ASTRONAUT_PATCH = (120, 20, 330, 260)
_ASTRONAUT_FACE = (177 - 120, 66 - 20, 95, 95)


@dataclass
class Case:
    name: str
    image: Image.Image
    #: What the crop should keep: the faces, or the subject's box.
    subjects: list[Box]
    faces: list[Box] = field(default_factory=list)

    @property
    def faces_fit(self) -> bool:
        """Whether one largest-16:9 box can hold every face."""
        if not self.faces:
            return False
        from docentsite.artwork.imaging import largest_box

        w, h = largest_box(self.image.size)
        lo_x = min(x for x, _, _, _ in self.faces)
        hi_x = max(x + fw for x, _, fw, _ in self.faces)
        lo_y = min(y for _, y, _, _ in self.faces)
        hi_y = max(y + fh for _, y, _, fh in self.faces)
        return hi_x - lo_x <= w and hi_y - lo_y <= h


def _ground(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """A plain photo-like ground: a soft two-colour gradient, blotches and grain."""
    width, height = size
    a, b = rng.uniform(70, 190, 3), rng.uniform(70, 190, 3)
    t = np.linspace(0, 1, height)[:, None, None]
    img = a * (1 - t) + b * t + np.zeros((height, width, 3))
    coarse = rng.normal(0, 14, (max(2, height // 120), max(2, width // 120), 3))
    blotches = np.asarray(Image.fromarray(((coarse + 128).clip(0, 255)).astype(np.uint8))
                          .resize((width, height), Image.Resampling.BICUBIC), dtype=float) - 128
    img = img + blotches + rng.normal(0, 4, (height, width, 3))
    return Image.fromarray(img.clip(0, 255).astype(np.uint8))


def _astronaut(scale: float) -> tuple[Image.Image, Box]:
    from skimage import data

    patch = Image.fromarray(data.astronaut()).crop(_ASTRONAUT_PATCH)
    patch = patch.resize((round(patch.width * scale), round(patch.height * scale)),
                         Image.Resampling.LANCZOS)
    face = tuple(round(v * scale) for v in _ASTRONAUT_FACE)
    return patch, face


def _lfw(index: int, size: int) -> Image.Image:
    from skimage import data

    face = (data.lfw_subset()[index] * 255).astype(np.uint8)
    return Image.fromarray(face).convert("RGB").resize((size, size), Image.Resampling.BICUBIC)


def _photo(name: str, width: int) -> Image.Image:
    from skimage import data

    img = Image.fromarray(getattr(data, name)())
    return img.resize((width, round(img.height * width / img.width)), Image.Resampling.LANCZOS)


def _texture(name: str):
    from skimage import data

    return getattr(data, name)()


def _paste_astronaut(img: Image.Image, at: tuple[int, int], scale: float) -> Box:
    patch, (fx, fy, fw, fh) = _astronaut(scale)
    img.paste(patch, at)
    return at[0] + fx, at[1] + fy, fw, fh


def _paste(img: Image.Image, patch: Image.Image, at: tuple[int, int]) -> Box:
    img.paste(patch, at)
    return at[0], at[1], patch.width, patch.height


def cases() -> list[Case]:
    """The benchmark set: faces near the edges, a group, subjects off-centre, a
    panorama, portraits. The same pictures every time."""
    rng = np.random.default_rng(14)
    out = []

    img = _ground((1500, 1000), rng)
    face = _paste_astronaut(img, (640, 0), 1.4)
    out.append(Case("3:2, a face at the top", img, [face], [face]))

    img = _ground((1200, 900), rng)
    face = _paste_astronaut(img, (520, 900 - 300), 1.2)
    out.append(Case("4:3, a face at the bottom", img, [face], [face]))

    img = _ground((1080, 1920), rng)
    face = _paste_astronaut(img, (250, 60), 2.2)
    out.append(Case("9:16 portrait, the face high", img, [face], [face]))

    img = _ground((2520, 1080), rng)
    face = _paste_astronaut(img, (10, 330), 1.7)
    out.append(Case("21:9 panorama, a face at the left edge", img, [face], [face]))

    img = _ground((1800, 1200), rng)
    group = [_paste(img, _lfw(i, 170), (180 + i * 380, 40 + (i % 2) * 30)) for i in range(4)]
    out.append(Case("3:2, a group of four near the top", img, group, group))

    img = _ground((3000, 1000), rng)
    spread = [_paste(img, _lfw(10 + i, 150), (60 + i * 700, 300 + (i % 2) * 200))
              for i in range(5)]
    out.append(Case("3:1 panorama, five faces across it", img, spread, spread))

    img = _ground((1080, 1920), rng)
    face = _paste_astronaut(img, (300, 1300), 1.9)
    _paste(img, _photo("rocket", 500), (40, 40))
    out.append(Case("9:16 portrait, a face low and a photo high", img, [face], [face]))

    # Where what stands out is not what matters: busy texture or a bright photo
    # away from the face.
    img = _ground((1500, 1000), rng)
    face = _paste_astronaut(img, (300, 0), 1.3)
    texture = Image.fromarray(_texture("brick")).convert("RGB").resize((1500, 480))
    img.paste(texture, (0, 520))
    out.append(Case("3:2, a face at the top, bricks below", img, [face], [face]))

    img = _ground((1080, 1920), rng)
    face = _paste_astronaut(img, (280, 40), 2.0)
    _paste(img, _photo("chelsea", 1000), (40, 1200))
    out.append(Case("9:16 portrait, a face high and a cat low", img, [face], [face]))

    img = _ground((1500, 1000), rng)
    subject = _paste(img, _photo("chelsea", 520), (940, 10))
    out.append(Case("3:2, a cat at the top right", img, [subject]))

    img = _ground((2520, 1080), rng)
    subject = _paste(img, _photo("coffee", 560), (1920, 300))
    out.append(Case("21:9 panorama, a cup at the right edge", img, [subject]))

    img = _ground((1200, 1600), rng)
    subject = _paste(img, _photo("rocket", 600), (560, 1150))
    out.append(Case("3:4 portrait, a rocket at the bottom", img, [subject]))

    img = _ground((2000, 2000), rng)
    subject = _paste(img, _photo("chelsea", 600), (60, 80))
    out.append(Case("square, a cat in the top left corner", img, [subject]))
    return out


def kept(crop: Box, subjects: list[Box]) -> float:
    """The share of the subjects' area inside ``crop``."""
    cx, cy, cw, ch = crop
    inside = total = 0
    for x, y, w, h in subjects:
        ix = max(0, min(x + w, cx + cw) - max(x, cx))
        iy = max(0, min(y + h, cy + ch) - max(y, cy))
        inside += ix * iy
        total += w * h
    return inside / total


def all_faces_inside(crop: Box, faces: list[Box]) -> bool:
    cx, cy, cw, ch = crop
    return all(x >= cx and y >= cy and x + w <= cx + cw and y + h <= cy + ch
               for x, y, w, h in faces)


def crop_with(method, image: Image.Image) -> Box:
    """The box ``method`` gives, as Docent asks for it: on a copy at CHOOSER_SIZE."""
    from docentsite.artwork import imaging

    small = image.copy()
    small.thumbnail(imaging.CHOOSER_SIZE, Image.Resampling.BILINEAR)
    return imaging.place_box(small, image.size, method)


def measure() -> dict[str, dict]:
    from docentsite.artwork import smartcrop

    results = {}
    made = cases()
    for name, method in smartcrop.METHODS.items():
        shares, fitted = [], []
        started, processor = time.perf_counter(), time.process_time()
        for case in made:
            crop = crop_with(method, case.image)
            shares.append(kept(crop, case.subjects))
            if case.faces_fit:
                fitted.append(all_faces_inside(crop, case.faces))
        elapsed = (time.perf_counter() - started) / len(made)
        cpu = (time.process_time() - processor) / len(made)
        results[name] = {"mean": statistics.mean(shares), "worst": min(shares),
                         "faces": (sum(fitted), len(fitted)), "ms": elapsed * 1000,
                         "cpu ms": cpu * 1000, "shares": shares}
    return results


def pictures(folder: Path) -> list[Path]:
    """The original beside its fill, fit and as-is framings, for a few of the set."""
    from docentsite.artwork import imaging, smartcrop

    folder.mkdir(parents=True, exist_ok=True)
    chosen = {"3:2, a face at the top": "framing-landscape.jpg",
              "9:16 portrait, the face high": "framing-portrait.jpg",
              "21:9 panorama, a face at the left edge": "framing-panorama.jpg"}
    written = []
    for case in cases():
        if case.name not in chosen:
            continue
        source = io.BytesIO()
        case.image.save(source, "JPEG", quality=90)
        panels = [("Original", _on_screen(case.image, tv=False))]
        for framing, label in (("fill", "Fill"), ("fit", "Fit"), ("as_is", "As is")):
            prepared = imaging.prepare(source.getvalue(), framing=framing,
                                       chooser=smartcrop.choose)
            with Image.open(io.BytesIO(prepared.jpeg)) as tv_image:
                panels.append((label, _on_screen(tv_image, tv=True)))
        path = folder / chosen[case.name]
        _strip(panels).save(path, "JPEG", quality=82, optimize=True)
        written.append(path)
    return written


_PANEL = (384, 216)


def _on_screen(image: Image.Image, *, tv: bool) -> Image.Image:
    """The picture as the TV shows it (dark around what does not fill the panel), or
    the original, shrunk to one panel's box."""
    screen = Image.new("RGB", _PANEL, (24, 24, 24) if tv else (255, 255, 255))
    shown = image.convert("RGB")
    shown.thumbnail(_PANEL, Image.Resampling.LANCZOS)
    screen.paste(shown, ((_PANEL[0] - shown.width) // 2, (_PANEL[1] - shown.height) // 2))
    return screen


def _strip(panels: list[tuple[str, Image.Image]]) -> Image.Image:
    gap, caption = 12, 24
    strip = Image.new("RGB", (len(panels) * (_PANEL[0] + gap) - gap, _PANEL[1] + caption),
                      (255, 255, 255))
    draw = ImageDraw.Draw(strip)
    for i, (label, panel) in enumerate(panels):
        x = i * (_PANEL[0] + gap)
        strip.paste(panel, (x, caption))
        draw.text((x + 2, 5), label, fill=(20, 20, 20))
    return strip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pictures", type=Path, help="write before/after pictures here")
    args = parser.parse_args()
    results = measure()
    names = [case.name for case in cases()]
    print(f"{len(names)} pictures; subject kept by fill's 16:9 box (share of its area)\n")
    print(f"{'method':<15}{'mean':>8}{'worst':>8}{'all faces kept':>16}{'ms/picture':>12}"
          f"{'cpu ms':>8}")
    for name, row in results.items():
        kept_all, of = row["faces"]
        print(f"{name:<15}{row['mean']:>8.1%}{row['worst']:>8.1%}"
              f"{f'{kept_all}/{of}':>16}{row['ms']:>12.0f}{row['cpu ms']:>8.0f}")
    print("\nper picture:")
    print(f"{'':<44}" + "".join(f"{name:>15}" for name in results))
    for i, name in enumerate(names):
        print(f"{name:<44}" + "".join(f"{row['shares'][i]:>15.0%}" for row in results.values()))
    if args.pictures:
        for path in pictures(args.pictures):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
