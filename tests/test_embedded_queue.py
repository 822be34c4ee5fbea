"""The embedded queue (docentsite.embedded_queue): no message is read half written, and
no queue's binding is lost when the web and the worker start at once.

Both fail with kombu's own filesystem transport: a worker polling the folder takes a
message file between its creation and its content and stops on JSONDecodeError.
"""

import threading

import pytest
from kombu import Connection, Exchange, Queue
from kombu.transport import resolve_transport

from docentsite import embedded_queue

pytestmark = pytest.mark.timeout(120)

MESSAGES = 1000
#: An exchange several queues are bound to, as Celery's broadcasts to workers are.
SHARED = Exchange("celery.pidbox", type="fanout")


def connection(folder, transport=embedded_queue.Transport) -> Connection:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder),
               "store_processed": False, "control_folder": str(folder / "control"),
               "polling_interval": 0}
    return Connection("filesystem://localhost/", transport=transport,
                      transport_options=options)


def test_filesystem_urls_use_docents_transport():
    import docentsite  # noqa: F401 - registers it, as every Docent process does
    from docentsite.celery import app

    assert resolve_transport("filesystem") is embedded_queue.Transport
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, embedded_queue.Transport)


def test_a_worker_polling_while_messages_are_sent_reads_each_whole(tmp_path):
    with connection(tmp_path) as conn:
        conn.SimpleQueue("celery").close()  # declared, as the worker does on start

    def send():
        with connection(tmp_path) as conn:
            queue = conn.SimpleQueue("celery")
            for number in range(MESSAGES):
                queue.put({"number": number, "padding": "x" * 4000})

    received = []
    sender = threading.Thread(target=send)
    sender.start()
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue("celery")
        while len(received) < MESSAGES:
            message = queue.get(timeout=10)
            received.append(message.payload["number"])
            message.ack()
    sender.join()

    assert sorted(received) == list(range(MESSAGES))


def test_two_workers_binding_first_at_once_keep_both_queues(tmp_path):
    for attempt in range(30):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        start = threading.Barrier(2)

        def bind(name, folder=folder, start=start):
            with connection(folder) as conn:
                channel = conn.default_channel
                start.wait()
                Queue(name, SHARED, routing_key=name)(channel).declare()

        # Names of their own each time: kombu remembers bindings per process.
        names = {f"web-{attempt}", f"worker-{attempt}"}
        threads = [threading.Thread(target=bind, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with connection(folder) as conn:
            table = conn.default_channel.get_table(SHARED.name)
        assert {entry.queue for entry in table} == names, attempt
