"""Production settings refuse insecure configuration; secrets only from the environment."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client, override_settings

GOOD = {
    "SECRET_KEY": "Qm7vXc2LpR9sTz4WkY8nHd3JfB6gA1eU5oNiKy0rMxPq-VtZs_Cw",
    "ALLOWED_HOSTS": "portal.musterstadt.de",
    "DATABASE_URL": "postgres://rathaus@127.0.0.1:5432/rathaus",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import rathaus.settings.production"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


# What production.py decides, read from the module itself in a fresh interpreter with GOOD as environment.
SECURITY_SETTINGS = [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "MIDDLEWARE",
    "RATHAUS_PATH_PREFIX_TENANTS", "RATHAUS_PLATFORM_HOSTS",
]  # fmt: skip
_DUMP = (
    "import json, rathaus.settings.production as s; "
    f"print(json.dumps({{n: getattr(s, n) for n in {SECURITY_SETTINGS!r}}}))"
)


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _DUMP], env={"PATH": "/usr/bin:/bin", **GOOD}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def test_production_starts_with_secure_configuration(production: dict[str, Any]) -> None:
    assert production["DEBUG"] is False
    assert production["SECRET_KEY"] == GOOD["SECRET_KEY"]
    assert production["ALLOWED_HOSTS"] == ["portal.musterstadt.de"]
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True and production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    # TLS ends at the reverse proxy: it says so in X-Forwarded-Proto, and plain HTTP is redirected.
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["RATHAUS_PATH_PREFIX_TENANTS"] is False
    directives = production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)
    middleware = production["MIDDLEWARE"]
    for needed in (
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "csp.middleware.CSPMiddleware",
    ):
        assert needed in middleware, needed
    assert middleware[0] == "django.middleware.security.SecurityMiddleware"  # redirects before anything runs


@pytest.mark.django_db
def test_production_answers_carry_secure_cookies_and_security_headers(production: dict[str, Any]) -> None:
    from rathaus.identity.tests.factories import PASSWORD, CitizenFactory
    from rathaus.tenants.tests.factories import MunicipalityFactory

    tenant = MunicipalityFactory(slug="musterstadt", host="portal.musterstadt.de")
    CitizenFactory(tenant=tenant, email="mia@example.org")
    values = {**production, "SECURE_PROXY_SSL_HEADER": tuple(production["SECURE_PROXY_SSL_HEADER"])}
    with override_settings(**values):
        client = Client(HTTP_HOST="portal.musterstadt.de", enforce_csrf_checks=True)
        plain = client.get("/konto/anmelden/")
        assert plain.status_code == 301 and plain["Location"] == "https://portal.musterstadt.de/konto/anmelden/"

        https = {"HTTP_X_FORWARDED_PROTO": "https"}
        page = client.get("/konto/anmelden/", **https)
        assert page.status_code == 200
        assert page["Strict-Transport-Security"] == f"max-age={production['SECURE_HSTS_SECONDS']}; includeSubDomains"
        policy = page["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert page["X-Frame-Options"] == "DENY"
        assert page["X-Content-Type-Options"] == "nosniff"
        csrf = page.cookies["csrftoken"]
        assert csrf["secure"] is True and csrf["httponly"] is True and csrf["samesite"] == "Lax"

        login = client.post(
            "/konto/anmelden/",
            {"username": "mia@example.org", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
            HTTP_ORIGIN="https://portal.musterstadt.de",
            **https,
        )
        assert login.status_code == 302, login.content.decode()[:500]
        session = login.cookies["sessionid"]
        assert session.value
        assert session["secure"] is True and session["httponly"] is True
        assert session["samesite"] == production["SESSION_COOKIE_SAMESITE"]
        assert login["Strict-Transport-Security"].startswith("max-age=")

        assert Client(HTTP_HOST="rathaus.evil.example").get("/konto/anmelden/", **https).status_code == 400


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "kurz"}, "SECRET_KEY"),
        ({"SECRET_KEY": "embedded-insecure-do-not-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "abcdefgh" * 8}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 64}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
    ],
)
def test_production_refuses_insecure_configuration(override: dict[str, str], message: str) -> None:
    env = {**GOOD, **override}
    if not env["SECRET_KEY"]:
        env.pop("SECRET_KEY")
    result = _load(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_loaddemo_refuses_production() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rathaus.cli", "loaddemo"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "rathaus.settings.production", **GOOD},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Produktivumgebung" in result.stderr


def test_oversized_request_is_refused_before_it_is_read(client: Any, settings: Any, db: Any) -> None:
    settings.RATHAUS_MAX_REQUEST_BYTES = 1024
    response = client.post("/api/v1/applications/drafts", data=b"x" * 2048, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
    page = client.post("/konto/anmelden/", data=b"x" * 2048, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "zu groß" in page.content.decode()
    assert client.get("/healthz").status_code == 200
