"""Smart crop on benchmarks/framing.py's pictures, whose faces and subjects are known."""

import pytest
from PIL import Image

from benchmarks.framing import all_faces_inside, cases, crop_with, kept
from docentsite.artwork import smartcrop


@pytest.fixture(scope="module")
def benchmark_set():
    return cases()


def test_every_face_is_kept_where_one_box_can_hold_them_all(benchmark_set):
    holdable = [case for case in benchmark_set if case.faces_fit]

    missed = [case.name for case in holdable
              if not all_faces_inside(crop_with(smartcrop.choose, case.image), case.faces)]

    assert len(holdable) >= 5 and missed == []


def test_smart_crop_never_keeps_less_of_the_subject_than_the_centre_crop(benchmark_set):
    worse, smart_total, centre_total = [], 0.0, 0.0
    for case in benchmark_set:
        smart = kept(crop_with(smartcrop.choose, case.image), case.subjects)
        centre = kept(crop_with(smartcrop.centre, case.image), case.subjects)
        smart_total, centre_total = smart_total + smart, centre_total + centre
        if smart < centre:
            worse.append((case.name, smart, centre))

    assert worse == []
    assert smart_total > centre_total


def test_the_astronaut_is_found_where_she_was_put(benchmark_set):
    case = benchmark_set[0]
    (x, y, w, h), = case.faces

    small = case.image.copy()
    small.thumbnail((1024, 1024))  # as preparing shows it to the chooser
    scale = case.image.width / small.width

    found = [tuple(v * scale for v in face) for face in smartcrop.faces(small)]

    assert any(abs(fx + fw / 2 - (x + w / 2)) < w / 4 and abs(fy + fh / 2 - (y + h / 2)) < h / 4
               for fx, fy, fw, fh in found)


@pytest.mark.parametrize("size", [(1500, 1000), (1000, 1500), (2100, 900), (1600, 900)])
def test_a_picture_with_nothing_in_it_is_cropped_in_the_middle(size):
    flat = Image.new("RGB", size, (90, 120, 150))

    for method in smartcrop.METHODS.values():
        assert method(flat) == smartcrop.centre(flat)


def test_the_box_is_always_the_largest_16_9_box_inside_the_picture(benchmark_set):
    for case in benchmark_set:
        small = case.image.copy()
        small.thumbnail((1024, 1024))
        x, y, w, h = smartcrop.choose(small)
        assert (w, h) == smartcrop.largest_box(small.size)
        assert 0 <= x <= small.width - w and 0 <= y <= small.height - h
