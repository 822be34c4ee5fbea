"""Collections and favourites: the services, the gallery's actions, star and filters."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from docentsite.artwork import collections
from docentsite.artwork.errors import NotFound, Rejected
from docentsite.artwork.models import TV, Artwork, Collection, Placement, PlacementStatus, Status
from tests.test_gallery_queries import CARD, add_library, page_queries
from tests.users import staff_with

pytestmark = pytest.mark.django_db

GALLERY = "/admin/artwork/artwork/"


def pictures(*titles: str) -> list[Artwork]:
    return [Artwork.objects.create(title=title, status=Status.PREPARED) for title in titles]


def in_gallery(client, **params) -> set[str]:
    response = client.get(GALLERY, params)
    assert response.status_code == 200
    return {artwork.title for artwork in response.context["cl"].result_list}


# -- services ------------------------------------------------------------------------------

def test_a_collection_is_made_renamed_and_deleted_keeping_its_pictures():
    summer = collections.collection_create(name="  Summer   2024 ")
    [beach] = pictures("Beach")
    collections.collection_add(collection=summer, artworks=[beach])

    assert summer.name == "Summer 2024"
    collections.collection_rename(collection=summer, name="Holidays")
    assert Collection.objects.get(pk=summer.pk).name == "Holidays"

    collections.collection_delete(collection=summer)
    assert not Collection.objects.exists()
    assert Artwork.objects.get(pk=beach.pk).title == "Beach"


@pytest.mark.parametrize("name", ["", "   ", "x" * 129])
def test_a_collection_needs_a_name_that_fits(name):
    with pytest.raises(Rejected):
        collections.collection_create(name=name)


def test_a_taken_name_is_refused_for_a_new_collection_and_a_rename():
    collections.collection_create(name="Summer")
    winter = collections.collection_create(name="Winter")

    with pytest.raises(Rejected, match="already a collection called “Summer”"):
        collections.collection_create(name="Summer")
    with pytest.raises(Rejected, match="already"):
        collections.collection_rename(collection=winter, name="Summer")


def test_collection_named_finds_it_whatever_the_case_or_makes_it_when_asked():
    summer = collections.collection_create(name="Summer")

    assert collections.collection_named(name="summer") == summer
    with pytest.raises(NotFound):
        collections.collection_named(name="Winter")
    assert collections.collection_named(name="Winter", create=True).name == "Winter"


def test_an_artwork_may_be_in_several_collections_and_adding_twice_adds_nothing():
    summer, family = (collections.collection_create(name=n) for n in ("Summer", "Family"))
    beach, picnic = pictures("Beach", "Picnic")

    assert collections.collection_add(collection=summer, artworks=[beach, picnic]) == 2
    assert collections.collection_add(collection=summer, artworks=[beach]) == 0
    assert collections.collection_add(collection=family, artworks=Artwork.objects.filter(
        pk=beach.pk)) == 1

    assert set(beach.collections.values_list("name", flat=True)) == {"Summer", "Family"}
    assert collections.collection_remove(collection=summer, artworks=[beach]) == 1
    assert collections.collection_remove(collection=summer, artworks=[beach]) == 0
    assert list(beach.collections.values_list("name", flat=True)) == ["Family"]
    assert list(summer.artworks.values_list("title", flat=True)) == ["Picnic"]


def test_unstarring_a_kept_favourite_drops_keep_and_keep_stars_it():
    beach, picnic = pictures("Beach", "Picnic")

    assert collections.artwork_keep(artworks=[beach], keep=True) == 1
    beach.refresh_from_db()
    assert (beach.favourite, beach.keep) == (True, True)

    assert collections.artwork_favourite(artworks=[beach, picnic], favourite=False) == 1
    beach.refresh_from_db()
    assert (beach.favourite, beach.keep) == (False, False)


def test_the_database_refuses_keep_without_favourite():
    [beach] = pictures("Beach")
    with pytest.raises(IntegrityError):
        Artwork.objects.filter(pk=beach.pk).update(keep=True)


def test_artworks_by_id_names_the_missing_ones():
    [beach] = pictures("Beach")
    assert collections.artworks_by_id(ids=[beach.pk, beach.pk]) == [beach.pk]
    with pytest.raises(NotFound, match=f"No artwork with id {beach.pk + 1}, {beach.pk + 7}"):
        collections.artworks_by_id(ids=[beach.pk + 7, beach.pk, beach.pk + 1])


# -- the gallery ---------------------------------------------------------------------------

def act(client, action: str, artworks, **data):
    return client.post(GALLERY, {"action": action, "_selected_action": [a.pk for a in artworks],
                                 **data}, follow=True)


def test_add_to_collection_asks_which_then_adds_to_it_or_to_a_new_one(admin_client):
    summer = collections.collection_create(name="Summer")
    beach, picnic = pictures("Beach", "Picnic")

    asked = act(admin_client, "add_to_collection", [beach, picnic])
    assert "Add the selected pictures to which collection?" in asked.content.decode()
    assert not summer.artworks.exists()

    done = act(admin_client, "add_to_collection", [beach, picnic], apply="1",
               collection=summer.pk)
    assert "2 picture(s) added to “Summer”" in done.content.decode()
    assert set(summer.artworks.values_list("title", flat=True)) == {"Beach", "Picnic"}

    act(admin_client, "add_to_collection", [beach], apply="1", new_name="Family")
    assert list(Collection.objects.get(name="Family").artworks.all()) == [beach]


def test_add_to_collection_without_a_choice_asks_again(admin_client):
    [beach] = pictures("Beach")
    again = act(admin_client, "add_to_collection", [beach], apply="1")
    assert "Choose a collection or name a new one." in again.content.decode()
    assert not Collection.objects.exists()


def test_remove_from_collection_offers_the_pictures_collections_and_keeps_them(admin_client):
    summer, family, other = (collections.collection_create(name=n)
                             for n in ("Summer", "Family", "Other"))
    beach, picnic = pictures("Beach", "Picnic")
    collections.collection_add(collection=summer, artworks=[beach, picnic])
    collections.collection_add(collection=family, artworks=[beach])

    asked = act(admin_client, "remove_from_collection", [beach, picnic])
    offered = [str(c) for c in asked.context["form"].fields["collection"].queryset]
    assert offered == ["Family", "Summer"]

    done = act(admin_client, "remove_from_collection", [beach, picnic], apply="1",
               collection=summer.pk)
    assert "2 picture(s) taken out of “Summer”" in done.content.decode()
    assert not summer.artworks.exists() and list(family.artworks.all()) == [beach]
    assert Artwork.objects.count() == 2 and other.pk


def test_the_star_actions_and_the_cards_star(admin_client):
    beach, picnic = pictures("Beach", "Picnic")

    act(admin_client, "mark_favourite", [beach, picnic])
    assert Artwork.objects.filter(favourite=True).count() == 2
    act(admin_client, "unmark_favourite", [picnic])
    assert list(Artwork.objects.filter(favourite=True)) == [beach]

    page = admin_client.get(GALLERY).content.decode()
    assert (f'formaction="{GALLERY}{beach.pk}/favourite/" name="favourite" value="0" '
            'aria-pressed="true"') in page
    assert f'formaction="{GALLERY}{picnic.pk}/favourite/" name="favourite" value="1"' in page

    admin_client.post(f"{GALLERY}{picnic.pk}/favourite/", {"favourite": "1"})
    admin_client.post(f"{GALLERY}{beach.pk}/favourite/", {"favourite": "0"})
    assert list(Artwork.objects.filter(favourite=True)) == [picnic]


def test_the_star_goes_back_to_the_filtered_gallery_it_was_pressed_on(admin_client):
    [beach] = pictures("Beach")
    back = f"http://testserver{GALLERY}?favourite__exact=1"

    answer = admin_client.post(f"{GALLERY}{beach.pk}/favourite/", {"favourite": "1"},
                               HTTP_REFERER=back)
    elsewhere = admin_client.post(f"{GALLERY}{beach.pk}/favourite/", {"favourite": "1"},
                                  HTTP_REFERER="https://example.com/")

    assert answer.url == back and elsewhere.url == GALLERY


def test_a_viewer_sees_the_star_but_cannot_press_it(client):
    [beach] = pictures("Beach")
    collections.artwork_favourite(artworks=[beach], favourite=True)
    client.force_login(staff_with("artwork.view_artwork"))

    page = client.get(GALLERY).content.decode()
    pressed = client.post(f"{GALLERY}{beach.pk}/favourite/", {"favourite": "0"})

    assert 'class="artwork-star" role="img" aria-label="Favourite">★' in page
    assert 'formaction="' not in page
    assert pressed.status_code == 403 and Artwork.objects.get(pk=beach.pk).favourite


def test_the_artwork_page_edits_collections_favourite_and_keep(admin_client):
    summer, family = (collections.collection_create(name=n) for n in ("Summer", "Family"))
    [beach] = pictures("Beach")
    url = f"{GALLERY}{beach.pk}/change/"
    form = {"title": "Beach", "collections": [summer.pk, family.pk], "favourite": "on",
            "keep": "on", "placements-TOTAL_FORMS": "0", "placements-INITIAL_FORMS": "0"}

    assert admin_client.post(url, form).status_code == 302
    beach.refresh_from_db()
    assert (beach.favourite, beach.keep) == (True, True)
    assert set(beach.collections.values_list("name", flat=True)) == {"Summer", "Family"}

    refused = admin_client.post(url, {**form, "favourite": ""})
    assert refused.status_code == 200
    assert "Only a favourite can be kept" in refused.content.decode()


# -- the gallery's filters -----------------------------------------------------------------

@pytest.fixture
def two_tvs():
    return (TV.objects.create(name="Living room", host="192.0.2.1"),
            TV.objects.create(name="Den", host="192.0.2.2"))


def place(artwork, tv, status, content_id=None):
    Placement.objects.create(artwork=artwork, tv=tv, status=status, content_id=content_id)


def test_on_a_tv_means_shown_there_in_one_condition(admin_client, two_tvs):
    living, den = two_tvs
    both, queued_den, on_den, nowhere, removed = pictures(
        "On living, queued den", "Queued den", "On den", "Nowhere", "Removed from living")
    place(both, living, PlacementStatus.ON_TV, "MY_F1")
    place(both, den, PlacementStatus.QUEUED)
    place(queued_den, den, PlacementStatus.QUEUED)
    place(on_den, den, PlacementStatus.ON_TV, "MY_F2")
    place(removed, living, PlacementStatus.REMOVED)

    assert in_gallery(admin_client, placements__tv__id__exact=living.pk) == {
        "On living, queued den"}
    assert in_gallery(admin_client, placements__tv__id__exact=den.pk) == {"On den"}
    # The proof of the one join: "queued on Living room" is not the picture on Living
    # room queued for the Den.
    assert in_gallery(admin_client, placements__tv__id__exact=living.pk,
                      placements__status__exact="queued") == set()
    assert in_gallery(admin_client, placements__tv__id__exact=den.pk,
                      placements__status__exact="queued") == {
        "On living, queued den", "Queued den"}
    assert in_gallery(admin_client, placements__tv__id__exact=living.pk,
                      placements__status__exact="removed") == {"Removed from living"}
    assert in_gallery(admin_client, placements__tv__id__exact="none") == {
        "Queued den", "Nowhere", "Removed from living"}
    assert in_gallery(admin_client, placements__status__exact="queued") == {
        "On living, queued den", "Queued den"}


def test_the_tv_filter_names_each_tv_and_no_tv(admin_client, two_tvs):
    page = admin_client.get(GALLERY).content.decode()
    living, den = two_tvs
    assert f"?placements__tv__id__exact={living.pk}" in page and ">Living room</a>" in page
    assert "?placements__tv__id__exact=none" in page and ">On no TV</a>" in page


def test_the_collection_and_favourite_filters(admin_client):
    summer = collections.collection_create(name="Summer")
    beach, picnic, snow = pictures("Beach", "Picnic", "Snow")
    collections.collection_add(collection=summer, artworks=[beach, picnic])
    collections.artwork_favourite(artworks=[picnic, snow], favourite=True)

    assert in_gallery(admin_client, collection=summer.pk) == {"Beach", "Picnic"}
    assert in_gallery(admin_client, collection="none") == {"Snow"}
    assert in_gallery(admin_client, favourite__exact=1) == {"Picnic", "Snow"}
    assert in_gallery(admin_client, collection=summer.pk, favourite__exact=0) == {"Beach"}
    assert ">Summer</a>" in admin_client.get(GALLERY).content.decode()


def test_the_gallery_links_to_the_collections_for_those_who_may_see_them(client):
    client.force_login(staff_with("artwork.view_artwork"))
    without = client.get(GALLERY).content.decode()
    client.force_login(staff_with("artwork.view_artwork", "artwork.view_collection",
                                  username="collector"))
    with_them = client.get(GALLERY).content.decode()

    link = '<a href="/admin/artwork/collection/">Collections</a>'
    assert link not in without and link in with_them


def test_the_collections_page_counts_their_pictures_and_links_to_them(admin_client):
    summer = collections.collection_create(name="Summer")
    collections.collection_add(collection=summer, artworks=pictures("Beach", "Picnic"))

    page = admin_client.get("/admin/artwork/collection/").content.decode()

    assert f'href="{GALLERY}?collection={summer.pk}">2 in the gallery</a>' in page


@pytest.mark.parametrize(("action", "needs"), [
    ("add_to_collection", "artwork.change_collection"),
    ("remove_from_collection", "artwork.change_collection"),
    ("mark_favourite", "artwork.change_artwork"),
    ("unmark_favourite", "artwork.change_artwork")])
def test_each_action_is_offered_only_with_its_permission(client, action, needs):
    [beach] = pictures("Beach")
    others = {"artwork.change_collection", "artwork.change_artwork"} - {needs}
    client.force_login(staff_with("artwork.view_artwork", *others))

    page = client.get(GALLERY).content.decode()
    tried = act(client, action, [beach], apply="1", collection="")
    client.force_login(staff_with("artwork.view_artwork", needs, username="allowed"))
    allowed = client.get(GALLERY).content.decode()

    assert f'value="{action}"' not in page and f'value="{action}"' in allowed
    assert not Artwork.objects.get(pk=beach.pk).favourite and tried.status_code == 200


# -- what the pages cost ------------------------------------------------------------------

def test_filtered_by_collection_favourite_or_tv_the_gallery_costs_the_same_few_queries(
        admin_client, two_tvs):
    summer = collections.collection_create(name="Summer")
    add_library(20, list(two_tvs))
    collections.collection_add(collection=summer, artworks=Artwork.objects.all())
    collections.artwork_favourite(artworks=Artwork.objects.all(), favourite=True)
    living = two_tvs[0]
    urls = [f"{GALLERY}?collection={summer.pk}", f"{GALLERY}?favourite__exact=1",
            f"{GALLERY}?placements__tv__id__exact={living.pk}",
            f"{GALLERY}?placements__tv__id__exact=none&collection={summer.pk}"]

    few = {url: len(page_queries(admin_client, url)[0]) for url in urls}
    add_library(130, list(two_tvs))
    collections.collection_add(collection=summer, artworks=Artwork.objects.all())
    collections.artwork_favourite(artworks=Artwork.objects.all(), favourite=True)
    many = {}
    for url in urls:
        queries, page = page_queries(admin_client, url)
        many[url] = len(queries)
        assert page.count(CARD) > 20 or "none" in url
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in queries)

    assert many == few
    assert max(few.values()) <= 8


@pytest.mark.parametrize("page", [
    "/admin/artwork/collection/", "/admin/artwork/collection/{c}/change/",
    "/api/collections", "/api/collections/{c}", "/api/artwork?collection={c}",
    "/admin/artwork/artwork/?collection={c}"])
def test_a_get_of_collections_writes_nothing(admin_client, page):
    summer = collections.collection_create(name="Summer")
    collections.collection_add(collection=summer, artworks=pictures("Beach"))
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(page.format(c=summer.pk))

    assert response.status_code == 200
    assert [q["sql"] for q in queries
            if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
            ] == []


def test_the_collections_page_refuses_a_name_taken_whatever_its_case(admin_client):
    collections.collection_create(name="Summer")

    refused = admin_client.post("/admin/artwork/collection/add/", {"name": "summer"})

    assert refused.status_code == 200
    assert "There is already a collection by that name." in refused.content.decode()
    assert Collection.objects.count() == 1


def test_without_add_collection_the_action_offers_only_those_there_are(client):
    summer = collections.collection_create(name="Summer")
    [beach] = pictures("Beach")
    client.force_login(staff_with("artwork.view_artwork", "artwork.change_collection"))

    asked = act(client, "add_to_collection", [beach])
    sneaked = act(client, "add_to_collection", [beach], apply="1", new_name="Winter")

    assert "new_name" not in asked.context["form"].fields
    assert "Choose a collection." in sneaked.content.decode()
    assert list(Collection.objects.all()) == [summer]
