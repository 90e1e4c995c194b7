"""Settings for the benchmark server: the embedded settings, unchanged, plus one guard.

The project-level static directory ``rathaus/static`` (favicon, site.css, vendored KERN CSS) is only
found by ``collectstatic`` when ``STATICFILES_DIRS`` lists it. Until the shipped settings do that,
the benchmark adds it here so the pages render instead of failing on the missing manifest entry.

With ``BENCH_VARIANT=proposed`` (``bench/catalog.py --variant proposed``) the templates in
``bench/variant_templates`` take precedence: the proposed search page, see ``bench/variant.py``.
"""

import os
from pathlib import Path

from rathaus.settings.embedded import *  # noqa: F403
from rathaus.settings.embedded import BASE_DIR, TEMPLATES

if not globals().get("STATICFILES_DIRS") and (BASE_DIR / "static").is_dir():
    STATICFILES_DIRS = [BASE_DIR / "static"]

if os.environ.get("BENCH_VARIANT") == "proposed":
    _variant = Path(__file__).resolve().parent / "variant_templates"
    TEMPLATES = [{**TEMPLATES[0], "DIRS": [_variant, *TEMPLATES[0]["DIRS"]]}]  # type: ignore[misc]
