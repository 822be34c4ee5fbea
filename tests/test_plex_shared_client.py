"""`client.from_settings()`: one client per process and settings, its connections to
Plex kept alive between requests and shared by threads; new settings, a new client."""

import os
import threading
import time

import pytest

from plexsource import client as plex


def test_requests_reuse_one_connection_to_plex(plex_settings, fake_plex):
    for _ in range(3):
        plex.from_settings().browse(library_key="1", limit=5)
        plex.from_settings().item(fake_plex.find("Garden").rating_key)

    assert len(fake_plex.requests) == 6
    assert len({request.client for request in fake_plex.requests}) == 1


def test_threads_share_the_client_and_a_connection_each_at_most(plex_settings, fake_plex):
    section = fake_plex.add_synthetic_section("Archive", 1000)
    fake_plex.slow = 0.01  # the threads' requests overlap
    pages, errors = [], []

    def browse(thread: int) -> None:
        try:
            client = plex.from_settings()
            for number in range(5):
                offset = 50 * (5 * thread + number)
                page = client.browse(library_key=section.key, offset=offset, limit=50)
                pages.append((offset, [item.rating_key for item in page.items], client))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=browse, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and len(pages) == 20
    for offset, keys, _client in pages:
        assert keys == [str(section.base + offset + index) for index in range(50)]
    assert len({id(client) for *_page, client in pages}) == 1
    assert len({request.client for request in fake_plex.requests}) <= 4


def test_new_settings_get_a_new_client_and_are_honoured(plex_settings, fake_plex, settings):
    first = plex.from_settings()
    assert plex.from_settings() is first

    settings.PLEX_TIMEOUT = 0.3
    quick = plex.from_settings()
    fake_plex.slow = 1.0
    started = time.monotonic()
    with pytest.raises(plex.PlexUnavailable, match="did not answer within 0.3 s"):
        quick.browse(library_key="1")

    assert quick is not first and time.monotonic() - started < 0.9
    settings.PLEX_TOKEN = "another-token"
    assert plex.from_settings() not in (first, quick)


def test_a_forked_process_opens_connections_of_its_own(plex_settings):
    parent = plex.from_settings()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a gunicorn or Celery worker, say
        os.write(writer, b"new" if plex.from_settings() is not parent else b"same")
        os._exit(0)
    os.close(writer)
    answer = os.read(reader, 8)
    os.close(reader)
    os.waitpid(pid, 0)

    assert answer == b"new"
