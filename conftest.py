"""Project-wide pytest fixtures."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # In CI a missing tool is a failure, never a skip.
    if os.environ.get("CI"):
        for item in items:
            if item.get_closest_marker("skip") or item.get_closest_marker("skipif"):
                raise pytest.UsageError(f"skipped test in CI: {item.nodeid}")


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Any:
    """Database rows roll back between tests; the in-process search index must too."""
    from rathaus.catalog import search

    search.reset_cache()
    yield
    search.reset_cache()


@pytest.fixture
def tenant(db: Any) -> Any:
    from rathaus.core.testing import MunicipalityFactory

    return MunicipalityFactory(slug="alpha", name="Stadt Alpha", ags="05111000")


@pytest.fixture
def other_tenant(db: Any) -> Any:
    from rathaus.core.testing import MunicipalityFactory

    return MunicipalityFactory(slug="beta", name="Gemeinde Beta", ags="05222000")


@pytest.fixture
def tclient(client: Any, tenant: Any) -> Any:
    """A Django test client speaking to the host of ``tenant``."""
    client.defaults["HTTP_HOST"] = f"{tenant.slug}.testserver"
    return client


def require_tool(name: str) -> str:
    """Path of an external tool; its absence fails the test (never skips it)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required tool {name!r} is not installed (make test installs it)")
    return path
