"""The Plex use cases against a fake Plex that misbehaves as servers in the field do."""

import pytest

from docentsite.artwork.errors import DocentError
from docentsite.artwork.models import Artwork
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexLibrary
from tests.fakes.plex import sample_files

pytestmark = pytest.mark.django_db(transaction=True)


def photos_library() -> PlexLibrary:
    return next(lib for lib in services.plex_libraries_refresh() if lib.title == "Photos")


def test_an_id_plex_normalises_is_imported_under_plexs_spelling(fake_plex, plex_settings,
                                                                 chains):
    garden = fake_plex.find("Garden").rating_key

    result = services.plex_import_request(plex_metadata_ids=["0" + garden])
    again = services.plex_import_request(plex_metadata_ids=[garden])

    assert result.queued == [garden] and result.errors == []
    assert ImportRecord.objects.get().plex_metadata_id == garden
    assert again.skipped == [{"plex_metadata_id": garden, "reason": "import in progress"}]


def test_a_part_key_on_another_server_fails_that_record_in_words(fake_plex, plex_settings,
                                                                 chains):
    garden = fake_plex.find("Garden")
    garden.listed_part_key = "//192.0.2.7:32400/library/parts/1/2/file.jpg"
    services.plex_import_request(plex_metadata_ids=[garden.rating_key])
    (record_id, _artwork_id), = chains

    record = services.plex_import_run_inline(record_id=record_id, attempts=1)

    assert record.status == ImportStatus.FAILED
    assert "leads to another server" in record.last_error
    assert "Docent sends the Plex token to" in record.last_error
    assert fake_plex.token not in record.last_error


def test_a_file_changed_since_plexs_scan_is_imported(fake_plex, plex_settings, chains, caplog):
    garden = fake_plex.find("Garden")
    new_file = sample_files()["portrait.jpg"]
    fake_plex.change_file_behind_plex(garden.rating_key, new_file)
    services.plex_import_request(plex_metadata_ids=[garden.rating_key])
    (record_id, artwork_id), = chains

    services.plex_fetch_original(record_id=record_id)

    assert Artwork.objects.get(pk=artwork_id).original.read() == new_file
    assert "changed since Plex's last scan" in caplog.text
    note = ImportRecord.objects.get(pk=record_id).note
    assert note.startswith("The file changed after Plex's last scan (Plex lists ")
    assert note.endswith(f"it sent {len(new_file):,}): imported as sent.")


def test_a_download_that_stalls_is_a_transient_failure(fake_plex, plex_settings, chains,
                                                        settings):
    settings.PLEX_DOWNLOAD_TIMEOUT = 1
    harbour = fake_plex.find("Harbour at dawn").rating_key
    services.plex_import_request(plex_metadata_ids=[harbour])
    (record_id, _), = chains
    fake_plex.download_rate = 50 << 10

    with pytest.raises(DocentError) as caught:
        services.plex_fetch_original(record_id=record_id)

    assert caught.value.transient and "more than 1 s" in str(caught.value)


def test_album_find_on_a_server_that_does_not_page(fake_plex, plex_settings):
    library = photos_library()
    fake_plex.unpaged = True

    key = services.plex_album_find(library=library, path="travel/2019/MEXICO")

    assert key == fake_plex.find("Mexico").rating_key
    with pytest.raises(DocentError, match="no album 'Travel/1999'"):
        services.plex_album_find(library=library, path="Travel/1999")


def test_album_find_ends_on_a_server_that_repeats_its_first_page(fake_plex, plex_settings):
    library = photos_library()
    for number in range(30):
        fake_plex.add_album(fake_plex.sections[0], f"Album {number}")
    fake_plex.max_page = 10
    fake_plex.send_total_size = False
    fake_plex.ignore_start = True

    with pytest.raises(DocentError):
        services.plex_album_find(library=library, path="Nowhere")


@pytest.mark.parametrize("fault", ["unpaged", "total_in_header_only"])
def test_browse_pages_through_a_server_that_pages_oddly(fake_plex, plex_settings, fault):
    fake_plex.add_synthetic_section("Camera Uploads", 130)
    setattr(fake_plex, fault, True)
    libraries = {lib.title: lib for lib in services.plex_libraries_refresh()}

    page = services.plex_browse(library_id=libraries["Camera Uploads"].pk, page=2,
                                page_size=50)

    assert page.total == 130 and len(page.items) == 50
    assert page.items[0].title == "IMG_00051"
    assert libraries["Camera Uploads"].photo_count == 130
