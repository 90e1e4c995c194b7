"""Settings for the benchmark server: the embedded settings, unchanged (kept as a hook for bench-only tweaks)."""

from rathaus.settings.embedded import *  # noqa: F403
