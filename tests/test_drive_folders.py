"""drivesource.folders: the shared folder's tree, against the fake Drive."""

import pytest

from docentsite.artwork.errors import NotFound
from drivesource import folders


def names(entries):
    return [entry.name for entry in entries]


def test_the_shared_folder_lists_its_folders_and_pictures(drive_settings, fake_drive):
    listing = folders.drive_folder_listing()

    assert listing.folder.title == "Frame art"
    assert [crumb.title for crumb in listing.path] == ["Frame art"]
    assert names(listing.folders) == ["Formats", "Travel"]
    assert names(listing.pictures) == ["harbour.jpg"]


def test_a_listing_is_kept_for_paging(drive_settings, fake_drive):
    folders.drive_folder_listing()
    fake_drive.clear_records()

    folders.drive_folder_listing()

    assert fake_drive.requests == []


def test_a_deep_folder_finds_its_way_up_for_breadcrumbs(drive_settings, fake_drive):
    mexico = fake_drive.find("Mexico")

    listing = folders.drive_folder_listing(folder_id=mexico.id)

    assert [crumb.title for crumb in listing.path] == ["Frame art", "Travel", "Mexico"]
    assert names(listing.pictures) == ["airport.jpg", "broken.jpg"]


def test_folders_outside_the_shared_one_are_not_browsed(drive_settings, fake_drive):
    elsewhere = fake_drive.add_folder(None, "Someone else's", shared=True)
    fake_drive.add_file(elsewhere, "theirs.jpg", fake_drive.find("airport.jpg").data)

    for folder in (elsewhere, fake_drive.find("Private")):
        with pytest.raises(NotFound, match="no folder .* in the shared Google Drive folder"):
            folders.drive_folder_listing(folder_id=folder.id)
    with pytest.raises(NotFound):
        folders.drive_pictures_below(folder_id=elsewhere.id, subfolders=True)
    assert not fake_drive.requests_to("/drive/v3/files") or all(
        elsewhere.id not in request.query.get("q", "")
        for request in fake_drive.requests_to("/drive/v3/files"))


def test_pictures_below_a_folder_with_or_without_its_subfolders(drive_settings, fake_drive):
    travel = fake_drive.find("Travel").id

    own = folders.drive_pictures_below(folder_id=travel, subfolders=False)
    every = folders.drive_pictures_below(folder_id=travel, subfolders=True)

    assert sorted(e.name for _p, e in own) == [
        "IMG_0042.JPG", "IMG_0077.HEIC", "panorama.png", "passport.png"]
    assert {e.name: p for p, e in every}["broken.jpg"] == ("Mexico",)
    assert len(every) == 6
