"""pytest fixtures for the fake Frame TV.

`fake_tv` is a running FakeFrameTV; `make_frame_tv(**options)` builds a FrameTV
pointed at it (token file and lock in tmp_path, short timeouts); `frame_tv` is
one that is already paired; `make_jpeg(width, height, noise=False)` makes a real
JPEG and `jpeg` is a small one.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from docentsite.artwork.frametv import FrameTV
from tests.fakes.frametv import FakeFrameTV

TIMEOUT = 3.0
UPLOAD_TIMEOUT = 6.0


def _make_jpeg(width: int = 64, height: int = 48, *, noise: bool = False) -> bytes:
    """A baseline JPEG; with noise it barely compresses (about 2 bytes a pixel)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def fake_tv() -> Iterator[FakeFrameTV]:
    with FakeFrameTV() as fake:
        yield fake


@pytest.fixture
def make_frame_tv(fake_tv: FakeFrameTV, tmp_path: Path) -> Callable[..., FrameTV]:
    def make(**options) -> FrameTV:
        defaults = {
            "host": fake_tv.host, "port": fake_tv.port, "token_file": tmp_path / "tv-token",
            "timeout": TIMEOUT,
            "upload_timeout": UPLOAD_TIMEOUT,
        }
        return FrameTV(**{**defaults, **options})

    return make


@pytest.fixture
def frame_tv(make_frame_tv: Callable[..., FrameTV]) -> FrameTV:
    tv = make_frame_tv()
    tv.pair()
    return tv


@pytest.fixture
def make_jpeg() -> Callable[..., bytes]:
    return _make_jpeg


@pytest.fixture
def jpeg() -> bytes:
    return _make_jpeg(320, 200)


@pytest.fixture
def panel_jpeg() -> bytes:
    """A picture at the Frame's panel size: the only size real sets put a matte around."""
    return _make_jpeg(3840, 2160)
