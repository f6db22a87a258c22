"""The shared request budget (`ratelimit.take`) as every process counts it."""

from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core import ratelimit


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
