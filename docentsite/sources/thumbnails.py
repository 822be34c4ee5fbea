"""What every source's thumbnails share: a cache folder answered as static files are,
filled when a fetched thumbnail has been sent, and the conditional answer itself."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import parse_etags

from docentsite.sources.http import partial_file

#: A thumbnail named by its version never changes: browsers keep it for good.
FOR_GOOD = "private, max-age=31536000, immutable"
FOR_A_WEEK = "private, max-age=604800"
FOR_A_DAY = "private, max-age=86400"


def cache_dir(name: str) -> Path:
    """The cache folder of a source's thumbnails (`name`: its own, e.g. "plex")."""
    return settings.DOCENT_DATA_DIR / "cache" / f"{name}-thumbnails"


class Fetched(io.BytesIO):
    """A thumbnail just fetched. The web server closes it once the answer has gone out:
    cached then (at `cache_at`, if any), the browser does not wait for the disk."""

    def __init__(self, data: bytes, *, cache_at: Path | None) -> None:
        super().__init__(data)
        self.cache_at = cache_at

    def close(self) -> None:
        if not self.closed and self.cache_at is not None:
            write_whole(self.cache_at, self.getvalue())
        super().close()


def write_whole(path: Path, data: bytes) -> None:
    """Written under a name of its own, then renamed into place: the grid's first load
    asks for one thumbnail several times at once, and no reader may see half of it."""
    with partial_file(path) as out:
        out.write(data)


def thumbnail_response(request, *, etag: str, cache_control: str,
                       body: Callable[[], tuple[BinaryIO, str]]) -> HttpResponse:
    """304 when the browser has `etag`, else the file `body()` opens (and its type)."""
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        opened, kind = body()
        response = FileResponse(opened, content_type=kind)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


def refused(detail: str) -> JsonResponse:
    """A thumbnail URL's bad parameter, answered as the API answers one."""
    return JsonResponse({"detail": detail}, status=422)
