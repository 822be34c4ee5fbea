"""An album page asks Plex for the page, and for breadcrumbs only what Docent does not
know already: the requests the fake Plex receives, counted."""

import pytest

from docentsite.artwork.errors import NotFound
from plexsource import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(plex_settings):
    return next(row for row in services.plex_libraries_refresh() if row.title == "Photos")


def visit(fake_plex, library, album=None, **params):
    """The page, its breadcrumbs' titles, and the Plex requests it cost."""
    fake_plex.clear_records()
    page = services.plex_browse(library_id=library.pk, album=album, **params)
    return page, [crumb.title for crumb in page.path], [r.path for r in fake_plex.requests]


def test_each_album_opened_from_its_folder_costs_one_request(fake_plex, photos):
    visit(fake_plex, photos)
    travel, year, mexico = (fake_plex.find(title).rating_key
                            for title in ("Travel", "2019", "Mexico"))

    for album, crumbs in ((travel, ["Photos", "Travel"]),
                          (year, ["Photos", "Travel", "2019"]),
                          (mexico, ["Photos", "Travel", "2019", "Mexico"])):
        page, titles, requests = visit(fake_plex, photos, album)
        assert titles == crumbs
        assert requests == [f"/library/metadata/{album}/children"]
    assert page.album.id == mexico and page.album.title == "Mexico"


def test_an_album_three_deep_opened_directly_costs_two_requests_then_one(fake_plex, photos):
    mexico = fake_plex.find("Mexico").rating_key

    _page, titles, first = visit(fake_plex, photos, mexico)
    _page, again_titles, again = visit(fake_plex, photos, mexico, page=2, page_size=2)

    assert titles == again_titles == ["Photos", "Travel", "2019", "Mexico"]
    assert first == [f"/library/metadata/{mexico}/children",
                     f"/library/metadata/{fake_plex.find('2019').rating_key}"]
    assert again == [f"/library/metadata/{mexico}/children"]


def test_an_empty_page_of_an_album_still_has_its_breadcrumbs(fake_plex, photos):
    year = fake_plex.find("2019").rating_key

    page, titles, requests = visit(fake_plex, photos, year, page=9)

    assert page.items == [] and titles == ["Photos", "Travel", "2019"]
    assert len(requests) == 2  # the page, then the album's own metadata


def test_a_deep_album_asks_for_one_ancestor_in_two(fake_plex, photos, make_jpeg):
    section = fake_plex.sections[0]
    album = section
    for title in ("A", "B", "C", "D", "E"):
        album = fake_plex.add_album(album, title)
    fake_plex.add_photo(album, "Deep", make_jpeg(64, 48), file="deep.jpg")

    _page, titles, requests = visit(fake_plex, photos, album.rating_key)
    _page, _titles, again = visit(fake_plex, photos, album.rating_key)

    assert titles == ["Photos", "A", "B", "C", "D", "E"]
    assert len(requests) == 3 and len(again) == 1


def test_a_renamed_album_shows_its_new_title_once_its_folders_are_listed_again(
        fake_plex, photos):
    keys = [fake_plex.find(title).rating_key for title in ("Travel", "2019", "Mexico")]
    visit(fake_plex, photos, keys[-1])
    fake_plex.find("Travel").title = "Voyages"

    visit(fake_plex, photos)
    for album in keys:
        _page, titles, _requests = visit(fake_plex, photos, album)

    assert titles == ["Photos", "Voyages", "2019", "Mexico"]


def test_what_is_not_an_album_of_the_library_is_not_found(fake_plex, photos):
    other = fake_plex.add_section("Other")
    elsewhere = fake_plex.add_album(other, "Elsewhere")
    fake_plex.add_photo(elsewhere, "Far", fake_plex.find("Garden").data, file="far.jpg")
    services.plex_libraries_refresh()

    for key in (elsewhere.rating_key, fake_plex.find("Garden").rating_key):
        with pytest.raises(NotFound):
            services.plex_browse(library_id=photos.pk, album=key)
