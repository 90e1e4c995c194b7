"""System check: production refuses the generated test seal (``records.E001``).

The ``local`` sealing plugin (``rathaus.records.sealing``) signs decisions with whatever seal material lies in
``RATHAUS_SEAL_DIR/<kurzname>/`` (``seal.pem``, ``seal-key.pem``, ``ca.pem``) and, when there is none,
*generates* a self-made test seal there on first use. That is right for a demo and wrong for a Bescheid a
citizen relies on. Where ``RATHAUS_DEMO_PLUGINS`` is off (production.py), ``migrate`` and
``check --database default`` stop for every active municipality that seals with ``local`` unless the operator
put its real seal certificate there: the files exist, the certificate is not one this server generated
("Testsiegel-CA …"), it is valid now and belongs to the key.

A municipality whose enabled sealing row names a demo plugin is refused by ``payments.E003`` already (every
demo plugin row is); this check covers the installation default (no row, ``RATHAUS_SEALING_PLUGIN``).

``records.W003``: a timestamp authority is configured (``RATHAUS_TSA_URL``) but the public seal check trusts
none (``RATHAUS_TSA_TRUST_ROOTS`` empty or unreadable) — every timestamped decision would be shown as not
verifiable there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from rathaus.core.plugins import UnknownPlugin
from rathaus.tenants import selectors as tenant_selectors

from .sealing import DEFAULT_PLUGIN, KIND, configured_tsa_roots, seal_dir, sealing_plugins

TEST_CA_PREFIX = "Testsiegel-CA"  # the common name sealing._generate gives its self-made CA


def _demo_allowed() -> bool:
    return bool(getattr(settings, "RATHAUS_DEMO_PLUGINS", True))


def seal_problem(directory: Path) -> str:
    """What is wrong with the seal material in ``directory`` for production (English); ``""`` if nothing."""
    cert_path, key_path, ca_path = directory / "seal.pem", directory / "seal-key.pem", directory / "ca.pem"
    missing = [p.name for p in (cert_path, key_path, ca_path) if not p.exists()]
    if missing:
        return f"no seal certificate in {directory} (missing {', '.join(missing)}); a test seal would be generated"
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        return f"the seal in {directory} cannot be read ({type(exc).__name__})"
    issuer = [str(a.value) for a in cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if any(name.startswith(TEST_CA_PREFIX) for name in issuer):
        return f"the seal in {directory} is the test seal this server generated (issuer {issuer[0]!r})"
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
        return f"the seal certificate in {directory} is not valid now (until {cert.not_valid_after_utc:%Y-%m-%d})"
    public = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if (
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        != public
    ):
        return f"seal-key.pem in {directory} does not belong to seal.pem"
    return ""


@register(Tags.security)
def production_seal_configured(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if _demo_allowed() or not databases:
        return []
    default = str(getattr(settings, "RATHAUS_SEALING_PLUGIN", "") or DEFAULT_PLUGIN)
    errors: list[CheckMessage] = []
    for tenant in tenant_selectors.active_municipalities():
        if tenant_selectors.enabled_plugin_config(tenant, KIND) is not None:
            continue  # its own row: a demo one is payments.E003's
        try:
            is_demo = sealing_plugins.get(default).is_demo
        except UnknownPlugin:
            errors.append(
                Error(
                    f"RATHAUS_SEALING_PLUGIN={default!r} is not a registered sealing plugin.",
                    hint=f"One of: {', '.join(sorted(cls.identifier for cls in sealing_plugins))}.",
                    id="records.E002",
                )
            )
            break
        problem = seal_problem(seal_dir() / tenant.slug) if is_demo else ""
        if problem:
            errors.append(
                Error(
                    f"Municipality {tenant.slug!r} would seal its decisions with a test seal: {problem}.",
                    hint="Put the municipality's seal certificate, its key and the issuing CA chain into "
                    "seal.pem, seal-key.pem and ca.pem there (docs/operators/production.md, Siegel).",
                    id="records.E001",
                )
            )
    return errors


@register(Tags.security)
def timestamp_authority_trusted(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "RATHAUS_TSA_URL", ""):
        return []
    try:
        roots = configured_tsa_roots()
    except (OSError, ValueError) as exc:
        problem = f"RATHAUS_TSA_TRUST_ROOTS cannot be read ({type(exc).__name__}: {exc})"
    else:
        problem = "" if roots else "RATHAUS_TSA_TRUST_ROOTS names no certificate"
    if not problem:
        return []
    return [
        Warning(
            f"A timestamp authority is configured (RATHAUS_TSA_URL) but {problem}: the public seal check would "
            "refuse every timestamped decision as 'untrusted timestamp'.",
            hint="Set RATHAUS_TSA_TRUST_ROOTS to the PEM file(s) of the authority's certificate or its CA.",
            id="records.W003",
        )
    ]
