"""What every source's ninja routes share: the import route's permission check and
user, and the imports listing's query, filters and pages."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from docentsite.artwork.models import Collection
from docentsite.permissions import api_check
from docentsite.sources.models import ImportStatus
from docentsite.sources.schemas import MAX_PAGE_NUMBER, Message, schema

#: What a source's routes may answer besides their own: its errors mapped to HTTP.
ERRORS = {404: Message, 409: Message, 422: Message, 503: Message}
#: The permissions of a source on the shared import records (SourceImport).
VIEW = "sources.view_sourceimport"
ADD = "sources.add_sourceimport"


def import_collection_check(request, collection: str | None) -> None:
    """Putting imported pictures in a collection also needs `artwork.change_collection`
    (and `add_collection` for a new one)."""
    if collection:
        made = Collection.objects.filter(name__iexact=collection).exists()
        api_check(request, "artwork.change_collection",
                  *([] if made else ["artwork.add_collection"]))


def request_user(request):
    """The user asking, or None for the API token."""
    return request.user if hasattr(request.user, "pk") else None


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER)
        page_size: int | None = Field(None, ge=1, le=100)


def imports_query(module: str, *, ref: str, kind, what: str) -> type[Schema]:
    """`GET /api/<source>/imports`' query: a status, and the source's ids (`ref`)."""
    return schema("ImportsQuery", module, {
        "status": (ImportStatus | None, None),
        ref: (list[kind], Field(
            default_factory=list, max_length=100,
            description=f"Only these {what}' imports (repeat the parameter, at most 100)")),
    })


def import_rows(source, *related: str):
    """The source's import records, with what their schema reads (and `related`)."""
    return source.record_rows().select_related("artwork", *related).prefetch_related(
        "artwork__placements__tv")


def imports_filtered(source, query, *related: str):
    """The source's import records with the status and ids `query` asks for."""
    records = import_rows(source, *related)
    if query.status:
        records = records.filter(status=query.status)
    if wanted := getattr(query, source.ref_name):
        records = records.filter(**{f"{source.ref_field}__in": wanted})
    return records
