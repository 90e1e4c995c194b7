"""Django settings of the Demo-Servicekonto (its own process; never mixed with Rathaus' settings).

NOT FOR PRODUCTION. ``python -m rathaus.demo_idp`` sets ``RATHAUS_DEMO_IDP_DATA_DIR`` and
``RATHAUS_DEMO_IDP_ISSUER`` and creates the keys before Django reads this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from .keys import read_secret_key, read_signing_key

DATA_DIR = Path(os.environ["RATHAUS_DEMO_IDP_DATA_DIR"])
ISSUER = os.environ["RATHAUS_DEMO_IDP_ISSUER"]

SECRET_KEY = read_secret_key(DATA_DIR)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "rathaus.demo_idp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "rathaus.demo_idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "demo-idp.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Fast hashing: the demo people have a published password anyway.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

LANGUAGE_CODE = "de"
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "demo_idp:login"
LOGIN_REDIRECT_URL = "demo_idp:index"
# The portal usually runs on the same host (127.0.0.1) on another port; browsers share cookies across
# ports, so the provider's cookies need names of their own.
SESSION_COOKIE_NAME = "demo_idp_session"
CSRF_COOKIE_NAME = "demo_idp_csrftoken"
SESSION_COOKIE_AGE = 30 * 60

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": read_signing_key(DATA_DIR),
    "OIDC_ISS_ENDPOINT": ISSUER,
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "rathaus.demo_idp.validators.DemoOAuth2Validator",
    "SCOPES": {
        "openid": "Anmeldung (OpenID Connect)",
        "profile": "Name und Geburtsdatum",
        "email": "E-Mail-Adresse",
        "address": "Anschrift",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    # Adopt the RFC 9700 behaviour now: no "plain" PKCE, no implicit/password grant, and the ``iss``
    # parameter in the authorization response (RFC 9207).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
