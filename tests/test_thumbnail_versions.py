"""Every page that shows an artwork's thumbnail gives its address with the picture's
version (cards.picture_url), as the gallery's cards do: a picture framed again shows its
new thumbnail at once, and a browser may keep the old one as long as it likes. A page
listing many pictures reads no more of the database for them than a page of one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from docentsite.artwork import framing, placements
from docentsite.artwork.models import Artwork, Placement, PlacementStatus
from docentsite.status import services as status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"
HOME = "/admin/docent/"
BOX = {"x": 20, "y": 10, "w": 256, "h": 144, "source": "manual"}


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


@pytest.fixture
def on_tv(tv, make_artwork, make_jpeg, upload_now) -> Artwork:
    """A picture on the TV, with its original kept (so that it can be framed again)."""
    return Artwork.objects.get(pk=upload_now(
        make_artwork(make_jpeg(300, 200), filename="harbour.jpg")).artwork_id)


def versioned(artwork: Artwork) -> str:
    artwork.refresh_from_db()
    assert artwork.sha256
    return f'src="/admin/artwork/artwork/{artwork.pk}/thumbnail/?v={artwork.sha256[:12]}"'


def matte_page(client, artwork) -> str:
    return client.get(f"{CHANGELIST}{artwork.pk}/matte/").content.decode()


def remove_page(client, artwork) -> str:
    return client.get(f"{CHANGELIST}{artwork.pk}/remove/").content.decode()


def choose_tvs_page(client, *artworks) -> str:
    return client.post(CHANGELIST, {"action": "send_to_tv",
                                    "_selected_action": [a.pk for a in artworks]}
                       ).content.decode()


def crop_page(client, artwork) -> str:
    return client.get(f"{CHANGELIST}{artwork.pk}/crop/").content.decode()


def home_page(client, artwork) -> str:
    status.status_refresh(in_worker=True)
    return client.get(HOME).content.decode()


@pytest.mark.parametrize("page", [matte_page, remove_page, choose_tvs_page, crop_page])
def test_each_page_gives_the_thumbnail_with_its_version_and_a_new_one_after_framing(
        admin_client, on_tv, page):
    before = versioned(on_tv)
    assert before in page(admin_client, on_tv)

    framing.artwork_reframe(artwork=on_tv, crop_box=BOX)

    after = versioned(on_tv)
    assert after != before
    shown = page(admin_client, on_tv)
    assert after in shown and before not in shown


def test_the_status_page_gives_what_the_tv_shows_with_its_version_as_it_is_now(
        admin_client, on_tv):
    placements.artwork_show_now(artwork_id=on_tv.pk)
    before = versioned(on_tv)
    assert f"Shows now: <img {before}" in home_page(admin_client, on_tv)

    # Framed again after the TV was checked: the page reads the picture as it is now.
    framing.artwork_reframe(artwork=on_tv, crop_box=BOX)

    page = admin_client.get(HOME).content.decode()
    assert f"Shows now: <img {versioned(on_tv)}" in page and before not in page


def queries(client, ask) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = ask()
    assert "thumbnail/?v=" in page
    return len(captured)


@pytest.mark.parametrize("action", ["send_to_tv", "change_matte"])
def test_a_page_of_many_pictures_costs_the_queries_of_one(admin_client, tv, fake_tv,
                                                          make_artwork, make_jpeg, action):
    def picture(i):
        artwork = make_artwork(make_jpeg(64, 48), filename=f"p{i}.jpg")
        Placement.objects.create(artwork=artwork, tv=tv, status=PlacementStatus.ON_TV,
                                 content_id=f"MY_F{i:05d}", matte_id="none")
        return artwork

    def ask(artworks):
        return lambda: admin_client.post(CHANGELIST, {
            "action": action, "_selected_action": [a.pk for a in artworks]}).content.decode()

    one = [picture(0)]
    ask(one)()  # the first Change matte learns the TV's matte list (one more query)
    first = queries(admin_client, ask(one))
    many = one + [picture(i) for i in range(1, 12)]

    assert queries(admin_client, ask(many)) == first
