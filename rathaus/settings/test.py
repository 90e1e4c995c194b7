"""Test settings: fast hashing, in-memory mail, eager tasks. DATABASE_URL selects SQLite or PostgreSQL."""

import os

from .base import *  # noqa: F403

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
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic in tests
