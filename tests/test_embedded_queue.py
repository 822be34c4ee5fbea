"""The embedded queue's files appear whole to the other processes reading them.

kombu's filesystem transport creates a file, then locks and writes it. A writer
paused in between (a busy machine does that) is played here by a lock that takes
half a second: a reader in another process must never see the file empty.
"""

import multiprocessing
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from docentsite import embeddedqueue

PAUSE = 0.5


def _options(folder: Path) -> dict:
    return {"data_folder_in": str(folder), "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"), "store_processed": False,
            "control_folder": str(folder / "control")}


def _slow_writer(folder: Path, job: str) -> None:
    from kombu.transport import filesystem

    real_lock = filesystem.lock

    def slow_lock(handle, flags):
        time.sleep(PAUSE)
        return real_lock(handle, flags)

    filesystem.lock = slow_lock
    embeddedqueue.install()
    with Connection("filesystem://", transport_options=_options(folder)) as connection:
        channel = connection.channel()
        if job == "message":
            channel._put("lane", {"body": "hello", "properties": {}})
        else:
            channel._queue_bind("docent.pidbox", "", "", "worker-1")


def _start(folder: Path, job: str):
    (folder / "processed").mkdir(parents=True)
    writer = multiprocessing.get_context("spawn").Process(target=_slow_writer,
                                                          args=(folder, job))
    writer.start()
    return writer


@pytest.fixture
def channel(tmp_path):
    embeddedqueue.install()
    with Connection("filesystem://", transport_options=_options(tmp_path)) as connection:
        assert type(connection.transport) is embeddedqueue.Transport
        yield connection.channel()


@pytest.mark.timeout(60)
def test_a_message_is_never_read_before_it_is_written(tmp_path, channel):
    writer = _start(tmp_path, "message")
    deadline = time.monotonic() + 30
    message = None
    # As a worker's poll does, without its pause: the file is taken the moment it appears.
    while message is None and time.monotonic() < deadline:
        try:
            message = channel._get("lane")
        except Empty:
            continue
    writer.join(timeout=30)
    assert message == {"body": "hello", "properties": {}}


@pytest.mark.timeout(60)
def test_a_new_exchange_table_is_never_read_empty(tmp_path, channel):
    """Two workers starting at once on a new data dir bind to the same exchanges."""
    writer = _start(tmp_path, "table")
    table = tmp_path / "control" / "docent.pidbox.exchange"
    deadline = time.monotonic() + 30
    while not table.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    seen = channel.get_table("docent.pidbox")  # the writer is still between create and lock
    writer.join(timeout=30)
    assert seen in ([], [("", "", "worker-1")])
    assert channel.get_table("docent.pidbox") == [("", "", "worker-1")]
