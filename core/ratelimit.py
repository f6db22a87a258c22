"""Limits shared by every process through the cache (Redis in production, locmem embedded).

A budget of requests per period (`take`) and a few slots per holder (`claim_slot`), both
counted in the cache so that every process sees the same count. When the cache fails they
fail safe: they count in this process alone and log a warning, so a Redis outage never
turns a request that the engine could judge into an error. `TokenBucket` is the limit of
one object in one process, such as one socket.
"""

import hashlib
import logging
import math
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError

from core.process_cache import shared_cache

logger = logging.getLogger(__name__)

PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}
# At most one warning this often while the cache is down: a flood must not flood the log.
WARN_EVERY_SECONDS = 10.0


def parse_rate(rate: str) -> tuple[int, float]:
    """Return (requests, seconds) from a rate written as DRF writes it: "10/s", "600/m"."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period[:1]]


class TokenBucket:
    """Allow `requests` per `seconds` on average, in bursts of at most `requests`."""

    def __init__(self, rate: str) -> None:
        self.capacity, seconds = parse_rate(rate)
        self.refill_per_second = self.capacity / seconds
        self.tokens = float(self.capacity)
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token if there is one; say whether there was."""
        now = time.monotonic()
        self.tokens = min(
            self.capacity, self.tokens + (now - self.updated) * self.refill_per_second
        )
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def take(key: str, rate: str) -> bool:
    """Spend one of the requests `rate` allows under `key`; say whether one was left.

    Counted across processes in fixed windows of the rate's period; in this process alone
    while the cache fails.
    """
    count, seconds = parse_rate(rate)
    window_key = f"ratelimit:{key}:{int(time.time() // seconds)}"
    timeout = math.ceil(seconds) + 1
    try:
        client = _redis_client(window_key)
        if client is not None:
            # One command whatever the count: Django's add, then incr (which asks whether
            # the key exists first) took three round trips for every bid after a window's
            # first, and a pipeline of INCR and EXPIRE two commands to pack and parse.
            spent = _spend(
                keys=[shared_cache().make_and_validate_key(window_key)],
                args=[timeout],
                client=client,
            )
            return int(spent) <= count
        if shared_cache().add(window_key, 1, timeout=timeout):
            return True
        return shared_cache().incr(window_key) <= count
    except ValueError:
        # The window expired between add and incr: this request opens the next one.
        return True
    except Exception as error:
        _warn_cache_down(error)
        return _local.take(key, rate)


# Count one request in the window's counter, which expires with the window (set when the
# window opens, in the same step: a counter never outlives it).
SPEND = """
local spent = redis.call('INCR', KEYS[1])
if spent == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return spent
"""


class _Script:
    """A Lua script sent by its digest (EVALSHA; the whole script only the first time a
    server sees it), on whichever client the cache gives. The command is sent as it is:
    redis-py's own script object added a third to every bid's Redis call (a profile of the
    50 lots, bench/RESULTS.md)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    def __call__(self, *, keys: list[str], args: list[object], client: Any) -> Any:
        command = ("EVALSHA", self.sha, len(keys), *keys, *args)
        try:
            return client.execute_command(*command)
        except NoScriptError:
            client.script_load(self.source)
            return client.execute_command(*command)


_spend = _Script(SPEND)


def _redis_client(key: str, *, single_server: bool = False) -> Any:
    """Return the Redis client the cache writes the key with, or None for another cache
    (or, asked for a single server, for a cache that spreads keys over several)."""
    backend = shared_cache()
    if not isinstance(backend, RedisCache):
        return None
    if single_server and len(backend._cache._servers) > 1:  # type: ignore[attr-defined]
        return None
    return backend._cache.get_client(key, write=True)


def claim_slot(key: str, holder: str, *, slots: int, ttl: float) -> str | None:
    """Claim one of `slots` slots under `key` for `holder`; return its name, or None if all
    are taken. A slot lapses after `ttl` seconds unless renewed, so a process that dies
    holding slots frees them."""
    # Redis keeps whole seconds: a shorter expiry would lapse at once.
    ttl = max(1, math.ceil(ttl))
    try:
        done, claimed = _claim_in_one_step(key, holder, slots=slots, ttl=ttl)
        if done:
            return claimed
        for index in range(slots):
            name = f"slot:{key}:{index}"
            if shared_cache().add(name, holder, timeout=ttl):
                return name
        return None
    except Exception as error:
        _warn_cache_down(error)
        return _local.claim_slot(key, holder, slots=slots)


# Take the first free one of the slots named KEYS[1] .. index, each SET NX as Django's `add`
# stores it, and return its index (-1: all taken). One round trip, where trying the slots
# one by one took one per slot already held (minutes for a clerk's thousands of sockets).
CLAIM = """
for index = 0, tonumber(ARGV[1]) - 1 do
  if redis.call('SET', KEYS[1] .. index, ARGV[2], 'NX', 'EX', ARGV[3]) then return index end
end
return -1
"""
_claim = _Script(CLAIM)


def _claim_in_one_step(key: str, holder: str, *, slots: int, ttl: int) -> tuple[bool, str | None]:
    """Claim a slot with one script on the cache's Redis: (True, its name or None if all are
    taken); (False, None) where the cache is not one Redis, or does not name the slots by
    appending to a common prefix (a KEY_FUNCTION of its own), and they are tried in turn."""
    client = _redis_client(f"slot:{key}:0", single_server=True)
    if client is None:
        return False, None
    cache = shared_cache()
    prefix = cache.make_and_validate_key(f"slot:{key}:")
    if cache.make_and_validate_key(f"slot:{key}:0") != f"{prefix}0":
        return False, None
    # The holder as the cache stores it, so `release_slot` (a `get`) reads it back.
    stored = cache._cache._serializer.dumps(holder)  # type: ignore[attr-defined]
    index = int(_claim(keys=[prefix], args=[slots, stored, ttl], client=client))
    return True, (None if index < 0 else f"slot:{key}:{index}")


def renew_slot(name: str, holder: str, *, ttl: float) -> None:
    """Keep the holder's slot for another `ttl` seconds."""
    if name.startswith("local:"):
        return
    ttl = max(1, math.ceil(ttl))
    try:
        # A slot that lapsed (the cache was down, or flushed) is taken again if still free.
        if not shared_cache().touch(name, timeout=ttl):
            shared_cache().add(name, holder, timeout=ttl)
    except Exception as error:
        _warn_cache_down(error)


def renew_slots(held: Iterable[tuple[str, str]], *, ttl: float) -> None:
    """Keep each (slot, holder) for another `ttl` seconds: one round trip for all of them
    where the cache is one Redis, as a process's sockets renew theirs together."""
    shared = [(name, holder) for name, holder in held if not name.startswith("local:")]
    if not shared:
        return
    ttl = max(1, math.ceil(ttl))
    try:
        client = _redis_client(shared[0][0], single_server=True)
        if client is None:
            for name, holder in shared:
                renew_slot(name, holder, ttl=ttl)
            return
        pipeline = client.pipeline(transaction=False)
        for name, _holder in shared:
            pipeline.expire(shared_cache().make_and_validate_key(name), ttl)
        for (name, holder), kept in zip(shared, pipeline.execute(), strict=True):
            if not kept:
                # Lapsed (the cache was down, or flushed): taken again if still free.
                shared_cache().add(name, holder, timeout=ttl)
    except Exception as error:
        _warn_cache_down(error)


def release_slot(name: str, holder: str) -> None:
    """Give the holder's slot back."""
    if name.startswith("local:"):
        _local.release_slot(name, holder)
        return
    try:
        if shared_cache().get(name) == holder:
            shared_cache().delete(name)
    except Exception as error:
        _warn_cache_down(error)


class _ProcessLimits:
    """The same limits counted in this process only: the fallback while the cache fails."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.slots: dict[str, set[str]] = {}

    def take(self, key: str, rate: str) -> bool:
        with self.lock:
            if len(self.buckets) >= self.MAX_KEYS:
                self.buckets.clear()
            bucket = self.buckets.setdefault((key, rate), TokenBucket(rate))
            return bucket.take()

    def claim_slot(self, key: str, holder: str, *, slots: int) -> str | None:
        with self.lock:
            holders = self.slots.setdefault(key, set())
            if len(holders) >= slots:
                return None
            holders.add(holder)
            return f"local:{key}"

    def release_slot(self, name: str, holder: str) -> None:
        with self.lock:
            holders = self.slots.get(name.removeprefix("local:"), set())
            holders.discard(holder)


_local = _ProcessLimits()
_last_warning = 0.0


def _warn_cache_down(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("The cache is unavailable; limits count in this process only: %r", error)
