"""The cache as one instance per process, for the work of websockets.

Django's `caches` (and `cache`) give each thread, and under ASGI each async context, an
instance of its own, and a Redis cache's instance opens a connection pool of its own. A
socket's consumer is a context that lives as long as the socket: each socket that counted
a limit or entered a register held a Redis connection for its whole life (2,000 sockets of
one process, 2,000 connections; bench/RESULTS.md), and Redis refuses clients beyond its
`maxclients`. One instance per process shares one pool; redis-py's pools and Django's
local-memory cache are safe to share between threads.
"""

import threading
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver

_instances: dict[str, BaseCache] = {}
_lock = threading.Lock()


def shared_cache(alias: str = DEFAULT_CACHE_ALIAS) -> BaseCache:
    """Return this process's one instance of the cache."""
    found = _instances.get(alias)
    if found is None:
        with _lock:
            found = _instances.get(alias)
            if found is None:
                found = _instances[alias] = caches.create_connection(alias)
    return found


@receiver(setting_changed, dispatch_uid="core.process_cache.setting_changed")
def _forget_instances(setting: str, **kwargs: Any) -> None:
    # Tests change the caches.
    if setting == "CACHES":
        _instances.clear()
