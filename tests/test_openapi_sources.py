"""The OpenAPI document describes each source's routes with that source's own shapes:
one component name a shape, so a second source's ImportOut never stands for the first's."""

import pytest

from tests.users import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    client.force_login(staff_with("artwork.view_artwork"))
    return client.get("/api/openapi.json").json()


def _answer(document, path: str, method: str = "get", code: str = "200") -> dict:
    schema = document["paths"][path][method]["responses"][code]["content"][
        "application/json"]["schema"]
    while "$ref" in schema or "items" in schema or "properties" in schema and \
            "items" in schema["properties"] and "id" not in schema["properties"]:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "items" in schema:
            schema = schema["items"]
        else:  # a page: its items
            schema = schema["properties"]["items"]
    return schema["properties"]


@pytest.mark.parametrize("prefix, ref", [
    ("plex", "plex_metadata_id"), ("drive", "drive_file_id"), ("immich", "asset_id")])
def test_each_source_s_imports_are_documented_with_its_own_id(document, prefix, ref):
    record = _answer(document, f"/api/{prefix}/imports")
    result = _answer(document, f"/api/{prefix}/import", "post", "202")

    assert ref in record
    skipped = document["components"]["schemas"][
        result["skipped"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert ref in skipped["properties"]


def test_the_plex_status_is_plex_s(document):
    assert "library_count" in _answer(document, "/api/plex/status")
    assert "album_count" in _answer(document, "/api/immich/status")
