"""A browse page's tile, as every source's browse service makes them."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, kw_only=True)
class BrowseItemBase:
    """What the shared browse page shows of a picture (or album); a source's own
    dataclass adds its id (under its API name) and its type."""

    title: str
    thumbnail_url: str
    width: int | None
    height: int | None
    taken_at: date | None
    imported: bool
    import_status: str | None
