"""The fake TV's upload rate cap, which benchmarks/throughput.py measures Docent against.

Driven by the real FrameTV over samsungtvws: the cap must leave the protocol as it is.
"""

import threading
import time

import pytest

pytestmark = pytest.mark.timeout(30)


def test_an_upload_takes_its_size_over_the_rate_and_is_counted(fake_tv, frame_tv, make_jpeg):
    picture = make_jpeg(400, 300, noise=True)
    fake_tv.slow_transfer = len(picture)  # one second
    started = time.time()

    content_id = frame_tv.upload(picture)

    assert fake_tv.photos[content_id].data == picture
    assert 1.0 <= time.time() - started < 5.0
    assert fake_tv.bytes_received == len(picture)
    assert started < fake_tv.first_byte_at < fake_tv.last_byte_at
    # The last 1/20 s of reading is the pause after the last chunk.
    assert fake_tv.last_byte_at - fake_tv.first_byte_at >= 0.9


def test_two_transfers_at_once_share_the_rate(fake_tv, frame_tv, make_jpeg):
    pictures = [make_jpeg(300, 200, noise=True) for _ in range(2)]
    fake_tv.slow_transfer = len(pictures[0]) * 2  # half a second each, alone
    # Without the upload lock each client may take the other's image_added for its
    # own and return early: the TV's own record is what counts.
    threads = [threading.Thread(target=frame_tv.upload, args=(p,)) for p in pictures]
    started = time.time()
    for thread in threads:
        thread.start()
    deadline = started + 10
    while len(fake_tv.photos) < 2 and time.time() < deadline:
        time.sleep(0.01)
    elapsed = time.time() - started
    for thread in threads:
        thread.join(10)

    assert sorted(photo.data for photo in fake_tv.photos.values()) == sorted(pictures)
    assert fake_tv.max_concurrent_transfers == 2
    assert elapsed >= sum(map(len, pictures)) / fake_tv.slow_transfer
    assert fake_tv.bytes_received == sum(map(len, pictures))
