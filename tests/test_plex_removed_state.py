"""A Plex photo whose picture was removed from the TV says so everywhere, and
importing it again puts the same picture back (fake Plex, fake TV)."""

import pytest

from docentsite.artwork import lane, placements
from docentsite.artwork import services as artwork_services
from docentsite.artwork.models import Artwork, Placement, PlacementStatus, Status
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def imported(fake_plex, plex_settings, tv, chains, settings, tmp_path):
    """Harbour at dawn imported and on the TV, as the chain leaves it."""
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    harbour = fake_plex.find("Harbour at dawn")
    services.plex_import_request(plex_metadata_ids=[harbour.rating_key])
    (record_id, artwork_id), = chains
    services.plex_fetch_original(record_id=record_id)
    artwork_services.artwork_prepare(artwork_id=artwork_id)
    lane.tv_lane_run(tv_id=tv.pk)
    artwork_services.artwork_finish(artwork_id=artwork_id, inline=True)
    assert ImportRecord.objects.get(pk=record_id).status == ImportStatus.DONE
    return harbour, record_id, artwork_id


def tile(harbour):
    library = next(lib for lib in services.plex_libraries_refresh()
                   if lib.section_key == harbour.section.key)
    album = harbour.parent.rating_key if harbour.parent else None
    page = services.plex_browse(library_id=library.pk, album=album)
    return next(item for item in page.items if item.plex_metadata_id == harbour.rating_key)


def remove(artwork_id):
    result = placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=artwork_id))
    assert len(result.removed) == 1


def placement_of(artwork_id) -> Placement:
    return Placement.objects.get(artwork_id=artwork_id)


def test_the_tile_of_a_removed_picture_says_removed_not_imported(imported):
    harbour, _, artwork_id = imported
    on_tv = tile(harbour)
    assert (on_tv.imported, on_tv.import_status) == (True, "done")

    remove(artwork_id)

    removed = tile(harbour)
    assert (removed.imported, removed.import_status) == (False, "removed")


def test_importing_a_removed_picture_again_puts_the_same_one_back(
        imported, tv, fake_tv, fake_plex, chains):
    harbour, record_id, artwork_id = imported
    remove(artwork_id)
    downloads = len(fake_plex.downloads)

    again = services.plex_import_request(plex_metadata_ids=[harbour.rating_key])

    assert again.queued == [harbour.rating_key] and again.skipped == []
    assert chains[-1] == (record_id, artwork_id)  # the same artwork, no second one
    assert Artwork.objects.count() == 1
    assert Artwork.objects.get(pk=artwork_id).status == Status.PREPARED
    waiting = placement_of(artwork_id)
    assert waiting.status == PlacementStatus.QUEUED and waiting.content_id is None
    # The chain's steps: nothing fetched or prepared again, the kept JPEG uploaded.
    services.plex_fetch_original(record_id=record_id)
    artwork_services.artwork_prepare(artwork_id=artwork_id)
    lane.tv_lane_run(tv_id=tv.pk)
    artwork_services.artwork_finish(artwork_id=artwork_id, inline=True)
    back = placement_of(artwork_id)
    assert len(fake_plex.downloads) == downloads
    assert back.status == PlacementStatus.ON_TV and list(fake_tv.photos) == [back.content_id]
    assert ImportRecord.objects.get(pk=record_id).status == ImportStatus.DONE
    assert tile(harbour).import_status == "done"


def test_a_picture_on_the_tv_is_still_skipped_unless_forced(imported):
    harbour, _, artwork_id = imported
    content_id = placement_of(artwork_id).content_id

    skipped = services.plex_import_request(plex_metadata_ids=[harbour.rating_key])

    assert skipped.skipped == [{"plex_metadata_id": harbour.rating_key,
                                "reason": f"already on the TV as {content_id}"}]


def test_the_import_records_list_says_removed_from_the_tv(imported, admin_client):
    _, _, artwork_id = imported
    content_id = placement_of(artwork_id).content_id

    remove(artwork_id)
    page = admin_client.get("/admin/plexsource/importrecord/").content.decode()

    assert f"Removed from the TV (was {content_id})" in page
