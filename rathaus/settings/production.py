"""Production: PostgreSQL, S3-compatible object storage, Redis + Celery. Refuses insecure configuration."""

import os

from django.core.exceptions import ImproperlyConfigured

from rathaus.core.logs import logging_config

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY, STORAGES, env_bool, env_list
from .keys import weakness

if (problem := weakness(SECRET_KEY)) is not None:
    raise ImproperlyConfigured(
        f"{problem}: SECRET_KEY must be set to a random value of at least 50 characters "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(64))").'
    )
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must not be enabled in production.")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the served host names explicitly.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://…")
if not os.environ.get("REDIS_URL"):
    raise ImproperlyConfigured(
        "Production needs Redis: set REDIS_URL=redis://… (rate limits and sessions must be shared by all workers)."
    )
RATHAUS_RATELIMIT_STORE = "cache"  # Redis

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
RATHAUS_PATH_PREFIX_TENANTS = env_bool("RATHAUS_PATH_PREFIX_TENANTS", False)
# No demo plugin and no silent fall back to the test payment: rathaus.payments.checks refuses to start with one.
RATHAUS_DEMO_PLUGINS = False
RATHAUS_PAYMENT_PROVIDER = os.environ.get("RATHAUS_PAYMENT_PROVIDER", "")

if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES = {**STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    AWS_STORAGE_BUCKET_NAME = os.environ["AWS_STORAGE_BUCKET_NAME"]
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL")
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME")
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are read from the environment by boto3.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True

# One JSON object per log line for the log collector.
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "INFO"), os.environ.get("LOG_FORMAT", "json"))

# Behind one reverse proxy by default: the failed-login lock takes the client address from X-Forwarded-For.
RATHAUS_TRUSTED_PROXY_COUNT = int(
    os.environ.get("RATHAUS_TRUSTED_PROXY_COUNT", os.environ.get("AXES_PROXY_COUNT", "1"))
)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# SAML (BundID, Mein Unternehmenskonto): the SP key pair comes from RATHAUS_SAML_KEY_FILE/…_CERT_FILE, never
# generated on the fly; without them the SAML login is "not available" (docs/operators/saml.md).
RATHAUS_SAML_GENERATE_KEYS = False
