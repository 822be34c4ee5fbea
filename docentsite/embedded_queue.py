"""The embedded queue: kombu's filesystem transport, with messages that appear whole.

kombu writes a message file in the queue folder in place (create, then write), and
a worker polling the folder (every 50 ms, settings.py) can take the file between
the two: it reads nothing, and the worker stops on "Unrecoverable error:
JSONDecodeError" (celery/kombu#1551). Here each message is written under a name the
worker ignores, then renamed into place, which is atomic on one filesystem.

The exchange's table of queues has the same flaw when it is first created (the web
and the worker start at once on a new install): it is created whole here, so it is
never read empty, and two first bindings never truncate each other's.

docentsite/celery.py registers this Transport as `filesystem://`, so CELERY_BROKER_URL
and everything that reads it stay as they are.
"""

import contextlib
import os
import tempfile
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's own name, so workers take messages in the order they were sent.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # ".put-…": the worker only reads names ending in ".<queue>.msg".
        fd, temporary = tempfile.mkstemp(dir=self.data_folder_out, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        if not file.exists():
            fd, temporary = tempfile.mkstemp(dir=self.control_folder, prefix=".bind-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(str_to_bytes(dumps([])))
                with contextlib.suppress(FileExistsError):  # another process made it
                    os.link(temporary, file)
            finally:
                os.unlink(temporary)
        # The table exists: kombu's own update, under its lock.
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make `filesystem://` URLs use this Transport (before any connection is made)."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
