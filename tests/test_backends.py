"""The configured backends answer: PostgreSQL and Redis in CI, SQLite and memory locally."""

import asyncio
import json
import os
import subprocess
import sys
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache


def test_channel_layer_carries_a_group_message() -> None:
    layer = get_channel_layer()

    async def round_trip() -> dict:
        channel = await layer.new_channel()
        await layer.group_add("lot-backend-check", channel)
        await layer.group_send("lot-backend-check", {"type": "state", "version": 1})
        message = await layer.receive(channel)
        await layer.group_discard("lot-backend-check", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "state", "version": 1}


def test_cache_stores_and_expires_keys() -> None:
    cache.set("backend-check", "ok", timeout=30)
    assert cache.get("backend-check") == "ok"
    cache.delete("backend-check")
    assert cache.get("backend-check") is None


@pytest.mark.skipif(not settings.REDIS_URL, reason="embedded mode has no Redis")
def test_redis_backs_the_layer_cache_and_broker_when_configured() -> None:
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis.pubsub")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL


# Another test process (pytest-xdist worker) on the same Redis: what it reads from the cache
# and what it broadcasts to a group.
OTHER_PROCESS = """
import json, sys
import django
django.setup()
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
key, group = sys.argv[1:]
print(json.dumps({"seen": cache.get(key)}))
async_to_sync(get_channel_layer().group_send)(group, {"type": "state", "version": 99})
"""


@pytest.mark.skipif(not settings.REDIS_URL, reason="embedded mode has no Redis")
def test_parallel_test_processes_share_no_cache_entry_and_no_broadcast() -> None:
    """Lot and user ids repeat in every process's test database: one process's rate limits,
    socket slots and group messages must never reach another's tests (settings_test)."""
    this = os.environ.get("PYTEST_XDIST_WORKER", "")
    other = "gw1" if this == "gw0" else "gw0"
    key, group = f"isolation-{uuid.uuid4().hex}", "lot-isolation-check"
    cache.set(key, "this process's", timeout=60)
    layer = get_channel_layer()

    async def listen_while_the_other_process_speaks() -> tuple[str, dict]:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", OTHER_PROCESS, key, group],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings_test",
                "PYTEST_XDIST_WORKER": other,
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        # Redis delivers in order: had the other process's message (sent before it exited)
        # reached this group, it would come before this process's own.
        await layer.group_send(group, {"type": "state", "version": 1})
        received = await asyncio.wait_for(layer.receive(channel), timeout=10)
        await layer.group_discard(group, channel)
        return done.stdout, received

    output, received = async_to_sync(listen_while_the_other_process_speaks)()
    assert json.loads(output.strip().splitlines()[-1]) == {"seen": None}
    assert received == {"type": "state", "version": 1}
    assert cache.get(key) == "this process's"
