"""The gallery's cards and their one-click actions (Show on TV now, Change matte,
Remove from TV, Put back), against the fake TV."""

import time

import pytest

from docentsite.artwork import lane, mattes, placements
from docentsite.artwork.errors import Rejected
from docentsite.artwork.models import TV, Artwork, Placement, PlacementStatus, Status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CHANGELIST = "/admin/artwork/artwork/"


@pytest.fixture
def tv(tv, settings, tmp_path):
    settings.ARTWORK_META_PATH = tmp_path / "meta.json"
    return tv


@pytest.fixture
def on_tv(make_artwork, jpeg, tv, upload_now):
    """on_tv(filename, data=jpeg) -> the picture's placement on the TV, uploaded."""
    def make(filename="wave.jpg", data=None, **fields):
        return upload_now(make_artwork(data or jpeg, filename=filename, **fields))

    return make


class Lanes:
    """Stands in for tasks.tv_lane: records the TVs whose lane was started."""

    def __init__(self):
        self.tv_ids = []

    def delay(self, tv_id):
        self.tv_ids.append(tv_id)


@pytest.fixture
def lanes(monkeypatch):
    recorder = Lanes()
    monkeypatch.setattr("docentsite.artwork.tasks.tv_lane", recorder)
    return recorder


def cards(page: str) -> dict[str, str]:
    return {card.split('data-id="', 1)[1].split('"', 1)[0]: card
            for card in page.split('<tr role="listitem"')[1:]}


def messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# -- Show on TV now -------------------------------------------------------------------------

def test_show_now_selects_the_picture_when_the_tv_shows_art(admin_client, on_tv, fake_tv):
    placement = on_tv()

    response = admin_client.post(f"{CHANGELIST}{placement.artwork_id}/show/", follow=True)

    assert "The TV now shows “wave”." in messages(response)
    assert [call["content_id"] for call in fake_tv.select_calls] == [placement.content_id]


def test_show_now_leaves_a_tv_being_watched_alone(admin_client, on_tv, fake_tv):
    placement = on_tv()
    fake_tv.art_mode = False

    response = admin_client.post(f"{CHANGELIST}{placement.artwork_id}/show/", follow=True)

    assert "The TV is being watched (it is not in Art Mode)" in messages(response)
    assert fake_tv.select_calls == [] and fake_tv.art_mode is False


def test_show_now_refuses_a_picture_not_on_the_tv(make_artwork, jpeg, tv, fake_tv):
    artwork = make_artwork(jpeg, filename="later.jpg")

    with pytest.raises(Rejected, match="not on the TV"):
        placements.artwork_show_now(artwork_id=artwork.pk)
    assert fake_tv.select_calls == []


def test_with_several_tvs_the_refusals_name_the_tv(on_tv, tv, fake_tv, make_artwork, jpeg):
    TV.objects.create(name="Den", host="192.0.2.9")
    placement = on_tv()
    later = make_artwork(jpeg, filename="later.jpg")
    fake_tv.art_mode = False

    with pytest.raises(placements.TVBeingWatched, match=f"^{tv.name} is being watched"):
        placements.artwork_show_now(artwork_id=placement.artwork_id)
    with pytest.raises(Rejected, match="“later” is not on any TV"):
        placements.artwork_show_now(artwork_id=later.pk)
    with pytest.raises(Rejected, match="“wave” is not removed from a TV"):
        placements.artwork_put_back(artwork_id=placement.artwork_id)
    assert fake_tv.select_calls == []


def test_text_from_outside_shows_on_the_card_as_text(admin_client, make_artwork, jpeg):
    artwork = make_artwork(jpeg, filename="wave.jpg")
    Artwork.objects.filter(pk=artwork.pk).update(
        title='<script>alert("x")</script> & more', ai_title="<b>Wave</b>",
        ai_artist="'Hokusai'", ai_description="<img src=x onerror=alert(1)>",
        waiting_reason="<i>Plex</i> is down")
    living = TV.objects.create(name="<em>Living</em>", host="192.0.2.1")
    den = TV.objects.create(name="Den", host="192.0.2.2")
    Placement.objects.create(artwork=artwork, tv=living, status=PlacementStatus.ON_TV,
                             content_id='MY_F"1', matte_id="none")
    Placement.objects.create(artwork=artwork, tv=den, status=PlacementStatus.FAILED,
                             last_error="<u>refused</u>")

    card = cards(admin_client.get(CHANGELIST).content.decode())[str(artwork.pk)]
    card = card.split("</tr>", 1)[0]  # not the page's own scripts after it

    assert [raw for raw in ("<script", "<b>", "<img src=x", "<i>", "<em>", "<u>", 'MY_F"1',
                            "'Hokusai'") if raw in card] == []
    assert ('aria-label="Select &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"'
            in card)
    assert "&lt;b&gt;Wave&lt;/b&gt; — &#x27;Hokusai&#x27;" in card
    assert "&lt;img src=x onerror=alert(1)&gt;" in card
    assert "Waiting: &lt;i&gt;Plex&lt;/i&gt; is down" in card
    assert 'title="MY_F&quot;1 · No matte">&lt;em&gt;Living&lt;/em&gt;: on the TV</li>' in card


def test_on_tv_card_offers_its_actions_and_says_delete_waits(admin_client, on_tv):
    placement = on_tv(filename="harbour.jpg")
    artwork = placement.artwork
    Placement.objects.filter(pk=placement.pk).update(matte_id="shadowbox_polar")

    card = cards(admin_client.get(CHANGELIST).content.decode())[str(artwork.pk)]

    assert f'formaction="{CHANGELIST}{artwork.pk}/show/"' in card
    assert f'href="{CHANGELIST}{artwork.pk}/matte/"' in card
    assert f'href="{CHANGELIST}{artwork.pk}/remove/"' in card
    assert "Shadowbox, Polar" in card
    assert "Delete from Docent: remove it from the TV first." in card
    assert f"{artwork.pk}/delete/" not in card


def test_a_card_says_the_tv_is_watched_before_anyone_clicks_show_now(admin_client, on_tv):
    from dataclasses import asdict

    from django.core.cache import cache

    from docentsite import tvstate

    artwork = on_tv(filename="harbour.jpg").artwork
    # What the header last learned from the TV (tvstate asks it every 30 s).
    cache.set("docent:tv-state", asdict(tvstate._state("watched", at=time.time())))
    try:
        card = cards(admin_client.get(CHANGELIST).content.decode())[str(artwork.pk)]
    finally:
        cache.delete("docent:tv-state")

    assert f'formaction="{CHANGELIST}{artwork.pk}/show/"' not in card
    assert "disabled" in card and "The TV is being watched: Docent does not interrupt." in card
    assert f'href="{CHANGELIST}{artwork.pk}/remove/"' in card


# -- Remove from TV, then Put back ----------------------------------------------------------

def test_remove_asks_first_then_removes_and_offers_put_back(admin_client, on_tv, fake_tv):
    placement = on_tv()
    artwork = placement.artwork
    address = f"{CHANGELIST}{artwork.pk}/remove/"

    question = admin_client.get(address).content.decode()
    assert "Take “wave” off the TV?" in question and "Put back" in question
    assert placement.content_id in fake_tv.photos  # asking removed nothing

    response = admin_client.post(address, follow=True)

    assert "“wave” is off the TV and stays in Docent" in messages(response)
    assert placement.content_id not in fake_tv.photos
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.REMOVED
    assert Artwork.objects.get(pk=artwork.pk).state == "removed"
    card = cards(response.content.decode())[str(artwork.pk)]
    assert f'formaction="{CHANGELIST}{artwork.pk}/put-back/"' in card
    assert ">Put back</button>" in card and "Removed from the TV" in card
    assert "Delete from Docent</a> (not on the TV: nothing changes there)" in card


def test_put_back_uploads_the_prepared_picture_again_as_a_new_placement(
        admin_client, on_tv, tv, fake_tv, lanes, django_capture_on_commit_callbacks):
    placement = on_tv()
    artwork = placement.artwork
    first_id = placement.content_id
    placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=artwork.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{CHANGELIST}{artwork.pk}/put-back/", follow=True)

    assert "“wave” is on its way back to the TV" in messages(response)
    assert lanes.tv_ids == [tv.pk]
    waiting = Placement.objects.get(pk=placement.pk)
    assert waiting.status == PlacementStatus.QUEUED and waiting.content_id is None
    assert Artwork.objects.get(pk=artwork.pk).state == "prepared"
    # What the TV's lane does next: the same prepared JPEG, a new id on the TV.
    run = lane.tv_lane_run(tv_id=tv.pk)
    back = Placement.objects.get(pk=placement.pk)
    assert [p.pk for p in run.uploaded] == [placement.pk]
    assert back.status == PlacementStatus.ON_TV and back.content_id in fake_tv.photos
    assert back.content_id != first_id or first_id in fake_tv.photos
    with artwork.image.open("rb") as handle:
        assert fake_tv.photos[back.content_id].data == handle.read()


def test_put_back_refuses_a_picture_still_on_the_tv(admin_client, on_tv, lanes):
    placement = on_tv()

    response = admin_client.post(f"{CHANGELIST}{placement.artwork_id}/put-back/", follow=True)

    assert "Not put back: “wave” is not removed from the TV (“On the TV”)" in messages(response)
    assert lanes.tv_ids == []
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.ON_TV


# -- the matte picker -----------------------------------------------------------------------

def test_matte_picker_from_the_card_names_the_matte_in_words(admin_client, on_tv, fake_tv,
                                                             panel_jpeg):
    placement = on_tv(data=panel_jpeg)
    artwork = placement.artwork

    page = admin_client.get(f"{CHANGELIST}{artwork.pk}/matte/").content.decode()

    assert "Choose the matte the TV puts around “wave”" in page
    assert '<legend>Shadowbox</legend>' in page and ">Burgundy</span>" in page
    assert 'value="none" checked' in page
    assert f'name="_selected_action" value="{artwork.pk}"' in page
    assert f'action="{CHANGELIST}"' in page

    response = admin_client.post(CHANGELIST, {
        "action": "change_matte", "apply": "Change matte", "matte_id": "shadowbox_polar",
        "_selected_action": [artwork.pk]}, follow=True)

    assert "Matte Shadowbox, Polar on 1 picture(s)." in messages(response)
    assert fake_tv.photos[placement.content_id].matte_id == "shadowbox_polar"
    assert Placement.objects.get(pk=placement.pk).matte_id == "shadowbox_polar"


def test_matte_picker_with_the_tv_off_says_why(admin_client, on_tv, fake_tv):
    placement = on_tv()
    fake_tv.stop()

    response = admin_client.get(f"{CHANGELIST}{placement.artwork_id}/matte/", follow=True)

    assert "No matte was changed:" in messages(response)


def test_matte_names():
    assert mattes.matte_name("shadowbox_polar") == "Shadowbox, Polar"
    assert mattes.matte_name("modern_burgandy") == "Modern, Burgundy"
    assert mattes.matte_name("modernthin_seafoam") == "Modern thin, Sea foam"
    assert mattes.matte_name("none") == "No matte"
    assert mattes.matte_name("newstyle_teal") == "Newstyle, Teal"  # a newer TV's own


# -- the gallery page -----------------------------------------------------------------------

def test_gallery_has_no_date_drill_down_and_filters_only_present_sources(
        admin_client, make_artwork, jpeg):
    make_artwork(jpeg, filename="one.jpg", source="plex")

    page = admin_client.get(CHANGELIST).content.decode()

    assert "xfull" not in page and 'class="xfull"' not in page
    assert "created_at__year" not in page
    assert "?source=plex" in page
    assert "?source=google_drive" not in page and "?source=upload" not in page


def test_working_cards_are_marked_for_the_page_to_refresh(admin_client, make_artwork, jpeg, tv):
    waiting = make_artwork(jpeg, filename="waiting.jpg")  # prepared, waiting for the TV
    Placement.objects.create(artwork=waiting, tv=tv)
    raw = make_artwork(jpeg, filename="raw.jpg", prepare=False)
    library = make_artwork(jpeg, filename="library.jpg")  # prepared, sent to no TV

    page = cards(admin_client.get(CHANGELIST).content.decode())

    assert "data-working" in page[str(waiting.pk)]
    assert "Ready, waiting for the TV… this card updates by itself." in page[str(waiting.pk)]
    assert "data-working" in page[str(raw.pk)]
    assert "Preparing the picture for the TV…" in page[str(raw.pk)]
    assert "data-working" not in page[str(library.pk)]
    assert "In the library, on no TV." in page[str(library.pk)]


def test_delete_says_it_is_from_docent_and_what_happens_on_the_tv(
        admin_client, make_artwork, jpeg, tv):
    artwork = make_artwork(jpeg, filename="old.jpg")
    Placement.objects.create(artwork=artwork, tv=tv, content_id="MY_F0001",
                             status=PlacementStatus.REMOVED)

    page = admin_client.get(f"{CHANGELIST}{artwork.pk}/delete/").content.decode()

    assert "Delete “old” from Docent?" in page
    assert "It is not on the TV (“Removed from the TV”), so nothing changes on the TV." in page
    assert 'value="Delete from Docent"' in page


# -- the same through the API ---------------------------------------------------------------

def test_api_shows_now_or_says_the_tv_is_being_watched(admin_client, on_tv, fake_tv):
    artwork_id = on_tv().artwork_id

    shown = admin_client.post(f"/api/artwork/{artwork_id}/show")
    fake_tv.art_mode = False
    watched = admin_client.post(f"/api/artwork/{artwork_id}/show")

    assert shown.status_code == 200 and shown.json() == {"detail": "Shown on the TV."}
    assert watched.status_code == 409 and "being watched" in watched.json()["detail"]
    assert len(fake_tv.select_calls) == 1


def test_api_puts_back_only_a_removed_picture(admin_client, on_tv, tv, lanes):
    placement = on_tv()
    artwork = placement.artwork

    refused = admin_client.post(f"/api/artwork/{artwork.pk}/put-back")
    placements.artwork_remove_from_tv(artworks=Artwork.objects.filter(pk=artwork.pk))
    queued_again = admin_client.post(f"/api/artwork/{artwork.pk}/put-back")

    assert refused.status_code == 422 and "nothing to put back" in refused.json()["detail"]
    assert queued_again.status_code == 202
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.QUEUED
    assert Artwork.objects.get(pk=artwork.pk).status == Status.PREPARED
    assert lanes.tv_ids == [tv.pk]


def test_a_viewer_sees_the_cards_without_their_actions(client, on_tv, fake_tv):
    from tests.users import staff_with

    placement = on_tv()
    artwork = placement.artwork
    client.force_login(staff_with("artwork.view_artwork"))

    card = cards(client.get(CHANGELIST).content.decode())[str(artwork.pk)]
    shown = client.post(f"{CHANGELIST}{artwork.pk}/show/")
    removed = client.post(f"{CHANGELIST}{artwork.pk}/remove/")

    assert "Show on TV now" not in card and "Remove from TV" not in card
    assert "Delete from Docent" not in card
    assert shown.status_code == removed.status_code == 403
    assert fake_tv.select_calls == [] and placement.content_id in fake_tv.photos


def test_the_gallery_is_called_the_gallery(admin_client):
    page = admin_client.get("/admin/artwork/artwork/").content.decode()

    assert "<h1>Gallery</h1>" in page
    assert "Select artwork to change" not in page
