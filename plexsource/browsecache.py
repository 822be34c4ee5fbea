"""What the browse path keeps in this process between two requests, so that a page
asks the database and Plex only for what it cannot know already.

- Library rows, for LIBRARY_SECONDS: a page needs its library's section key before
  it can ask Plex anything. A row saved or deleted in this process is forgotten at
  once (signals); one changed by another process is seen within LIBRARY_SECONDS.
- Album chains (the albums from a library's top down to an album, for breadcrumbs):
  a page that lists albums knows the chain of each, so opening one costs no request
  for its ancestors. Kept until the process ends, at most MAX_CHAINS of them; an
  album renamed in Plex shows its new title once the folders down to it are listed
  again.

Both are plain memory under a lock: nothing is written anywhere.
"""

import threading
import time
from collections import OrderedDict

LIBRARY_SECONDS = 60.0
MAX_CHAINS = 20_000


class Libraries:
    """Library rows by id, each for LIBRARY_SECONDS."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, pk: int):
        with self._lock:
            kept = self._rows.get(pk)
        if kept is None or time.monotonic() - kept[0] > LIBRARY_SECONDS:
            return None
        return kept[1]

    def put(self, rows) -> None:
        now = time.monotonic()
        with self._lock:
            self._rows.update({row.pk: (now, row) for row in rows})

    def clear(self, **_signal) -> None:
        with self._lock:
            self._rows.clear()


class AlbumChains:
    """(library, album ratingKey) -> the chain down to the album: (ratingKey, title)
    pairs, outermost first, the album last. The library is its Plex UUID and section
    key, so that another server's (or another test's) album of the same key is another."""

    def __init__(self, size: int = MAX_CHAINS) -> None:
        self._chains: OrderedDict[tuple, tuple[tuple[str, str], ...]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, library, album: str) -> tuple[tuple[str, str], ...] | None:
        key = (library.uuid, library.section_key, album)
        with self._lock:
            chain = self._chains.get(key)
            if chain is not None:
                self._chains.move_to_end(key)
            return chain

    def put(self, library, chain: tuple[tuple[str, str], ...]) -> None:
        key = (library.uuid, library.section_key, chain[-1][0])
        with self._lock:
            self._chains[key] = chain
            self._chains.move_to_end(key)
            while len(self._chains) > self._size:
                self._chains.popitem(last=False)


libraries = Libraries()
album_chains = AlbumChains()
