"""The embedded queue: kombu's filesystem transport, with files that appear whole.

kombu creates a file under its final name and then locks and writes it. Two
workers starting together on a new data dir (`serve` starts two) both bind
their queues to the same exchanges: one created the exchange's table file, and
the other read it, still empty, before the first had locked it, and died on a
JSONDecodeError. A message's file had the same gap between its creation and
its content. Here both are written under a name nobody reads and put in place
whole: a message by renaming it, a new table by linking it (which fails, as it
should, when another process made it first).
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu takes the text after the first dot for the queue's name.
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(temporary, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


    def _queue_bind(self, exchange, routing_key, pattern, queue):
        table = self._exchange_file(exchange)
        if not table.exists():
            self.control_folder.mkdir(parents=True, exist_ok=True)
            temporary = table.with_name(f".{table.name}.{uuid.uuid4()}.tmp")
            temporary.write_bytes(b"[]")
            try:
                os.link(temporary, table)
            except FileExistsError:
                pass  # another process made it first: kombu's lock orders the rest
            finally:
                temporary.unlink()
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make filesystem:// brokers use this transport, in every process that imports it."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
