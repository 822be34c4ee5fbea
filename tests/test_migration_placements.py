"""The upgrade to TVs and placements (artwork 0005): a one-TV install loses nothing.

The database is taken back to artwork 0004, filled with artworks in every state the
old schema knew, and migrated forward, as `manage.py migrate` does on an upgrade.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

BEFORE = ("artwork", "0004_artwork_original_sha256")
AFTER = ("artwork", "0005_tvs_and_placements")
PLEX = ("plexsource", "0003_importrecord_note")
UPLOADED_AT = timezone.now() - timedelta(days=3)

#: title -> the old artwork's fields, then (library status, placement status).
OLD = {
    "On the TV": (dict(status="on_tv", content_id="MY_F0001", matte_id="shadowbox_polar",
                       image="prepared/a.jpg", upload_attempts=1, uploaded_at=UPLOADED_AT),
                  ("prepared", "on_tv")),
    "Removed": (dict(status="removed", content_id="MY_F0002", matte_id="none",
                     image="prepared/b.jpg", upload_attempts=1, uploaded_at=UPLOADED_AT),
                ("prepared", "removed")),
    "Uploading": (dict(status="uploading", image="prepared/c.jpg", upload_attempts=2,
                       upload_started_at=UPLOADED_AT, tv_ids_before=["MY_F0001", "MY_F0002"]),
                  ("prepared", "uploading")),
    "Refused by the TV": (dict(status="failed", image="prepared/d.jpg", upload_attempts=3,
                               last_error="The TV refused send_image: error -1 SYSTEM_FAIL."),
                          ("prepared", "failed")),
    "Ambiguous": (dict(status="needs_attention", image="prepared/e.jpg", upload_attempts=2,
                       tv_ids_before=["MY_F0001"], last_error="2 new pictures appeared"),
                  ("prepared", "needs_attention")),
    "Not a picture": (dict(status="failed", last_error="This file is not a picture"),
                      ("failed", "queued")),
    "Pending": (dict(status="pending", original="originals/f.jpg"), ("pending", "queued")),
    "Prepared": (dict(status="prepared", image="prepared/g.jpg"), ("prepared", "queued")),
}
#: The old fields that move to the placement.
MOVED = ("content_id", "matte_id", "upload_attempts", "upload_started_at", "tv_ids_before",
         "uploaded_at")


@pytest.fixture
def executor(settings):
    """The database at artwork 0004; migrated to the newest schema again afterwards."""
    settings.TV_HOST, settings.TV_PORT, settings.TV_MATTE = "10.0.0.5", 8002, "shadowbox_polar"
    settings.TV_NAME = "Living room"
    executor = MigrationExecutor(connection)
    newest = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(newest)


def old_install(executor) -> dict[str, int]:
    """The old schema's artworks (title -> id), one of them imported from Plex."""
    apps = executor.loader.project_state([BEFORE, PLEX]).apps
    Artwork = apps.get_model("artwork", "Artwork")
    ids = {}
    for title, (fields, _) in OLD.items():
        ids[title] = Artwork.objects.create(
            title=title, source="plex" if title == "On the TV" else "upload",
            sha256=f"{len(title):064x}", ai_description=f"About {title}",
            **fields).pk
    PlexLibrary = apps.get_model("plexsource", "PlexLibrary")
    library = PlexLibrary.objects.create(section_key="1", title="Photos",
                                         last_seen_at=UPLOADED_AT)
    PlexPhoto = apps.get_model("plexsource", "PlexPhoto")
    photo = PlexPhoto.objects.create(library=library, rating_key="100", title="Harbour",
                                     last_seen_at=UPLOADED_AT)
    ImportRecord = apps.get_model("plexsource", "ImportRecord")
    ImportRecord.objects.create(plex_metadata_id="100", photo=photo, status="done",
                                artwork_id=ids["On the TV"], finished_at=UPLOADED_AT,
                                requested_at=UPLOADED_AT)
    return ids


def migrate(executor, target):
    executor.loader.build_graph()
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target, PLEX]).apps


def test_every_artwork_becomes_a_placement_on_the_env_tv_with_nothing_lost(executor):
    ids = old_install(executor)

    apps = migrate(executor, AFTER)

    TV, Placement = apps.get_model("artwork", "TV"), apps.get_model("artwork", "Placement")
    Artwork = apps.get_model("artwork", "Artwork")
    (tv,) = TV.objects.all()
    assert (tv.name, tv.host, tv.port, tv.matte, tv.from_env) == (
        "Living room", "10.0.0.5", 8002, "shadowbox_polar", True)
    assert Artwork.objects.count() == len(OLD) and Placement.objects.count() == len(OLD)
    for title, (fields, (library, placed)) in OLD.items():
        artwork = Artwork.objects.get(pk=ids[title])
        placement = Placement.objects.get(artwork=artwork)
        assert (artwork.status, placement.status, placement.tv_id) == (library, placed, tv.pk), \
            title
        for name in MOVED:
            default = {"matte_id": "", "upload_attempts": 0}.get(name)
            assert getattr(placement, name) == fields.get(name, default), (title, name)
        assert artwork.title == title and artwork.ai_description == f"About {title}"
        assert artwork.sha256 == f"{len(title):064x}"
        assert str(artwork.image) == fields.get("image", "")
        assert str(artwork.original) == fields.get("original", "")
    # A failure on the way to the TV is the placement's; one of the library stays its own.
    refused = Placement.objects.get(artwork_id=ids["Refused by the TV"])
    assert refused.last_error == OLD["Refused by the TV"][0]["last_error"]
    unreadable = Artwork.objects.get(pk=ids["Not a picture"])
    assert unreadable.last_error == "This file is not a picture"
    assert Placement.objects.get(artwork=unreadable).last_error == ""
    record = apps.get_model("plexsource", "ImportRecord").objects.get()
    assert record.artwork_id == ids["On the TV"]


def test_the_upgraded_tv_is_the_one_env_keeps_and_its_files_stay_where_they_were(
    executor, settings
):
    old_install(executor)
    migrate(executor, AFTER)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from docentsite.artwork import metafile, tvs
    from docentsite.artwork.models import TV, Artwork, PlacementStatus

    tv = tvs.tv_default()
    assert TV.objects.count() == 1 and tv.name == "Living room"
    assert tv.token_path == settings.TV_TOKEN_FILE  # still paired after the upgrade
    assert tvs.meta_path(tv) == settings.ARTWORK_META_PATH
    on_tv = Artwork.objects.prefetch_related("placements__tv").get(title="On the TV")
    assert on_tv.state == "on_tv" and [p.content_id for p in on_tv.shown] == ["MY_F0001"]
    assert {a.title: a.state for a in Artwork.objects.prefetch_related("placements__tv")} == {
        "On the TV": "on_tv", "Removed": "removed", "Uploading": "uploading",
        "Refused by the TV": "failed", "Ambiguous": "needs_attention",
        "Not a picture": "failed", "Pending": "pending", "Prepared": "prepared",
    }
    assert tv.placements.filter(status=PlacementStatus.ON_TV).count() == 1
    metafile.sync(tv=tv)
    assert "MY_F0001" in settings.ARTWORK_META_PATH.read_text()


def test_going_back_to_0004_restores_the_old_fields(executor):
    ids = old_install(executor)
    apps = migrate(executor, AFTER)

    apps = migrate(executor, BEFORE)

    Artwork = apps.get_model("artwork", "Artwork")
    for title, (fields, _) in OLD.items():
        artwork = Artwork.objects.get(pk=ids[title])
        assert artwork.status == fields["status"], title
        for name in (*MOVED, "last_error"):
            default = {"matte_id": "", "upload_attempts": 0, "last_error": ""}.get(name)
            assert getattr(artwork, name) == fields.get(name, default), (title, name)


def test_a_new_install_gets_no_tv_from_the_migration(executor):
    apps = migrate(executor, AFTER)

    assert not apps.get_model("artwork", "TV").objects.exists()
