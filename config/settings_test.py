"""Test overrides: the same settings, with plain HTTP and fast password hashing."""

import copy
import os
from typing import Any, cast
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SEALED_BID_KEY", "dGVzdC1vbmx5LXNlYWxlZC1iaWQta2V5LTMyLWJ5dGU=")

from config.settings import *  # noqa: F403
from config.settings import (
    CACHES,
    CELERY_BROKER_URL,
    CHANNEL_LAYERS,
    REDIS_URL,
    REST_FRAMEWORK,
    STORAGES,
)

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests observe a task's effect in the same process; the worker test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests call the public API anonymously far faster than any client; the throttle test
# sets its own rate.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "100000/min"},
}
# Serve static files straight from the apps in tests, as in embedded mode.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests sign with the demonstration key (made once under var/signing/), as embedded mode does.
NEDRA_SIGNING_DEMO_KEY = True

# --- Redis of its own for each pytest-xdist worker ---------------------------------------
# `python3 nedra.py test` runs the suite in parallel processes (pytest-xdist), each on a test
# database of its own (pytest-django names it test_<name>_gw0, _gw1, ...), so the same ids
# (lot 1, user 1) exist in every worker. On one shared Redis they would meet: the autouse
# cache.clear() between tests flushes the whole Redis database, another worker's rate
# limits and socket slots with it, and one worker's broadcasts to group "lot-1" or to a
# user's sockets would reach another worker's sockets. So worker N keeps its cache and
# Celery broker in database REDIS_URL's + 1 + N, and its channel layer under a prefix of
# its own, since Redis pub/sub channels ignore the database number.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker:
    _redis = urlsplit(REDIS_URL)
    _database = int(_redis.path.strip("/") or 0) + 1 + int(_xdist_worker.removeprefix("gw"))
    # Redis has databases 0-15; tests/test_celery_worker.py gives its worker's broker 14.
    if _database >= 14:
        raise ImproperlyConfigured(
            f"pytest-xdist worker {_xdist_worker} would use Redis database {_database}: "
            "run fewer workers (NEDRA_TEST_WORKERS) or start from a lower REDIS_URL database."
        )
    _worker_url = _redis._replace(path=f"/{_database}").geturl()
    if CELERY_BROKER_URL == REDIS_URL:
        CELERY_BROKER_URL = _worker_url
    REDIS_URL = _worker_url
    CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = copy.deepcopy(CHANNEL_LAYERS)
    _layer_options = cast(dict[str, Any], CHANNEL_LAYERS["default"]["CONFIG"])
    _layer_options["hosts"] = [REDIS_URL]
    _layer_options["prefix"] = f"asgi-{_xdist_worker}"
