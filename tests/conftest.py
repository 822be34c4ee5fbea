import io

import pytest

from tests.fakes.frametv_fixtures import (  # noqa: F401 - fixtures
    fake_tv,
    frame_tv,
    jpeg,
    make_frame_tv,
    make_jpeg,
)


@pytest.fixture
def make_artwork(db):
    """make_artwork(data=b"...", prepare=True, **fields) -> an Artwork from these bytes."""
    from docentsite.artwork import services

    def make(data: bytes, *, filename: str = "picture.jpg", prepare: bool = True, **kwargs):
        artwork = services.artwork_create(
            fileobj=io.BytesIO(data), filename=filename, analyze=False, **kwargs
        )
        if prepare:
            artwork = services.artwork_prepare(artwork_id=artwork.pk)
        return artwork

    return make
