"""Test settings: fast hashing, in-memory mail, eager tasks. DATABASE_URL selects SQLite or PostgreSQL."""

import os
import secrets

from .base import *  # noqa: F403
from .base import SECRET_KEY

# A fresh random key per test process unless one is given: nothing may depend on a known key.
SECRET_KEY = SECRET_KEY or secrets.token_urlsafe(64)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
RATHAUS_PLATFORM_HOSTS = ["platform.testserver"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
OIDC_VERIFY_SSL = os.environ.get("OIDC_VERIFY_SSL", "1") == "1"
RATHAUS_RATELIMIT_STORE = "cache"  # the per-test cache, emptied before every test (conftest.py)
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic in tests

# With REDIS_URL (the PostgreSQL lane) every pytest-xdist worker gets a Redis database of its own: conftest.py
# empties the cache before every test (FLUSHDB), which must not wipe another worker's counters mid-test.
if os.environ.get("REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    _db_number = int(_db) if _db.isdigit() else 0
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{_base}/{(_db_number - _worker) % 16}",
        }
    }
