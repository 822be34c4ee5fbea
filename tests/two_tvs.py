"""A second fake Frame TV, "Den", beside the .env one (conftest's fake_tv, "Frame").

`fake_den` is the second FakeFrameTV; `den` is its TV row, added as the admin or
the API would and paired through Docent's code. Its token and artwork_meta.json
live in the run's shared data dir under its row id, so they are removed before
and after each test: a later test's TV with the same id must start unpaired.
"""

import json
import shutil
from collections.abc import Iterator

import pytest

from docentsite.artwork import tvs
from docentsite.artwork.models import TV
from tests.fakes.frametv import FakeFrameTV


@pytest.fixture
def fake_den() -> Iterator[FakeFrameTV]:
    with FakeFrameTV(name="Samsung The Frame 43") as fake:
        yield fake


def _forget(tv: TV) -> None:
    tv.token_path.unlink(missing_ok=True)
    tv.token_path.with_name(f"{tv.token_path.name}.asked").unlink(missing_ok=True)
    shutil.rmtree(tvs.meta_path(tv).parent, ignore_errors=True)


@pytest.fixture
def den(worker_env, fake_den) -> Iterator[TV]:
    """The second TV, paired; the .env TV is created first, so it stays the first."""
    first = tvs.tv_default()
    tv = tvs.tv_create(name="Den", host=fake_den.host, port=fake_den.port)
    assert tvs.meta_path(tv) != tvs.meta_path(first)
    _forget(tv)
    tvs.tv_pair(tv=tv, wait=3)
    yield tv
    _forget(tv)


def frame() -> TV:
    return TV.objects.get(from_env=True)


def meta_ids(tv: TV) -> set[str]:
    """The content ids this TV's artwork_meta.json lists (none before it is written)."""
    path = tvs.meta_path(tv)
    return set(json.loads(path.read_text())["artwork"]) if path.exists() else set()
