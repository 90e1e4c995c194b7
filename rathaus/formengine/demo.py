"""The demo municipality's form definitions, shipped as JSON in ``data/forms/<service-slug>.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).resolve().parent / "data" / "forms"


def demo_form_slugs() -> list[str]:
    """Service slugs that have a demo form, sorted."""
    return sorted(path.stem for path in FORMS_DIR.glob("*.json"))


def load_demo_form(slug: str) -> dict[str, Any]:
    """The definition dict of a demo form (not yet parsed). Raises KeyError for an unknown slug."""
    if slug not in demo_form_slugs():
        raise KeyError(slug)
    data: dict[str, Any] = json.loads((FORMS_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    return data
