from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import lane
from docentsite.artwork import services as artwork_services
from docentsite.artwork.imaging import ImageRejected
from docentsite.artwork.models import Artwork, Placement, PlacementStatus, Status
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexPhoto

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failed_import_resumes_where_it_stopped(
    fake_plex, plex_settings, fake_tv, tv, chains, settings, tmp_path
):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    settings.TASK_MAX_RETRIES = 0  # the lane gives up on the TV at its first refusal
    harbour = fake_plex.find("Harbour at dawn").rating_key
    services.plex_import_request(plex_metadata_ids=[harbour])
    (record_id, artwork_id), = chains
    services.plex_fetch_original(record_id=record_id)
    artwork_services.artwork_prepare(artwork_id=artwork_id)
    fake_tv.stop()
    lane.tv_lane_run(tv_id=tv.pk)
    placement = Placement.objects.get(artwork_id=artwork_id, tv=tv)
    assert placement.status == PlacementStatus.FAILED
    record = ImportRecord.objects.get(pk=record_id)
    assert (record.status, record.step, record.last_error) == (
        ImportStatus.FAILED, "uploading", f"{tv.name}: {placement.last_error}")
    assert placement.last_error.startswith("Gave up after 1 attempts: ")
    downloads = len(fake_plex.downloads)

    again = services.plex_import_request(plex_metadata_ids=[harbour])
    fake_tv.start()
    services.plex_fetch_original(record_id=record_id)
    artwork_services.artwork_prepare(artwork_id=artwork_id)
    lane.tv_lane_run(tv_id=tv.pk)
    artwork_services.artwork_finish(artwork_id=artwork_id, inline=True)

    assert again.queued == [harbour] and chains[-1] == (record_id, artwork_id)
    assert len(fake_plex.downloads) == downloads  # the original was kept, not fetched again
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE and record.attempts == 1
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ON_TV
    assert list(fake_tv.photos) == [placement.content_id]


def test_a_photo_docent_could_not_read_is_fetched_again_when_asked_again(
    fake_plex, plex_settings, chains, jpeg
):
    broken = fake_plex.find("Broken")
    services.plex_import_request(plex_metadata_ids=[broken.rating_key])
    (record_id, artwork_id), = chains
    services.plex_fetch_original(record_id=record_id)
    with pytest.raises(ImageRejected):
        artwork_services.artwork_prepare(artwork_id=artwork_id)
    artwork_services.artwork_record_failure(artwork_id=artwork_id, error="not a picture")
    assert not Artwork.objects.get(pk=artwork_id).original  # a rejected file is not kept
    fake_plex.replace_file(broken.rating_key, jpeg)

    services.plex_import_request(plex_metadata_ids=[broken.rating_key])
    services.plex_fetch_original(record_id=record_id)
    artwork = artwork_services.artwork_prepare(artwork_id=artwork_id)

    assert artwork.status == Status.PREPARED and artwork.image
    assert len(fake_plex.downloads) == 2


def test_force_imports_a_photo_on_the_tv_again_as_a_new_artwork(
    fake_plex, plex_settings, tv, chains
):
    harbour = fake_plex.find("Harbour at dawn").rating_key
    services.plex_import_request(plex_metadata_ids=[harbour])
    record = ImportRecord.objects.get()
    Artwork.objects.filter(pk=record.artwork_id).update(status=Status.PREPARED)
    Placement.objects.filter(artwork_id=record.artwork_id, tv=tv).update(
        status=PlacementStatus.ON_TV, content_id="MY_F0001")
    ImportRecord.objects.filter(pk=record.pk).update(status=ImportStatus.DONE,
                                                     finished_at=timezone.now())

    skipped = services.plex_import_request(plex_metadata_ids=[harbour])
    forced = services.plex_import_request(plex_metadata_ids=[harbour], force=True)

    assert skipped.skipped == [{"plex_metadata_id": harbour,
                                "reason": "already on the TV as MY_F0001"}]
    assert forced.queued == [harbour]
    record.refresh_from_db()
    assert record.status == ImportStatus.QUEUED and record.artwork.status == Status.PENDING
    assert record.artwork.placements.get().status == PlacementStatus.QUEUED
    assert Placement.objects.filter(content_id="MY_F0001", status=PlacementStatus.ON_TV,
                                    artwork__status=Status.PREPARED).exists()


def test_imports_that_stopped_moving_are_queued_again(fake_plex, plex_settings, chains):
    ids = [fake_plex.find(t).rating_key for t in ("Harbour at dawn", "Garden")]
    services.plex_import_request(plex_metadata_ids=ids)
    stalled, fresh = ImportRecord.objects.order_by("pk")
    ImportRecord.objects.filter(pk=stalled.pk).update(
        status=ImportStatus.RUNNING, updated_at=timezone.now() - timedelta(hours=1))
    chains.clear()

    count = services.plex_import_resume_stalled()

    assert count == 1 and chains == [(stalled.pk, stalled.artwork_id)]


def test_the_core_sweep_leaves_plex_artworks_waiting_for_their_download(
    fake_plex, plex_settings, chains
):
    services.plex_import_request(plex_metadata_ids=[fake_plex.find("Garden").rating_key])
    Artwork.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    assert artwork_services.artwork_resume_stalled() == 0


def test_admin_actions_import_and_retry(admin_client, fake_plex, plex_settings, chains):
    library = services.plex_library_get(library="Photos")
    services.plex_photos_remember(
        library=library, photos=services.plex_photo_list(library=library))
    photo = PlexPhoto.objects.get(title="Harbour at dawn")

    response = admin_client.post("/admin/plexsource/plexphoto/", {
        "action": "import_to_tv", "_selected_action": [photo.pk]}, follow=True)
    assert "1 import(s) queued." in response.content.decode()
    again = admin_client.post("/admin/plexsource/plexphoto/", {
        "action": "import_to_tv", "_selected_action": [photo.pk]}, follow=True)
    assert "0 import(s) queued, 1 skipped (import in progress)." in again.content.decode()

    record = ImportRecord.objects.get()
    ImportRecord.objects.filter(pk=record.pk).update(
        status=ImportStatus.FAILED, last_error="boom", finished_at=timezone.now())
    retried = admin_client.post("/admin/plexsource/importrecord/", {
        "action": "retry", "_selected_action": [record.pk]}, follow=True)
    assert "1 import(s) queued." in retried.content.decode()
    assert admin_client.get("/admin/plexsource/importrecord/").status_code == 200
