"""Project-wide pytest fixtures."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

# In CI a test that did not run (skip marker, pytest.skip(), importorskip, xfail) fails the lane.
pytest_plugins = ["tests.plugins.ci_guard", "pytester"]


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Any:
    """Database rows roll back between tests; the in-process search index must too."""
    from rathaus.catalog import search

    search.reset_cache()
    yield
    search.reset_cache()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files of a test land in its own temporary directory, never in the developer's ``var/``."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _german_by_default() -> Any:
    """Every test starts in the installation's language. A request in English leaves English active in the
    thread (LocaleMiddleware does not switch back), which made German messages of later tests depend on the
    order the tests ran in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """The Django cache (rate-limit counters, discovery documents) starts empty in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant(db: Any) -> Any:
    from rathaus.tenants.tests.factories import MunicipalityFactory

    return MunicipalityFactory(slug="alpha", name="Stadt Alpha", ags="05111000")


@pytest.fixture
def other_tenant(db: Any) -> Any:
    from rathaus.tenants.tests.factories import MunicipalityFactory

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


# --- Virus scanning (rathaus.attachments) -----------------------------------------------------------------
# Two lanes. Tests that are about scanning use `clamav`: a real clamd (Debian clamav-daemon), started once
# per test session (per xdist worker) in the foreground on a UNIX socket in a temporary directory, loading
# only the tiny signature database in tests/data/clamav (EICAR; ~0.2 s to start). It fails, never skips,
# when clamd is missing. Tests of other modules that only need uploads to pass use `fake_scanner`: it
# replaces rathaus.attachments.scanner.scan with a recorder that finds nothing (`.calls`), unless told to
# (`.flag(data, signature)`).


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory: Any) -> Any:
    """Path of the UNIX socket of a real clamd that runs for the whole test session."""
    from rathaus.attachments.testing import ClamdNotAvailable, running_clamd

    workdir = tmp_path_factory.mktemp("clamd")
    try:
        with running_clamd(workdir) as sock:
            yield sock
    except ClamdNotAvailable as exc:
        pytest.fail(f"clamd is needed for the virus-scanning tests: {exc}")


@pytest.fixture
def clamav(settings: Any, clamd_socket: Any) -> Any:
    """Point the scanner at the session's clamd (UNIX socket, TCP off); yields the socket path."""
    settings.RATHAUS_CLAMD_SOCKET = str(clamd_socket)
    settings.RATHAUS_CLAMD_TCP = ""
    settings.RATHAUS_CLAMD_TIMEOUT = 10
    return clamd_socket


@pytest.fixture
def fake_scanner(monkeypatch: Any) -> Any:
    """Replace the virus scan with a recording no-op (see rathaus.attachments.testing.FakeScanner)."""
    from rathaus.attachments import scanner
    from rathaus.attachments.testing import FakeScanner

    fake = FakeScanner()
    monkeypatch.setattr(scanner, "scan", fake)
    return fake


@pytest.fixture
def wsgi_app(db: Any) -> Any:
    """Django's WSGI application for in-process API fuzzing (schemathesis ``from_wsgi``).

    Called directly, the handler's ``request_finished`` signal runs ``close_old_connections``, which closes
    the test's database connection in the middle of its transaction once ``CONN_MAX_AGE`` has passed
    (PostgreSQL lane). Django's test client switches that off for its requests; this fixture does the same.
    """
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
