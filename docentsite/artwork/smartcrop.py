"""Where to put a 16:9 window on a picture so that what matters stays in it.

The window is the largest 16:9 box the picture holds, slid along its long side
(fill never zooms in on its own: the crop editor does that). Where it stops:

1. Faces, found by OpenCV's Haar cascades (frontal, and profile both ways), which
   ship inside the opencv-python-headless wheel: nothing is downloaded at run
   time. Every face found must be inside, with room above the head, where one
   box can hold them all; else as many (by size) as it can.
2. Among the places that keep those faces, the one that keeps the most of what
   stands out: a saliency map of spectral residual (Hou and Zhang, 2007), colour
   distinctness (Achanta et al., 2009) and edge energy, faces counted in.

A picture with nothing to go on gets the centre. benchmarks/framing.py measures
each step against the centre crop on pictures with known subjects.

What it costs: on the 1024-pixel copy Docent shows it, about 450 ms of processor
time for a 24 MP photo (benchmarks/imaging.py's; 1,000 ms before), nearly all of it
the cascades; the saliency map takes 7 ms. The cascades spend most of their time on
their smallest faces, so faces are looked for from a 16th of the short side up (a
22nd before), and the profile cascades look at a 448-pixel copy: on the benchmark's
pictures they find the same faces, and the same boxes are chosen. A coarser scale
step (1.15, 1.2) was cheaper still but lost the benchmark's astronauts at some
sizes, so it stays 1.1. OpenCV's own threads are left as they are (two here): on two
busy cores two threads and one gave much the same wall time, best 380 against 470
ms, medians the other way round.
"""

import threading
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

from docentsite.artwork.imaging import largest_box

Box = tuple[int, int, int, int]

#: The long side the frontal cascade looks at.
FACE_SIZE = 800
#: The long side the profile cascades look at: they find as many of the benchmark's
#: faces on this smaller copy, at a third of the cost.
PROFILE_SIZE = 448
#: The smallest face looked for, as a share of the short side (a 16th). Haar cascades
#: spend most of their time on their smallest faces; below this the benchmark found
#: the same faces at almost twice the cost.
SMALLEST_FACE = 0.06
#: The long side the saliency map is made at.
SALIENCY_SIZE = 256
# Room kept around a face, in face heights: a head needs its hair and chin.
_ABOVE, _BELOW, _BESIDE = 0.45, 0.35, 0.25

_local = threading.local()


def centre(img: Image.Image) -> Box:
    """The largest 16:9 box, centred: the baseline."""
    w, h = largest_box(img.size)
    return (img.width - w) // 2, (img.height - h) // 2, w, h


def choose(img: Image.Image) -> Box:
    """The largest 16:9 box (x, y, w, h) in ``img``'s pixels that keeps its faces and
    the most of what stands out in it."""
    return _slide(img, use_faces=True, use_saliency=True)


def faces_only(img: Image.Image) -> Box:
    """The box that keeps the faces, centred on them (the centre when there are none)."""
    return _slide(img, use_faces=True, use_saliency=False)


def saliency_only(img: Image.Image) -> Box:
    """The box that keeps the most of what stands out, faces not looked for."""
    return _slide(img, use_faces=False, use_saliency=True)


#: Each chooser benchmarks/framing.py measures, the baseline first.
METHODS: dict[str, Callable[[Image.Image], Box]] = {
    "centre crop": centre, "faces only": faces_only, "saliency only": saliency_only,
    "combined": choose,
}


def faces(img: Image.Image) -> list[Box]:
    """The faces in ``img`` (x, y, w, h in its pixels), largest first."""
    gray = _shrunk(np.asarray(img.convert("L")), FACE_SIZE)
    gray = cv2.equalizeHist(gray)
    # The profile cascades look at a smaller copy of the same grey picture.
    side = _shrunk(gray, PROFILE_SIZE)
    frontal, profile = _cascades()
    found = [_back(box, gray, img) for box in frontal.detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=_smallest(gray))]
    found += [_back(box, side, img) for box in profile.detectMultiScale(
        side, scaleFactor=1.1, minNeighbors=6, minSize=_smallest(side))]
    mirrored = profile.detectMultiScale(
        np.ascontiguousarray(side[:, ::-1]), scaleFactor=1.1, minNeighbors=6,
        minSize=_smallest(side))
    found += [_back((side.shape[1] - x - w, y, w, h), side, img) for x, y, w, h in mirrored]
    kept: list[Box] = []
    for x, y, w, h in sorted(found, key=lambda b: -b[2] * b[3]):
        cx, cy = x + w / 2, y + h / 2
        # The same face seen by two cascades: keep the larger.
        if not any(kx <= cx <= kx + kw and ky <= cy <= ky + kh for kx, ky, kw, kh in kept):
            kept.append((x, y, w, h))
    return kept


def _shrunk(gray: np.ndarray, long_side: int) -> np.ndarray:
    scale = long_side / max(gray.shape)
    if scale >= 1:
        return gray
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _smallest(gray: np.ndarray) -> tuple[int, int]:
    side = max(20, round(min(gray.shape) * SMALLEST_FACE))
    return side, side


def _back(box, looked_at: np.ndarray, img: Image.Image) -> Box:
    """A box found on a shrunk copy, in ``img``'s pixels."""
    scale = img.width / looked_at.shape[1]
    return tuple(round(int(v) * scale) for v in box)


def saliency(img: Image.Image) -> np.ndarray:
    """How much each pixel of ``img`` stands out, at most SALIENCY_SIZE on its long side
    (float32, summing to 1)."""
    small = img.convert("RGB")
    small.thumbnail((SALIENCY_SIZE, SALIENCY_SIZE), Image.Resampling.BILINEAR)
    rgb = np.asarray(small)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    if float(rgb.std(axis=(0, 1)).max()) < 1.0:
        # One flat colour: nothing stands out (the maps would only scale up noise).
        return np.full(gray.shape, 1 / gray.size, dtype=np.float32)
    parts = [_spectral_residual(gray), _colour_distinctness(rgb), _edge_energy(gray)]
    out = sum(_unit(part) for part in parts)
    out = cv2.GaussianBlur(out, (0, 0), max(1.0, max(out.shape) / 64))
    total = float(out.sum())
    return out / total if total > 0 else np.full_like(out, 1 / out.size)


def _slide(img: Image.Image, *, use_faces: bool, use_saliency: bool) -> Box:
    width, height = img.size
    w, h = largest_box(img.size)
    horizontal = w < width
    span = (width - w) if horizontal else (height - h)
    if span <= 0:
        return 0, 0, w, h
    found = faces(img) if use_faces else []
    offsets = np.arange(span + 1)
    allowed = _keeping_faces(found, offsets, horizontal=horizontal, window=w if horizontal else h,
                             size=img.size)
    if use_saliency:
        weights = _saliency_profile(img, found, horizontal=horizontal)
        window = w if horizontal else h
        prefix = np.concatenate([[0.0], np.cumsum(weights)])
        kept = prefix[offsets + window] - prefix[offsets]
        # Nearer the centre wins a tie (a plain picture is cropped in the middle).
        kept = kept - np.abs(offsets - span / 2) / span * 1e-4
        kept[~allowed] = -np.inf
        best = int(np.argmax(kept))
    elif found and allowed.any():
        # Centre the faces kept, as far as the box may go.
        lo, hi = _faces_extent(found, allowed_offsets=offsets[allowed], horizontal=horizontal,
                               window=w if horizontal else h)
        wanted = (lo + hi) / 2 - (w if horizontal else h) / 2
        candidates = offsets[allowed]
        best = int(candidates[np.argmin(np.abs(candidates - wanted))])
    else:
        best = span // 2
    return (best, 0, w, h) if horizontal else (0, best, w, h)


def _padded(face: Box, size: tuple[int, int]) -> Box:
    x, y, w, h = face
    left = max(0, x - round(w * _BESIDE))
    top = max(0, y - round(h * _ABOVE))
    right = min(size[0], x + w + round(w * _BESIDE))
    bottom = min(size[1], y + h + round(h * _BELOW))
    return left, top, right - left, bottom - top


def _keeping_faces(found: list[Box], offsets: np.ndarray, *, horizontal: bool, window: int,
                   size: tuple[int, int]) -> np.ndarray:
    """Which offsets keep the most face area inside: with room around every face where
    that is possible, else the faces themselves."""
    if not found:
        return np.ones(offsets.shape, dtype=bool)
    for boxes in ([_padded(face, size) for face in found], found):
        kept = np.zeros(offsets.shape)
        for x, y, w, h in boxes:
            start, length = (x, w) if horizontal else (y, h)
            inside = (offsets <= start) & (offsets + window >= start + length)
            kept += inside * (w * h)
        if np.isclose(kept.max(), sum(w * h for _, _, w, h in boxes)):
            break
    return kept >= kept.max() - 1e-9


def _faces_extent(found: list[Box], *, allowed_offsets: np.ndarray, horizontal: bool,
                  window: int) -> tuple[float, float]:
    lo_offset, hi_offset = allowed_offsets.min(), allowed_offsets.max() + window
    spans = [(x, x + w) if horizontal else (y, y + h) for x, y, w, h in found]
    inside = [(a, b) for a, b in spans if a >= lo_offset and b <= hi_offset] or spans
    return min(a for a, _ in inside), max(b for _, b in inside)


def _saliency_profile(img: Image.Image, found: list[Box], *, horizontal: bool) -> np.ndarray:
    """What stands out, summed across the slide: one weight per pixel along it."""
    sal = saliency(img)
    sal = cv2.resize(sal, img.size, interpolation=cv2.INTER_LINEAR).astype(np.float64)
    total = float(sal.sum()) or 1.0
    sal /= total
    if found:
        # Faces matter as much as everything else together.
        face_map = np.zeros_like(sal)
        for x, y, w, h in found:
            face_map[y:y + h, x:x + w] = 1.0
        sal += face_map / max(float(face_map.sum()), 1.0)
    return sal.sum(axis=0 if horizontal else 1)


def _spectral_residual(gray: np.ndarray) -> np.ndarray:
    small = cv2.resize(gray, (64, max(1, round(64 * gray.shape[0] / gray.shape[1]))),
                       interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-8).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    back = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    back = cv2.GaussianBlur(back.astype(np.float32), (0, 0), 2.5)
    return cv2.resize(back, gray.shape[::-1], interpolation=cv2.INTER_LINEAR)


def _colour_distinctness(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    blurred = cv2.GaussianBlur(lab, (0, 0), 2)
    # Away from the picture's typical colour (its median, which a big subject moves less).
    typical = np.median(lab.reshape(-1, 3), axis=0)
    return np.linalg.norm(blurred - typical, axis=2)


def _edge_energy(gray: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), 3)


def _unit(part: np.ndarray) -> np.ndarray:
    part = part.astype(np.float32)
    low, high = float(part.min()), float(part.max())
    return (part - low) / (high - low) if high > low else np.zeros_like(part)


def _cascades():
    # A classifier is not safe to share between threads: one pair per thread.
    if not hasattr(_local, "cascades"):
        root = cv2.data.haarcascades
        _local.cascades = (cv2.CascadeClassifier(root + "haarcascade_frontalface_default.xml"),
                           cv2.CascadeClassifier(root + "haarcascade_profileface.xml"))
    return _local.cascades
