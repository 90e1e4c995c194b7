"""Embedded default: one machine, SQLite, local files, background work in-process."""

from .base import *  # noqa: F403
from .base import DATA_DIR, RATHAUS_PLATFORM_HOSTS, env_bool

# The SQLite file, uploads and mail drop live here; create it on first start.
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
if not RATHAUS_PLATFORM_HOSTS:
    RATHAUS_PLATFORM_HOSTS = ["platform.localhost"]
