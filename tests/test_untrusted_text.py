"""Text from outside (file names, a source's titles, a vision model's answer)
is cut to its column: PostgreSQL refuses what SQLite would silently keep."""

import pytest

from docentsite.artwork import services
from docentsite.artwork.fitting import clip, clip_filename
from docentsite.artwork.models import AnalysisStatus, Artwork


def test_a_long_file_name_and_its_title_fit_their_columns(make_artwork, jpeg):
    name = "Holiday " * 40 + "\x00.jpeg"

    artwork = make_artwork(jpeg, filename=name, prepare=False)

    artwork.refresh_from_db()
    assert len(artwork.original_filename) == 255
    assert artwork.original_filename.startswith("Holiday Holiday")
    assert artwork.original_filename.endswith("….jpeg")
    assert len(artwork.title) <= 255 and artwork.title.endswith("…")
    assert "\x00" not in artwork.title + artwork.original_filename


def test_a_rambling_vision_answer_is_cut_to_the_columns(make_artwork, jpeg, fake_anthropic,
                                                        settings):
    settings.AI_PROVIDER, settings.ANTHROPIC_API_KEY = "anthropic", "test-key"
    fake_anthropic.description.update({
        "title": "Wave " * 300,
        "artist": "Hokusai\x00 " * 100,
        "year": "circa " * 50,
        "medium": "ink " * 200,
        "description": "On and on. " * 2000,
        "confidence": "high, very high, really very high",
    })
    artwork = make_artwork(jpeg)
    Artwork.objects.filter(pk=artwork.pk).update(analysis_status=AnalysisStatus.PENDING)

    artwork = services.artwork_analyze(artwork_id=artwork.pk)

    assert artwork.analysis_status == AnalysisStatus.DONE
    assert len(artwork.ai_title) == 255 and artwork.ai_title.startswith("Wave Wave")
    assert len(artwork.ai_artist) <= 255 and "\x00" not in artwork.ai_artist
    assert len(artwork.ai_year) <= 64
    assert len(artwork.ai_medium) == 255
    assert len(artwork.ai_description) == services.MAX_DESCRIPTION
    assert len(artwork.ai_confidence) <= 16


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert clip("Garden", 10) == "Garden"
    assert clip("Garden party", 8) == "Garden…"
    assert clip("nul\x00byte", None) == "nulbyte"
    assert clip_filename("a" * 20 + ".jpg", 12) == "aaaaaaa….jpg"
    assert clip_filename("photo." + "x" * 30, 12) == "photo.xxxxx…"


@pytest.mark.django_db(transaction=True)
def test_plex_titles_and_paths_too_long_for_their_columns_still_browse_and_import(
    fake_plex, plex_settings, chains, make_jpeg
):
    from plexsource import services as plex_services
    from plexsource.models import PlexLibrary, PlexPhoto

    section = fake_plex.add_section("Holidays " * 40)
    album = fake_plex.add_album(section, "Summer " * 200)
    photo = fake_plex.add_photo(album, "Beach\x00 " * 100, make_jpeg(64, 48),
                                file="b" * 1100 + ".jpg")
    library = next(row for row in plex_services.plex_libraries_refresh()
                   if row.title.startswith("Holidays"))

    page = plex_services.plex_browse(library_id=library.pk, album=album.rating_key)
    result = plex_services.plex_import_request(plex_metadata_ids=[photo.rating_key])

    assert [item.plex_metadata_id for item in page.items] == [photo.rating_key]
    assert len(PlexLibrary.objects.get(pk=library.pk).title) == 255
    row = PlexPhoto.objects.get(rating_key=photo.rating_key)
    assert len(row.title) == 255 and "\x00" not in row.title
    assert len(row.part_file) == 1024 and len(row.album_path) <= 1024
    assert len(result.queued) == 1 and len(chains) == 1
