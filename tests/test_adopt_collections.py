"""manage.py adopt_collections: an original Docent's collections.json (its shape:
{"collections": [{"id", "name", "content_ids", "created"}]}) brought into Docent's
collections, by the content ids of Docent's pictures on the TV."""

import json

import pytest
from django.core.management import CommandError, call_command

from docentsite.artwork import collections, tvs
from docentsite.artwork.models import Artwork, Collection, Placement, PlacementStatus, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def adopted(settings, tmp_path):
    """Three pictures an original Docent put on the TV, adopted from its artwork_meta.json
    (one listed by the TV with the .jpg some firmware adds)."""
    settings.TV_HOST, settings.ARTWORK_META_PATH = "192.0.2.1", tmp_path / "artwork_meta.json"
    tv = tvs.tv_default()
    pictures = {}
    for content_id, title in (("MY_F0041", "Harbour"), ("MY_F0042.jpg", "Wave"),
                              ("MY_F0043", "Snow")):
        artwork = Artwork.objects.create(title=title, status=Status.PREPARED)
        Placement.objects.create(artwork=artwork, tv=tv, content_id=content_id,
                                 status=PlacementStatus.ON_TV)
        pictures[title] = artwork
    return pictures


def write(path, listed) -> None:
    path.write_text(json.dumps({"collections": listed}, indent=2))


def original(name, *content_ids):
    return {"id": "6f1c2d9e-0000-4000-8000-000000000001", "name": name,
            "content_ids": list(content_ids), "created": "2025-03-01T12:00:00+00:00"}


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("adopt_collections", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_the_originals_collections_join_docents(adopted, settings):
    summer = collections.collection_create(name="Summer")
    collections.collection_add(collection=summer, artworks=[adopted["Snow"]])
    write(settings.ARTWORK_META_PATH.with_name("collections.json"), [
        original("summer", "MY_F0041", "MY_F0042"),  # Summer, whatever its case
        original("Winter", "MY_F0043", "MY_F0099"),
        original("Empty"),
    ])

    said = run()

    assert set(Collection.objects.values_list("name", flat=True)) == {"Summer", "Winter", "Empty"}
    assert {a.title for a in Collection.objects.get(name="Summer").artworks.all()} == {
        "Harbour", "Wave", "Snow"}
    assert [a.title for a in Collection.objects.get(name="Winter").artworks.all()] == ["Snow"]
    assert "Adopted 3 collection(s)" in said and "3 picture(s) joined" in said
    assert "1 content id(s) are no picture of Docent's on Frame" in said

    again = run()
    assert "0 picture(s) joined" in again and Collection.objects.count() == 3


def test_a_file_not_in_the_originals_shape_changes_nothing(adopted, tmp_path):
    bad = tmp_path / "collections.json"
    for text in ("{not json", json.dumps([1, 2]), json.dumps({"collections": "x"})):
        bad.write_text(text)
        with pytest.raises(CommandError):
            run(str(bad))
    with pytest.raises(CommandError, match="No file at"):
        run(str(tmp_path / "missing.json"))
    assert Collection.objects.count() == 0


def test_entries_that_are_no_collection_are_skipped_and_said(adopted, tmp_path):
    path = tmp_path / "c.json"
    write(path, [{"name": "No ids"}, "text", original("x" * 200, "MY_F0041"),
                 original("Kept", "MY_F0041")])

    said = run(str(path))

    assert list(Collection.objects.values_list("name", flat=True)) == ["Kept"]
    assert said.count("Skipped entry") == 3
    assert "at most 128 characters" in said
