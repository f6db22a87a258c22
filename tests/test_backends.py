"""The configured backends answer: PostgreSQL and Redis in CI, SQLite and memory locally."""

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
