"""The upgrade to framing (artwork 0015): pictures prepared before it are as they were."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

BEFORE = ("artwork", "0014_matte_fit")
AFTER = ("artwork", "0015_framing")
BOX = {"x": 0, "y": 10, "w": 2000, "h": 1125, "source": "smartcrop"}


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    newest = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(newest)


def test_prepared_pictures_are_as_is_and_an_adopted_crop_box_becomes_fill(executor):
    Artwork = executor.loader.project_state([BEFORE]).apps.get_model("artwork", "Artwork")
    plain = Artwork.objects.create(title="Plain", status="prepared", image="prepared/a.jpg")
    adopted = Artwork.objects.create(title="Adopted", status="prepared",
                                     extra={"crop_box": BOX, "drive_sync_id": "0b6e"})
    pending = Artwork.objects.create(title="Pending", status="pending",
                                     original="originals/p.jpg")

    executor.migrate([AFTER])

    Artwork = executor.loader.project_state([AFTER]).apps.get_model("artwork", "Artwork")
    rows = {row.title: row for row in Artwork.objects.all()}
    assert (rows["Plain"].framing, rows["Plain"].crop_box) == ("as_is", None)
    assert (rows["Adopted"].framing, rows["Adopted"].crop_box) == ("fill", BOX)
    assert rows["Adopted"].extra == {"drive_sync_id": "0b6e"}
    assert (rows["Pending"].framing, rows["Pending"].crop_box) == (None, None)
    assert {plain.pk, adopted.pk, pending.pk} == set(rows[t].pk for t in rows)
