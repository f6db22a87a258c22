"""The channel layer of embedded mode and of the tests: Channels' in-memory layer, made
safe to send to from another thread's event loop.

In embedded mode the beat runs in a thread of its own (`core.embedded_beat`), so a lot's
close, its heartbeat or a staff action sends from an event loop of that thread, while the
sockets wait for news on the server's loop. The in-memory layer hands a message to a
waiting receiver by resolving its future from the sending thread, which puts the
receiver's wake-up in its loop's queue without waking that loop: the news waited for the
loop's next timer or socket event, seconds later. Here a send also wakes every other loop
that receives from the layer.
"""

import asyncio
import weakref
from typing import Any

from channels import layers


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    """Channels' in-memory layer, whose sends wake receivers waiting in other threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receiving_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    async def receive(self, channel: str) -> dict[str, Any]:
        self.receiving_loops.add(asyncio.get_running_loop())
        return await super().receive(channel)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        await super().send(channel, message)
        here = asyncio.get_running_loop()
        for loop in list(self.receiving_loops):
            if loop is not here and loop.is_running():
                # Its receiver's wake-up is already queued: run that loop's queue now.
                loop.call_soon_threadsafe(_nothing)


def _nothing() -> None:
    """A callback that only wakes its event loop."""
