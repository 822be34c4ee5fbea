"""An import request for photos Docent never saw (browsing remembers nothing) asks
Plex about them a hundred at a time, and remembers them in one go."""

import pytest

from plexsource import services
from plexsource.models import ImportRecord, PlexPhoto

pytestmark = pytest.mark.django_db


def test_photos_docent_never_saw_are_asked_for_a_hundred_at_a_time(
        fake_plex, plex_settings, chains):
    section = fake_plex.add_synthetic_section("Archive", 250)
    keys = [str(section.base + index) for index in range(250)]
    fake_plex.clear_records()

    result = services.plex_import_request(plex_metadata_ids=keys)

    assert result.queued == keys and result.errors == []
    metadata = [r.path for r in fake_plex.requests if r.path.startswith("/library/metadata/")]
    assert [len(path.rpartition("/")[2].split(",")) for path in metadata] == [100, 100, 50]
    photo = PlexPhoto.objects.get(rating_key=keys[7])
    assert (photo.part_file, photo.library.title) == ("IMG_00008.jpg", "Archive")
    assert ImportRecord.objects.filter(photo__isnull=False).count() == 250


def test_an_unknown_id_among_many_fails_alone(fake_plex, plex_settings, chains):
    section = fake_plex.add_synthetic_section("Archive", 100)
    keys = [str(section.base + index) for index in range(100)]
    clip = fake_plex.find("Waves").rating_key
    fake_plex.clear_records()

    result = services.plex_import_request(plex_metadata_ids=[*keys[:50], "99999", clip,
                                                             *keys[50:]])

    assert result.queued == keys
    assert result.errors == [
        {"plex_metadata_id": "99999", "error": "Plex has no item 99999."},
        {"plex_metadata_id": clip, "error": f"Plex item {clip} is a video clip, not a photo."},
    ]
    # The list with the unknown id is refused whole; its halves are asked for instead.
    assert len(fake_plex.requests_to("/library/metadata/")) < 20


def test_photos_docent_remembers_are_not_asked_for(fake_plex, plex_settings, chains):
    library = services.plex_library_get(library="Photos")
    listed = services.plex_photo_list(library=library)
    services.plex_photos_remember(library=library, photos=listed)
    fake_plex.clear_records()

    result = services.plex_import_request(plex_metadata_ids=[p.rating_key for p in listed])

    assert len(result.queued) == len(listed) and fake_plex.requests == []


def test_plex_down_refuses_photos_docent_never_saw_and_queues_those_it_knows(
        fake_plex, plex_settings, chains):
    library = services.plex_library_get(library="Photos")
    garden, harbour = fake_plex.find("Garden"), fake_plex.find("Harbour at dawn")
    services.plex_photos_remember(library=library, photos=[
        photo for photo in services.plex_photo_list(library=library)
        if photo.rating_key == garden.rating_key])
    fake_plex.stop()

    result = services.plex_import_request(
        plex_metadata_ids=[garden.rating_key, harbour.rating_key])

    assert result.queued == [garden.rating_key]
    (error,) = result.errors
    assert error["plex_metadata_id"] == harbour.rating_key
    assert "cannot be reached" in error["error"]
