"""Embedded mode's channel layer delivers news sent from another thread at once."""

import asyncio
import threading
import time

from core.channel_layers import InMemoryChannelLayer


def test_news_sent_from_another_threads_loop_wakes_the_receivers_loop() -> None:
    """As the embedded beat's thread sends to the server's sockets: the receiving loop
    has nothing else to wake it (no timer, no socket), yet gets the message at once."""
    layer = InMemoryChannelLayer()
    got: list[dict[str, object]] = []
    received = threading.Event()
    loop = asyncio.new_event_loop()

    async def receive() -> None:
        got.append(await layer.receive("lot-news"))
        received.set()

    server = threading.Thread(target=loop.run_until_complete, args=(receive(),), daemon=True)
    server.start()
    deadline = time.monotonic() + 5
    while "lot-news" not in layer.channels and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    asyncio.run(layer.send("lot-news", {"type": "lot.closed"}))
    try:
        assert received.wait(timeout=3), "the receiving loop never woke"
        assert time.monotonic() - started < 1
        assert got == [{"type": "lot.closed"}]
    finally:
        server.join(timeout=1)
        if not server.is_alive():
            loop.close()


def test_a_send_and_receive_on_one_loop_work_as_before() -> None:
    layer = InMemoryChannelLayer()

    async def round_trip() -> dict[str, object]:
        await layer.send("lot-news", {"type": "lot.state"})
        return await layer.receive("lot-news")

    assert asyncio.run(round_trip()) == {"type": "lot.state"}
