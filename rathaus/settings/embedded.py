"""Embedded default: one machine, SQLite, local files, background work in-process."""

from .base import *  # noqa: F403
from .base import RATHAUS_PLATFORM_HOSTS, env_bool

DEBUG = env_bool("DEBUG", False)
if not RATHAUS_PLATFORM_HOSTS:
    RATHAUS_PLATFORM_HOSTS = ["platform.localhost"]
