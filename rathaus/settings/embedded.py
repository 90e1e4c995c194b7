"""Embedded default: one machine, SQLite, local files, background work in-process."""

from .base import *  # noqa: F403
from .base import DATA_DIR, RATHAUS_PLATFORM_HOSTS, SECRET_KEY, env_bool
from .keys import persistent_secret_key, weakness

# The SQLite file, uploads and mail drop live here; create it on first start.
DATA_DIR.mkdir(parents=True, exist_ok=True)
# No key in the environment: a random one, generated on the first start and kept in the data directory.
SECRET_KEY = SECRET_KEY or persistent_secret_key(DATA_DIR)
if (_problem := weakness(SECRET_KEY)) is not None:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"{_problem}: set a random SECRET_KEY of 50+ characters, or unset it to have one kept.")

DEBUG = env_bool("DEBUG", False)
if not RATHAUS_PLATFORM_HOSTS:
    RATHAUS_PLATFORM_HOSTS = ["platform.localhost"]
