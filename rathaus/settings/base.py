"""Every setting with its default for the embedded mode. Other settings files override a few lines.

Values come from the environment; see docs/operators/configuration.md for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from rathaus.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("RATHAUS_DATA_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# From the environment; without it the embedded mode generates a random key on first start and keeps it in the
# data directory (embedded.py), and production refuses to start (production.py). There is no fixed fallback.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")

# Hosts that belong to the platform rather than to one municipality. On them a municipality is
# chosen by the path prefix /m/<slug>/ (the embedded default serves several municipalities this way).
RATHAUS_PLATFORM_HOSTS = env_list("RATHAUS_PLATFORM_HOSTS", "")
RATHAUS_PATH_PREFIX_TENANTS = env_bool("RATHAUS_PATH_PREFIX_TENANTS", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "rathaus.core",
    "rathaus.tenants",
    "rathaus.identity",
    "rathaus.catalog",
    "rathaus.portal",
    "rathaus.formengine",
    "rathaus.payments",
    "rathaus.mailbox",
    "rathaus.applications",
    "rathaus.records",
    "rathaus.steering",
    "rathaus.demo",  # no models: the demo data and its commands (loaddemo, demo_otp)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rathaus.core.middleware.RequestLogMiddleware",
    "rathaus.core.middleware.RequestSizeLimitMiddleware",
    "rathaus.tenants.middleware.TenantMiddleware",
    "rathaus.core.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "rathaus.identity.permissions.PermissionCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rathaus.tenants.middleware.TenantUserMiddleware",
    "rathaus.identity.account_sessions.SessionIndexMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rathaus.urls"
WSGI_APPLICATION = "rathaus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rathaus.tenants.context_processors.tenant",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'rathaus.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let several gunicorn workers share the embedded database. synchronous=FULL:
    # a commit is on disk before it is acknowledged (NORMAL could lose the last ones on a power cut).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rathaus.identity.backends.TenantEmailBackend",
    "rathaus.identity.oidc.TenantOIDCBackend",
]
# E-mail is unique per municipality, not globally; TenantEmailBackend resolves it with the tenant.
# otp_webauthn.E030 wants a fixed list of origins; ours is the request's own (rathaus/identity/webauthn.py).
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004", "otp_webauthn.E030"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Security keys/passkeys (WebAuthn) as a second factor for staff, next to TOTP. A key is bound to the host name
# it was registered on: relying party id, name and origin follow the request (each municipality's own hosts).
OTP_WEBAUTHN_RP_ID_CALLABLE = "rathaus.identity.webauthn.rp_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "rathaus.identity.webauthn.rp_name"
OTP_WEBAUTHN_HELPER_CLASS = "rathaus.identity.webauthn.TenantWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a key is the second factor, never the only one
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "identity:account"
LOGOUT_REDIRECT_URL = "portal:home"

# Brute force: five failures per account and address lock the pair for 30 minutes; a stranger elsewhere cannot
# lock a citizen out, and a wrong address in X-Forwarded-For does not help (see RATHAUS_TRUSTED_PROXY_COUNT).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_USERNAME_CALLABLE = "rathaus.identity.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# The address behind reverse proxies (rathaus/core/client_ip.py): how many proxies in front append to
# X-Forwarded-For (0: served directly, the header is ignored) and, optionally, their addresses or networks.
AXES_CLIENT_IP_CALLABLE = "rathaus.core.client_ip.client_ip"
RATHAUS_TRUSTED_PROXY_COUNT = int(os.environ.get("RATHAUS_TRUSTED_PROXY_COUNT", "0"))
RATHAUS_TRUSTED_PROXY_IPS = env_list("RATHAUS_TRUSTED_PROXY_IPS")

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security headers. HTTPS-only settings are switched on in production.py.
# With a shared cache (Redis) sessions are read from it and written through to the database; with the
# per-process cache of the embedded mode that would let one worker miss another's logout, so plain db there.
# Rate-limit counters (rathaus/core/ratelimit.py), shared by all worker processes: Redis through the cache when
# REDIS_URL is set, otherwise a SQLite file in the data directory.
RATHAUS_RATELIMIT_STORE = os.environ.get(
    "RATHAUS_RATELIMIT_STORE", "cache" if os.environ.get("REDIS_URL") else f"sqlite:{DATA_DIR / 'ratelimit.sqlite3'}"
)
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if os.environ.get("REDIS_URL")
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "rathaus.core.views.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", *env_list("RATHAUS_CSP_FORM_ACTION")],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rathaus@localhost")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not os.environ.get("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
# Periodic work for `celery beat` in production; the embedded default runs `rathaus applications_sweep` and
# `rathaus events --sweep` (and `rathaus records_pdfs`) by cron.
CELERY_BEAT_SCHEDULE = {
    "events-sweep": {"task": "rathaus.core.tasks.sweep_events", "schedule": 60},
    "payments-refresh-pending": {"task": "rathaus.payments.tasks.refresh_pending_payments", "schedule": 15 * 60},
    "applications-sweep": {"task": "rathaus.applications.tasks.sweep", "schedule": 24 * 60 * 60},
    "records-application-pdfs": {"task": "rathaus.records.tasks.sweep_application_pdfs", "schedule": 5 * 60},
}
# Durable events (rathaus/core/events.py): a failed delivery is tried again after 30 s, 1, 2, 4, … min (never
# more than the maximum apart) and given up after this many attempts (with the defaults: about an hour).
# Deliver an event right after the commit that published it (Celery task; in-process in the embedded mode).
# Off: only the periodic sweep delivers (lag up to a minute) — for measuring what the dispatcher costs.
RATHAUS_EVENTS_DISPATCH = os.environ.get("RATHAUS_EVENTS_DISPATCH", "1") == "1"
RATHAUS_EVENTS_MAX_ATTEMPTS = int(os.environ.get("RATHAUS_EVENTS_MAX_ATTEMPTS", "8"))
RATHAUS_EVENTS_BACKOFF_SECONDS = int(os.environ.get("RATHAUS_EVENTS_BACKOFF_SECONDS", "30"))
RATHAUS_EVENTS_MAX_BACKOFF_SECONDS = int(os.environ.get("RATHAUS_EVENTS_MAX_BACKOFF_SECONDS", "3600"))
# File-plan unit (Aktenplankennzeichen) where records files the issued digitalisation reports of steering.
RATHAUS_REPORTS_FILE_PLAN_CODE = os.environ.get("RATHAUS_REPORTS_FILE_PLAN_CODE", "01")

# Online applications: drafts are deleted this many days after their last change.
RATHAUS_DRAFT_DAYS = int(os.environ.get("RATHAUS_DRAFT_DAYS", "30"))
RATHAUS_MAX_ATTACHMENT_BYTES = int(os.environ.get("RATHAUS_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
RATHAUS_MAX_SUBMISSION_BYTES = int(os.environ.get("RATHAUS_MAX_SUBMISSION_BYTES", str(30 * 1024 * 1024)))
# PDFs declaring more pages are refused before the virus scan (like images declaring more than 50 megapixels).
RATHAUS_MAX_PDF_PAGES = int(os.environ.get("RATHAUS_MAX_PDF_PAGES", "500"))
# Whole request bodies above this are refused before they are read (413).
RATHAUS_MAX_REQUEST_BYTES = int(os.environ.get("RATHAUS_MAX_REQUEST_BYTES", str(35 * 1024 * 1024)))
# Virus scanning: every upload goes through clamd; no scan, no upload.
RATHAUS_CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "/var/run/clamav/clamd.ctl")
RATHAUS_CLAMD_TCP = os.environ.get("CLAMD_TCP", "")
RATHAUS_CLAMD_TIMEOUT = int(os.environ.get("CLAMD_TIMEOUT", "30"))
# Payments: the provider of a municipality that has not chosen one under "Anbindungen" (its plugin
# configuration, docs/operators/payments.md): "demo" (test payments served by the app) or "epaybl".
RATHAUS_PAYMENT_PROVIDER = os.environ.get("RATHAUS_PAYMENT_PROVIDER", "demo")
# Hosts of payment platforms (XBezahldienste) the municipalities may configure; empty: any HTTPS host.
RATHAUS_PAYMENT_HOSTS = env_list("RATHAUS_PAYMENT_HOSTS", "")
# Demo plugins (test payment without money, demo logins): embedded mode and tests; production.py forbids them.
RATHAUS_DEMO_PLUGINS = env_bool("RATHAUS_DEMO_PLUGINS", True)
# E-Akte: the RFC 3161 timestamp authority for seals and journal anchors (empty: none), and the PEM files of the
# authorities (or their CAs) whose timestamps the public seal check trusts (comma-separated paths).
RATHAUS_TSA_URL = os.environ.get("RATHAUS_TSA_URL", "")
RATHAUS_TSA_TRUST_ROOTS = env_list("RATHAUS_TSA_TRUST_ROOTS", "")
# The PKCS#11 module of the seal device for the sealing plugin "pkcs11" (HSM or smart card; empty: none). Set by
# the operator only: the municipalities' plugin options name the token and labels, never a library to load.
RATHAUS_PKCS11_LIBRARY = os.environ.get("RATHAUS_PKCS11_LIBRARY", "")

# Citizen OIDC login: outgoing calls to the identity provider.
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", True)
OIDC_TIMEOUT = 10

LOG_FORMAT = os.environ.get("LOG_FORMAT", "console")  # production defaults to "json"
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "INFO"), LOG_FORMAT)
