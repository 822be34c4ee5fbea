"""artwork_analyze shows the vision model the copy made when the picture was
prepared, and makes one from the TV JPEG for a picture prepared before that."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from docentsite.artwork import services
from docentsite.artwork.models import AnalysisStatus, Artwork

pytestmark = pytest.mark.django_db


@pytest.fixture
def describing(settings, fake_anthropic):
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"
    return fake_anthropic


def analyze(artwork: Artwork) -> Artwork:
    Artwork.objects.filter(pk=artwork.pk).update(analysis_status=AnalysisStatus.PENDING)
    return services.artwork_analyze(artwork_id=artwork.pk)


def a_jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 30)).save(out, "JPEG")
    return out.getvalue()


def test_the_model_is_shown_the_vision_copy_kept_when_the_picture_was_prepared(
    make_artwork, make_jpeg, describing
):
    artwork = make_artwork(make_jpeg(6000, 4000))
    # A stand-in of a size the TV JPEG would never give: only the kept file has it.
    with open(artwork.vision.path, "wb") as kept:
        kept.write(a_jpeg((200, 100)))

    artwork = analyze(artwork)

    assert artwork.analysis_status == AnalysisStatus.DONE
    assert [(r.image_size, r.image_bytes) for r in describing.requests] == [
        ((200, 100), len(a_jpeg((200, 100))))
    ]


def test_a_picture_prepared_before_vision_copies_were_kept_is_described_from_its_tv_jpeg(
    make_artwork, make_jpeg, describing
):
    artwork = make_artwork(make_jpeg(6000, 4000))
    artwork.vision.delete(save=False)
    Artwork.objects.filter(pk=artwork.pk).update(vision="")
    artwork.image.save(artwork.image.name, ContentFile(a_jpeg((3840, 1920))), save=False)
    Artwork.objects.filter(pk=artwork.pk).update(image=artwork.image.name)

    artwork = analyze(artwork)

    assert artwork.analysis_status == AnalysisStatus.DONE
    assert [r.image_size for r in describing.requests] == [(1280, 640)]
