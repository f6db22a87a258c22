"""The shared request budget (`ratelimit.take`) as every process counts it."""

import asyncio
import contextvars
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core import process_cache, ratelimit


def test_a_budget_allows_its_count_per_window_then_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    # One window for the whole test: the clock stands still.
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_000_000.0)
    assert [ratelimit.take("test-budget", "3/m") for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    # Another holder has a budget of its own.
    assert ratelimit.take("test-budget-other", "3/m")
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_000_060.0)
    assert ratelimit.take("test-budget", "3/m")


@pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="Redis counts in production only"
)
def test_on_redis_a_window_is_one_counter_that_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit.time, "time", lambda: 2_000_000.0)
    for _ in range(4):
        ratelimit.take("test-expiring", "10/s")
    key = "ratelimit:test-expiring:2000000"
    assert cache.get(key) == 4
    client: Any = caches["default"]._cache.get_client(key)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_and_validate_key(key)) <= 2


@pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="Redis counts in production only"
)
def test_a_redis_that_forgot_the_scripts_is_sent_them_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scripts go by their digest; a restarted Redis (or SCRIPT FLUSH) knows none of them."""
    monkeypatch.setattr(ratelimit.time, "time", lambda: 3_000_000.0)
    client: Any = caches["default"]._cache.get_client("x")  # type: ignore[attr-defined]
    assert ratelimit.take("test-forgotten", "2/s")
    client.script_flush()
    assert [ratelimit.take("test-forgotten", "2/s") for _ in range(2)] == [True, False]
    assert cache.get("ratelimit:test-forgotten:3000000") == 3
    client.script_flush()
    assert ratelimit.claim_slot("test-forgotten-slots", "h", slots=2, ttl=30) == (
        "slot:test-forgotten-slots:0"
    )


def test_renewing_many_slots_keeps_each_past_its_first_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process renews all its sockets' slots at once; each is kept for its holder, and one
    that lapsed meanwhile is taken again while still free."""
    held = [
        (ratelimit.claim_slot(f"test-renew:{index}", f"holder-{index}", slots=1, ttl=1), index)
        for index in range(3)
    ]
    names = [(name, f"holder-{index}") for name, index in held if name is not None]
    assert len(names) == 3
    cache.delete(names[2][0])
    ratelimit.renew_slots(names, ttl=30)
    time.sleep(1.3)
    for name, holder in names:
        assert cache.get(name) == holder
    # Still held: nobody else can claim them.
    assert ratelimit.claim_slot("test-renew:0", "other", slots=1, ttl=1) is None


def test_slots_are_taken_in_turn_up_to_their_count_and_freed_by_their_holder() -> None:
    names = [
        ratelimit.claim_slot("test-slots", f"holder-{index}", slots=4, ttl=30) for index in range(4)
    ]
    assert None not in names
    assert len(set(names)) == 4
    assert ratelimit.claim_slot("test-slots", "late", slots=4, ttl=30) is None
    # Only its holder gives a slot back; then it is free for the next.
    ratelimit.release_slot(names[1], "someone else")  # type: ignore[arg-type]
    assert ratelimit.claim_slot("test-slots", "late", slots=4, ttl=30) is None
    ratelimit.release_slot(names[1], "holder-1")  # type: ignore[arg-type]
    assert ratelimit.claim_slot("test-slots", "late", slots=4, ttl=30) == names[1]
    assert cache.get(names[1]) == "late"  # type: ignore[arg-type]


@pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="Redis counts in production only"
)
def test_on_redis_a_slot_is_claimed_in_one_round_trip_however_many_are_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tried one by one, the n-th of a user's sockets cost n round trips (minutes for a
    clerk's thousands in the benchmark)."""
    for index in range(200):
        assert ratelimit.claim_slot("test-many-slots", f"h{index}", slots=1000, ttl=30)
    calls: list[object] = []
    real = ratelimit._claim.__call__

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(ratelimit, "_claim", counted)
    monkeypatch.setattr(
        process_cache.shared_cache(), "add", lambda *args, **kwargs: pytest.fail("one by one")
    )
    assert ratelimit.claim_slot("test-many-slots", "last", slots=1000, ttl=30) == (
        "slot:test-many-slots:200"
    )
    assert len(calls) == 1
    client: Any = caches["default"]._cache.get_client("x")  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_and_validate_key("slot:test-many-slots:200")) <= 30


def test_every_socket_of_a_process_counts_its_limits_through_one_cache_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Django gives each async context (each socket's consumer) a cache instance of its own,
    and a Redis cache's instance its own connections: a socket held a Redis connection for
    its whole life. The limits use one instance per process."""
    created: list[str] = []
    create = caches.create_connection

    def counted(alias: str) -> Any:
        created.append(alias)
        return create(alias)

    monkeypatch.setattr(caches, "create_connection", counted)
    monkeypatch.setattr(process_cache, "_instances", {})

    async def one_socket(index: int) -> None:
        claim = sync_to_async(ratelimit.claim_slot, thread_sensitive=False)
        assert await claim(f"test-contexts:{index}", "holder", slots=1, ttl=5)
        await sync_to_async(ratelimit.take, thread_sensitive=False)(f"test-contexts:{index}", "5/s")

    async def sockets() -> None:
        # Each in a context of its own, as the server starts each connection's task.
        await asyncio.gather(
            *(
                asyncio.create_task(one_socket(index), context=contextvars.Context())
                for index in range(5)
            )
        )

    async_to_sync(sockets)()
    assert created == ["default"]
