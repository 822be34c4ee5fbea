"""Files have an owner: the upload limit, rejected originals, and deleting an artwork."""

import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from docentsite.artwork import imaging, placements, services
from docentsite.artwork.models import Artwork, Status
from tests.workers import meta_entries

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/artwork/artwork/"


def stored(artwork) -> list:
    """The files of the artwork that exist on disk."""
    return [field.path for field in (artwork.original, artwork.image, artwork.thumbnail,
                                     artwork.vision)
            if field and field.storage.exists(field.name)]


def test_a_file_over_the_limit_is_refused_by_name(admin_client, settings, make_jpeg):
    settings.UPLOAD_MAX_MB = 0.05
    big = make_jpeg(400, 300, noise=True)
    assert len(big) > 0.05 * 1024 * 1024

    response = admin_client.post("/admin/artwork/artwork/upload/", {
        "files": [SimpleUploadedFile("small.jpg", make_jpeg()),
                  SimpleUploadedFile("huge.jpg", big)]})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"huge.jpg is {len(big) / 1024 / 1024:.1f} MB; pictures up to 0.05 MB are " \
           "accepted (UPLOAD_MAX_MB in .env). Nothing was uploaded." in page
    assert "small.jpg is" not in page
    assert not Artwork.objects.exists()


def test_the_original_of_a_rejected_file_is_deleted(make_artwork):
    artwork = make_artwork(b"not a picture at all", filename="notes.jpg", prepare=False)
    original = artwork.original.path

    with pytest.raises(imaging.ImageRejected):
        services.artwork_prepare(artwork_id=artwork.pk)

    artwork.refresh_from_db()
    assert artwork.status == Status.FAILED and artwork.last_error
    assert artwork.original == "" and not stored(artwork)
    assert not os.path.exists(original)
    assert services.artwork_retry(artworks=Artwork.objects.all()) == 0  # nothing to resume


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "artwork_meta.json"
    return tv


def on_tv(make_artwork, jpeg, upload_now, **fields):
    """The picture's placement on the TV, uploaded, its artwork_meta.json entry written."""
    placement = upload_now(make_artwork(jpeg, **fields))
    services.artwork_finish(artwork_id=placement.artwork_id, inline=True)
    return placement


def test_deleting_an_artwork_on_the_tv_is_refused(admin_client, tv, upload_now, fake_tv,
                                                   make_artwork, jpeg, settings):
    placement = on_tv(make_artwork, jpeg, upload_now, filename="wave.jpg")
    artwork = placement.artwork
    files = stored(artwork)

    response = admin_client.post(f"{CHANGELIST}{artwork.pk}/delete/", {"post": "yes"},
                                 follow=True)

    assert "“wave”: on the TV (or on its way there), so not deleted. Use the action “Remove " \
           "from TV” first" in response.content.decode()
    assert Artwork.objects.filter(pk=artwork.pk).exists()
    assert stored(artwork) == files and len(files) == 4  # with the original, kept
    assert placement.content_id in fake_tv.photos
    assert placement.content_id in meta_entries(settings)


def test_deleting_an_artwork_off_the_tv_removes_its_files_and_entry(
    admin_client, tv, upload_now, make_artwork, jpeg, settings,
    django_capture_on_commit_callbacks,
):
    placement = on_tv(make_artwork, jpeg, upload_now)
    artwork = placement.artwork
    removed = placements.artwork_remove_from_tv(
        artworks=Artwork.objects.filter(pk=artwork.pk), tvs_chosen=[tv])
    assert [p.pk for p in removed.removed] == [placement.pk]
    # As if the sync after the removal had not happened: the entry is still in the file.
    settings.ARTWORK_META_PATH.write_text(json.dumps(
        {"artwork": {placement.content_id: {"title": "wave"}, "MY_F9999": {"title": "theirs"}}}))
    files = stored(artwork)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{CHANGELIST}{artwork.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Artwork.objects.filter(pk=artwork.pk).exists()
    assert files and not any(os.path.exists(path) for path in files)
    assert list(meta_entries(settings)) == ["MY_F9999"]  # an original Docent's entry stays


def test_bulk_delete_is_refused_when_one_is_on_the_tv(admin_client, tv, upload_now,
                                                      make_artwork, jpeg):
    showing = on_tv(make_artwork, jpeg, upload_now, filename="wave.jpg").artwork
    waiting = make_artwork(jpeg, filename="dunes.jpg")

    response = admin_client.post(CHANGELIST, {"action": "delete_selected",
                                              "_selected_action": [showing.pk, waiting.pk]},
                                 follow=True)

    page = response.content.decode()
    assert "“wave”: on the TV" in page and "Nothing was deleted." in page
    assert Artwork.objects.count() == 2 and stored(waiting)


def test_bulk_delete_removes_the_files(admin_client, tv, make_artwork, jpeg,
                                       django_capture_on_commit_callbacks):
    prepared = make_artwork(jpeg, filename="dunes.jpg")
    pending = make_artwork(jpeg, filename="sky.jpg", prepare=False)
    files = stored(prepared) + stored(pending)
    selected = {"action": "delete_selected", "_selected_action": [prepared.pk, pending.pk]}

    confirm = admin_client.post(CHANGELIST, selected)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CHANGELIST, {**selected, "post": "yes"})

    assert "Are you sure" in confirm.content.decode()
    assert not Artwork.objects.exists()
    assert len(files) == 5 and not any(os.path.exists(path) for path in files)
