"""The stall sweeps and take-overs, called directly: what is dead, what is alive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from docentsite.artwork import lane, services, tvs
from docentsite.artwork.models import (
    TV,
    AnalysisStatus,
    Artwork,
    Placement,
    PlacementStatus,
    Status,
)
from plexsource import services as plex_services
from plexsource.models import ImportRecord, ImportStatus, ImportStep

pytestmark = pytest.mark.django_db


def ago(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def lanes(monkeypatch):
    """The TV lanes started (their TV ids), instead of run."""
    started = []

    class Lane:
        @staticmethod
        def delay(tv_id):
            started.append(tv_id)

    monkeypatch.setattr("docentsite.artwork.tasks.tv_lane", Lane)
    return started


def placed(artwork, tv, **fields) -> Placement:
    return Placement.objects.create(artwork=artwork, tv=tv, **fields)


def test_the_sweep_takes_over_silent_steps_and_leaves_live_and_waiting_ones(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued, settings
):
    settings.STALL_AFTER = 120
    pipelines = queued("pipeline")
    silent, beating, waiting, idle = (make_artwork(jpeg, prepare=False) for _ in range(4))
    analysing = make_artwork(jpeg)
    Artwork.objects.filter(pk=silent.pk).update(heartbeat_at=ago(minutes=3))
    Artwork.objects.filter(pk=beating.pk).update(heartbeat_at=ago(seconds=30))
    Artwork.objects.filter(pk=waiting.pk).update(
        waiting_reason="The disk is full.", next_attempt_at=timezone.now() + timedelta(minutes=8))
    Artwork.objects.filter(pk=analysing.pk).update(
        analysis_status=AnalysisStatus.RUNNING, heartbeat_at=ago(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_resume_stalled()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.artwork_resume_stalled()

    assert count == 2 and sorted(pipelines.ids) == sorted([silent.pk, analysing.pk])
    assert again == 0  # the take-over cleared the silent heartbeats
    assert Artwork.objects.get(pk=silent.pk).heartbeat_at is None
    assert Artwork.objects.get(pk=analysing.pk).analysis_status == AnalysisStatus.PENDING
    assert Artwork.objects.get(pk=beating.pk).heartbeat_at is not None
    assert idle.pk not in pipelines.ids  # queued a moment ago: its message is on its way


def test_the_lane_sweep_restarts_silent_uploads_and_lost_retries_only(
    make_artwork, jpeg, django_capture_on_commit_callbacks, lanes, settings
):
    settings.STALL_AFTER = 120
    silent, beating, waiting, lost, off = (
        tvs.tv_create(name=name, host="192.0.2.1")
        for name in ("Silent", "Beating", "Waiting", "Lost", "Off"))
    TV.objects.filter(pk=off.pk).update(enabled=False)
    artwork = make_artwork(jpeg)
    placed(artwork, silent, status=PlacementStatus.UPLOADING, heartbeat_at=ago(minutes=3))
    placed(artwork, beating, status=PlacementStatus.UPLOADING, heartbeat_at=ago(seconds=30))
    placed(artwork, waiting, waiting_reason="The TV is off.",
           next_attempt_at=timezone.now() + timedelta(minutes=8))
    placed(artwork, lost, waiting_reason="The TV is off.", next_attempt_at=ago(minutes=3))
    placed(artwork, off, status=PlacementStatus.UPLOADING, heartbeat_at=ago(minutes=3))

    with django_capture_on_commit_callbacks(execute=True):
        count = lane.lanes_resume()

    assert count == 2 and sorted(lanes) == sorted([silent.pk, lost.pk])


def test_a_retry_that_never_started_is_taken_over(
    make_artwork, jpeg, django_capture_on_commit_callbacks, queued, settings
):
    settings.STALL_AFTER = 120
    pipelines = queued("pipeline")
    lost = make_artwork(jpeg)
    Artwork.objects.filter(pk=lost.pk).update(
        analysis_status=AnalysisStatus.PENDING, waiting_reason="Anthropic is overloaded.",
        next_attempt_at=ago(minutes=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.artwork_resume_stalled() == 1

    assert pipelines.ids == [lost.pk]


def test_the_artwork_retry_action_takes_over_a_stalled_upload(
    make_artwork, jpeg, tv, django_capture_on_commit_callbacks, queued, lanes
):
    pipelines = queued("pipeline")
    stalled, live = make_artwork(jpeg), make_artwork(jpeg)
    placed(stalled, tv, status=PlacementStatus.UPLOADING, heartbeat_at=ago(hours=1))
    placed(live, tv, status=PlacementStatus.UPLOADING, heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        count = services.artwork_retry(artworks=Artwork.objects.all())

    assert count == 1 and lanes == [tv.pk] and pipelines.ids == []


def test_retry_and_force_take_over_a_stalled_import(
    fake_plex, plex_settings, chains, django_capture_on_commit_callbacks
):
    ids = [fake_plex.find(t).rating_key for t in ("Harbour at dawn", "Garden", "Airport")]
    plex_services.plex_import_request(plex_metadata_ids=ids)
    killed, lost, live = ImportRecord.objects.order_by("pk")
    # Killed mid-download; queued long ago and never started; downloading now.
    ImportRecord.objects.filter(pk=killed.pk).update(
        status=ImportStatus.RUNNING, step=ImportStep.DOWNLOADING, heartbeat_at=ago(hours=1))
    ImportRecord.objects.filter(pk=lost.pk).update(updated_at=ago(hours=1))
    ImportRecord.objects.filter(pk=live.pk).update(
        status=ImportStatus.RUNNING, step=ImportStep.DOWNLOADING, heartbeat_at=timezone.now())
    chains.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = plex_services.plex_import_request(
            plex_metadata_ids=[killed.plex_metadata_id])
        forced = plex_services.plex_import_request(
            plex_metadata_ids=[lost.plex_metadata_id], force=True)
        busy = plex_services.plex_import_request(
            plex_metadata_ids=[live.plex_metadata_id], force=True)

    assert again.queued == [killed.plex_metadata_id]
    assert forced.queued == [lost.plex_metadata_id]
    assert busy.skipped == [{"plex_metadata_id": live.plex_metadata_id,
                             "reason": "import in progress"}]
    assert chains == [(killed.pk, killed.artwork_id), (lost.pk, lost.artwork_id)]
    killed.refresh_from_db()
    assert (killed.status, killed.step, killed.heartbeat_at) == (
        ImportStatus.QUEUED, ImportStep.QUEUED, None)
    assert Artwork.objects.count() == 3  # taken over, not imported a second time


def test_the_import_retry_action_takes_over_a_stalled_import(
    admin_client, fake_plex, plex_settings, chains, django_capture_on_commit_callbacks
):
    plex_services.plex_import_request(plex_metadata_ids=[fake_plex.find("Garden").rating_key])
    record = ImportRecord.objects.get()
    ImportRecord.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, step=ImportStep.DOWNLOADING, updated_at=ago(hours=1))
    chains.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/plexsource/importrecord/", {
            "action": "retry", "_selected_action": [record.pk]}, follow=True)

    assert "1 import(s) queued." in response.content.decode()
    assert "left as they are" not in response.content.decode()
    assert chains == [(record.pk, record.artwork_id)]


def test_an_import_waiting_for_the_tv_is_not_taken_over(
    fake_plex, plex_settings, fake_tv, tv, chains, settings
):
    settings.STALL_AFTER, settings.TASK_RETRY_DELAY = 120, 300
    plex_services.plex_import_request(plex_metadata_ids=[fake_plex.find("Garden").rating_key])
    record_id, artwork_id = ImportRecord.objects.values_list("pk", "artwork_id").get()
    plex_services.plex_fetch_original(record_id=record_id)
    services.artwork_prepare(artwork_id=artwork_id)
    fake_tv.stop()
    assert lane.tv_lane_run(tv_id=tv.pk).retry_in == 300
    ImportRecord.objects.filter(pk=record_id).update(updated_at=ago(hours=1))
    record = ImportRecord.objects.get(pk=record_id)
    assert (record.status, record.step) == (ImportStatus.RUNNING, ImportStep.UPLOADING)
    assert record.next_attempt_at > timezone.now()
    chains.clear()

    answer = plex_services.plex_import_request(plex_metadata_ids=[record.plex_metadata_id])

    assert answer.skipped == [{"plex_metadata_id": record.plex_metadata_id,
                               "reason": "import in progress"}]
    assert chains == []


def test_the_plex_sweep_restarts_dead_downloads_and_settles_ended_artworks(
    fake_plex, plex_settings, chains, django_capture_on_commit_callbacks
):
    titles = ("Harbour at dawn", "Garden", "Airport", "Cenote")
    plex_services.plex_import_request(
        plex_metadata_ids=[fake_plex.find(t).rating_key for t in titles])
    downloading, preparing, failed, fresh = ImportRecord.objects.order_by("pk")
    for record in (downloading, preparing, failed):
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportStatus.RUNNING, heartbeat_at=ago(hours=1))
    # The core's sweep resumes a picture being prepared; the failure only needs saying.
    Artwork.objects.filter(pk=preparing.artwork_id).update(original="originals/x.jpg")
    Artwork.objects.filter(pk=failed.artwork_id).update(status=Status.FAILED,
                                                        last_error="The TV is full.")
    chains.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = plex_services.plex_import_resume_stalled()

    assert count == 2 and chains == [(downloading.pk, downloading.artwork_id)]
    failed.refresh_from_db()
    assert (failed.status, failed.last_error) == (ImportStatus.FAILED, "The TV is full.")
    assert ImportRecord.objects.get(pk=fresh.pk).status == ImportStatus.QUEUED
