"""The API shapes every source's routes share, named for each source's id field.

A source's import results and records carry its own id under its own name
(`plex_metadata_id`, `drive_file_id`, `asset_id`): the factories below make its
schemas with that field where a hand-written one would have it (a subclass would put
it last, and the JSON's keys would change order).
"""

import types
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StringConstraints

from docentsite.artwork import placements

#: Ids of Docent's own rows fit a signed 64-bit database column.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
#: Deeper pages than this are no one's reading: 50 million photos at 50 a page.
MAX_PAGE_NUMBER = 1_000_000
#: A TV by name or id, as `GET /api/tvs` lists them.
TVRef = RowId | Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


#: How the new pictures of an import meet the TV's 16:9 panel (docentsite.artwork.framing).
FramingName = Literal["fill", "fit", "as_is"]
FRAMING_FIELD = Field(None, description="fill (cropped to 16:9 around what matters), fit (the "
                                        "whole picture on a matte) or as_is; null: the TV's, "
                                        "the source's or the default framing")


#: The matte the new pictures of an import ask for (docentsite.artwork.matte_fit).
MatteName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MATTE_FIELD = Field(None, description="A matte the chosen TVs offer (their `mattes` in GET "
                                      "/api/tvs), e.g. shadowbox_polar, or none: put on each "
                                      "picture on each TV it suits, else that TV's default "
                                      "matte or none (the placement's matte_note says why); "
                                      "null: each TV's default matte")


class Message(Schema):
    detail: str


class PlacementOut(Schema):
    tv: str
    tv_id: int
    status: str
    content_id: str | None
    error: str
    waiting_reason: str


def schema(name: str, module: str, fields: dict[str, Any], *, base: type[BaseModel] = Schema,
           doc: str | None = None, **namespace) -> type[BaseModel]:
    """A `base` with `fields` ({name: type, or (type, default)}) in the order given and
    `namespace` (resolvers) as its class body would have them."""

    def body(ns):
        ns["__module__"] = module
        ns["__doc__"] = doc
        ns["__annotations__"] = {}
        for field, spec in fields.items():
            kind, default = spec if isinstance(spec, tuple) else (spec, ...)
            ns["__annotations__"][field] = kind
            if default is not ...:
                ns[field] = default
        ns.update(namespace)

    return types.new_class(name, (base,), exec_body=body)


class FromAttributes(BaseModel):
    """A plain pydantic model, read from the service's dataclass: ninja's Schema wraps
    each object it reads in a getter of its own, ten times the cost, and a page holds
    up to 200 items (benchmarks/browse.py)."""

    model_config = ConfigDict(from_attributes=True)


def browse_item_out(module: str, *, ref: str, kind: str, name: str = "BrowseItemOut",
                    base: type[BaseModel] = FromAttributes, doc: str | None = None,
                    thumbnail: str | None = None, **after_title) -> type[BaseModel]:
    """A browse page's tile (docentsite.sources.browse.BrowseItemBase), its id as `ref`,
    `kind` describing its type; `after_title`: the source's own fields (as `schema`
    takes them), between its title and its thumbnail."""
    return schema(name, module, {
        ref: str,
        "type": (str, Field(description=kind)),
        "title": str,
        **after_title,
        "thumbnail_url": (str, Field(description=thumbnail)) if thumbnail else str,
        "width": int | None,
        "height": int | None,
        "taken_at": date | None,
        "imported": bool,
        "import_status": str | None,
    }, base=base, doc=doc)


def status_out(module: str, *, asked: str, prefix: str = "", **fields) -> type[Schema]:
    """`GET /api/<source>/status`: configured, connected, the source's own `fields`, error,
    checked_at (`asked`: whom Docent asked, and how often). `prefix` (in this function
    and the others): the OpenAPI document names each shape once for every source, so
    each source but the first names its own ("Drive" makes DriveStatusOut)."""
    return schema(f"{prefix}StatusOut", module, {
        "configured": bool, "connected": bool, **fields, "error": str | None,
        "checked_at": (datetime | None, Field(None, description=f"When Docent last asked {asked}")),
    })


def import_out(module: str, *, ref: str, prefix: str = ""
               ) -> tuple[type[Schema], type[Schema], type[Schema]]:
    """`POST /api/<source>/import`'s answer, and its skipped and errors items."""
    skipped = schema(f"{prefix}SkippedOut", module, {ref: str, "reason": str})
    error = schema(f"{prefix}ImportErrorOut", module, {ref: str, "error": str})
    result = schema(f"{prefix}ImportOut", module, {
        "queued": list[str],
        "skipped": list[skipped],
        "errors": list[error],
        "collection": (str | None, Field(description="The collection the photos were put in")),
        "added_to_collection": (int, Field(description="Photos that joined it (the others "
                                                       "were in it already)")),
    })
    return result, skipped, error


def _placements(record):
    if record.artwork is None:
        return []
    return [{"tv": p.tv.name, "tv_id": p.tv_id, "status": p.status,
             "content_id": p.content_id, "error": p.last_error,
             "waiting_reason": p.waiting_reason}
            for p in record.artwork.placements.all()]


def import_record_out(module: str, *, ref: str, ref_attr: str | None = None,
                      prefix: str = "", **resolvers) -> type[Schema]:
    """One import record, its id as `ref` (read from the record's `ref_attr`, if the
    record names it otherwise); `resolvers` add to or replace the shared ones."""
    if ref_attr:
        resolvers.setdefault(f"resolve_{ref}",
                             staticmethod(lambda record: getattr(record, ref_attr)))
    return schema(f"{prefix}ImportRecordOut", module, {
        "id": int,
        ref: str,
        "title": str,
        "status": str,
        "step": str,
        "attempts": int,
        "error": str,
        "note": (str, Field(description="Something worth knowing about an import that went well")),
        "waiting_reason": (str, Field(description="Why the current step waits to be tried again")),
        "next_attempt_at": (datetime | None, Field(description="When it is tried again")),
        "analyze": bool,
        "content_id": (str | None, Field(description="Its content id on the first TV showing it")),
        "placements": (list[PlacementOut], Field(description="The picture on each TV asked for")),
        "requested_at": datetime,
        "finished_at": datetime | None,
    }, resolve_error=staticmethod(lambda record: record.last_error),
        resolve_content_id=staticmethod(
            lambda record: placements.content_id_on_first_tv(record.artwork)),
        resolve_placements=staticmethod(_placements), **resolvers)
