"""Two Frames: the .env TV ("Living room", the fake_tv, paired) and a second fake
("Den") added as the admin adds one, not paired yet. Import the fixtures."""

import pytest

from docentsite.artwork import tvs
from tests.fakes.frametv import FakeFrameTV


@pytest.fixture
def den_tv():
    with FakeFrameTV(name="Samsung The Frame 65") as fake:
        yield fake


@pytest.fixture
def two_tvs(fake_tv, frame_tv, den_tv, settings, tmp_path):
    """(Living room, Den) as TV rows."""
    settings.TV_HOST, settings.TV_PORT = fake_tv.host, fake_tv.port
    settings.TV_TOKEN_FILE = frame_tv.token_file
    settings.TV_NAME = "Living room"
    settings.DOCENT_DATA_DIR = tmp_path
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    settings.PLEX_URL = settings.PLEX_TOKEN = ""
    living = tvs.tv_from_env()
    den = tvs.tv_create(name="Den", host=den_tv.host, port=den_tv.port)
    return living, den
