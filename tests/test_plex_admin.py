import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from docentsite.artwork import tvs
from docentsite.artwork.models import AnalysisStatus, Placement, PlacementStatus
from plexsource import services
from plexsource.models import ImportRecord, ImportStatus, PlexPhoto

pytestmark = pytest.mark.django_db

PHOTOS = "/admin/plexsource/plexphoto/"
IMPORTS = "/admin/plexsource/importrecord/"


@pytest.fixture
def remembered(fake_plex, plex_settings):
    """Every photo of the fake Plex's library, remembered as `import_plex` lists them
    (browsing remembers nothing: it is read-only)."""
    library = services.plex_library_get(library="Photos")
    services.plex_photos_remember(
        library=library, photos=services.plex_photo_list(library=library))
    return PlexPhoto.objects.all()


def record_for(photo, *, status=ImportStatus.QUEUED, artwork=None, error=""):
    ended = status in (ImportStatus.DONE, ImportStatus.FAILED)
    return ImportRecord.objects.create(
        plex_metadata_id=photo.rating_key, photo=photo, artwork=artwork, status=status,
        last_error=error, requested_at=timezone.now(),
        finished_at=timezone.now() if ended else None,
    )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_photo_list_shows_thumbnails_through_docent_never_plex(admin_client, remembered,
                                                              fake_plex):
    body = admin_client.get(PHOTOS).content.decode()

    sources = re.findall(r'<img src="(/api/[^"]+)" alt="([^"]*)"', body)
    assert len(sources) == remembered.count()
    assert all(src.startswith("/api/plex/thumbnails/") for src, _ in sources)
    assert ("/api/plex/thumbnails/" + fake_plex.find("Garden").rating_key, "Garden") in sources
    assert fake_plex.url not in body and fake_plex.token not in body


def test_photo_list_filters_by_import_state(admin_client, remembered):
    garden, harbour = remembered.get(title="Garden"), remembered.get(title="Harbour at dawn")
    record_for(garden, status=ImportStatus.FAILED, error="TV off")

    failed = admin_client.get(PHOTOS + "?import=failed").content.decode()
    never = admin_client.get(PHOTOS + "?import=none").content.decode()

    assert ">Garden<" in failed and ">Harbour at dawn<" not in failed
    assert ">Harbour at dawn<" in never and ">Garden<" not in never
    assert harbour.imports.count() == 0


def test_photo_list_costs_the_same_queries_for_one_photo_or_many(admin_client, remembered):
    for photo in remembered[:3]:
        record_for(photo)
    many = queries_for(admin_client, PHOTOS)
    remembered.exclude(pk=remembered.first().pk).delete()
    one = queries_for(admin_client, PHOTOS)

    assert many == one


def test_import_list_shows_the_prepared_picture_or_the_plex_thumbnail(
        admin_client, remembered, make_artwork, jpeg):
    garden, harbour = remembered.get(title="Garden"), remembered.get(title="Harbour at dawn")
    artwork = make_artwork(jpeg, source="plex")
    record_for(garden, status=ImportStatus.FAILED, artwork=artwork,
               error="The TV at 10.0.0.9:8002 does not answer: it is off.")
    record_for(harbour)

    body = admin_client.get(IMPORTS).content.decode()

    assert f'<img src="/admin/artwork/artwork/{artwork.pk}/thumbnail/" alt="Garden"' in body
    assert f'<img src="/api/plex/thumbnails/{harbour.rating_key}" alt="Harbour at dawn"' in body
    assert "does not answer: it is off." in body
    assert admin_client.get(f"/admin/artwork/artwork/{artwork.pk}/thumbnail/").status_code == 200


def test_import_list_filters_by_status_and_library(admin_client, remembered):
    garden, harbour = remembered.get(title="Garden"), remembered.get(title="Harbour at dawn")
    record_for(garden, status=ImportStatus.FAILED, error="boom")
    record_for(harbour)

    failed = admin_client.get(IMPORTS + "?status__exact=failed").content.decode()
    by_library = admin_client.get(
        IMPORTS + f"?photo__library__id__exact={garden.library_id}").content.decode()

    def shown(photo, body):
        return f'alt="{photo.title}"' in body

    assert shown(garden, failed) and not shown(harbour, failed)
    assert shown(garden, by_library) and shown(harbour, by_library)


def test_import_list_costs_the_same_queries_for_one_record_or_many(
        admin_client, remembered, make_artwork, jpeg):
    frame, den = (tvs.tv_create(name=name, host="192.0.2.1") for name in ("Frame", "Den"))
    for number, photo in enumerate(remembered[:4]):
        artwork = make_artwork(jpeg)
        record_for(photo, status=ImportStatus.FAILED, artwork=artwork, error="x")
        for tv in (frame, den):  # "On the TV as" names each TV showing it
            Placement.objects.create(artwork=artwork, tv=tv, status=PlacementStatus.ON_TV,
                                     content_id=f"MY_F{number:04}")
    assert "Den: MY_F0000" in admin_client.get(IMPORTS).content.decode()
    many = queries_for(admin_client, IMPORTS)
    ImportRecord.objects.exclude(pk=ImportRecord.objects.first().pk).delete()
    one = queries_for(admin_client, IMPORTS)

    assert many == one


def test_reanalyze_queues_the_imported_pictures_and_says_what_it_left(
        admin_client, remembered, make_artwork, jpeg, queued, django_capture_on_commit_callbacks):
    reanalysis = queued("reanalysis")
    garden, harbour = remembered.get(title="Garden"), remembered.get(title="Harbour at dawn")
    artwork = make_artwork(jpeg, source="plex")
    done = record_for(garden, status=ImportStatus.DONE, artwork=artwork)
    waiting = record_for(harbour)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(IMPORTS, {
            "action": "reanalyze", "_selected_action": [done.pk, waiting.pk]}, follow=True)

    assert ("1 artwork(s) queued for analysis. 1 without a prepared picture yet, "
            "left as they are.") in response.content.decode()
    artwork.refresh_from_db()
    assert artwork.analysis_status == AnalysisStatus.PENDING
    assert reanalysis.ids == [artwork.pk]


@pytest.mark.parametrize("url", [PHOTOS, IMPORTS])
def test_plex_lists_give_users_who_are_not_staff_nothing(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_user("visitor", password="pw"))

    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
