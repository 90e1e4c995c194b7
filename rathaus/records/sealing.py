"""Sealing plugins (plugin kind ``"sealing"``): a PAdES signature with the municipality's seal certificate.

Which plugin seals a municipality's decisions is its enabled ``tenants.PluginConfig`` row of kind
``"sealing"``; without one, ``RATHAUS_SEALING_PLUGIN`` (default ``"local"``).

``local`` (the embedded default) signs with pyHanko using a *test seal*: on first use a self-signed CA
("Testsiegel-CA <Kommune>") and a seal certificate issued by it are generated for the municipality and kept
in ``RATHAUS_SEAL_DIR/<slug>/`` (default ``DATA_DIR/seals``). It is a test seal — fine for trying the
platform and for the public verification page of this installation, not a qualified electronic seal.

A real signer (an HSM over PKCS#11, or a remote signing service of a trust service provider) registers the
same way: subclass :class:`SealingPlugin`, declare its options (secrets as ``EnvRef``), implement ``seal``
and ``trust_roots``/``seal_certificate``, and ``register`` it. ``pkcs11`` (``sealing_pkcs11.py``) is such a
plugin for a seal key in an HSM or smart card; a remote signing service would use pyHanko's
``pyhanko.sign.signers.ExternalSigner`` the same way (not implemented; see docs/municipalities/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from rathaus.core.eventloop import outside_event_loop
from rathaus.core.plugins import Plugin, Registry
from rathaus.tenants import selectors as tenant_selectors

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

log = logging.getLogger("rathaus.records")

KIND = "sealing"
DEFAULT_PLUGIN = "local"
FIELD_NAME = "Siegel"


class SealingError(Exception):
    """Sealing failed; ``message`` is German and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SealingPlugin(Plugin):
    """Seals a PDF as PAdES signature and names the certificates a verifier must trust."""

    def seal(self, *, tenant: Municipality, pdf: bytes, reason: str) -> bytes:
        raise NotImplementedError

    def seal_certificate(self, *, tenant: Municipality) -> asn1_x509.Certificate:
        raise NotImplementedError

    def trust_roots(self, *, tenant: Municipality) -> list[asn1_x509.Certificate]:
        raise NotImplementedError

    def timestamp_trust_roots(self, *, tenant: Municipality) -> list[asn1_x509.Certificate]:
        """The roots a seal's RFC 3161 timestamp must chain to: ``RATHAUS_TSA_TRUST_ROOTS`` unless a plugin
        names the timestamp authorities of its trust service itself (per municipality, if it likes)."""
        return configured_tsa_roots()


sealing_plugins: Registry[SealingPlugin] = Registry(
    KIND, label=gettext_lazy("Siegel für Bescheide"), base=SealingPlugin, exclusive=True
)
register = sealing_plugins.register


@dataclass(frozen=True)
class SealMaterial:
    ca: asn1_x509.Certificate
    cert: asn1_x509.Certificate
    key: asn1_keys.PrivateKeyInfo


def seal_dir() -> Path:
    return Path(getattr(settings, "RATHAUS_SEAL_DIR", "") or Path(settings.DATA_DIR) / "seals")


def _generate(directory: Path, tenant_name: str) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, tenant_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Testsiegel-CA {tenant_name}"[:64]),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, tenant_name[:64]),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"Siegel {tenant_name} (Test)"[:64]),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(seal_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )  # digitalSignature, nonRepudiation (contentCommitment)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / "seal-key.pem.tmp"
    tmp.write_bytes(
        seal_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    tmp.chmod(0o600)
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "seal.pem").write_bytes(seal.public_bytes(serialization.Encoding.PEM))
    tmp.replace(directory / "seal-key.pem")  # last: its presence says the set is complete
    log.warning("test_seal_generated tenant=%s dir=%s", tenant_name, directory)


def _der(pem_path: Path) -> bytes:
    return x509.load_pem_x509_certificate(pem_path.read_bytes()).public_bytes(serialization.Encoding.DER)


def test_seal(tenant: Municipality) -> SealMaterial:
    """The municipality's generated test seal (CA, seal certificate, key), generated on first use."""
    directory = seal_dir() / tenant.slug
    if not (directory / "seal-key.pem").exists():
        _generate(directory, tenant.name)
    key = serialization.load_pem_private_key((directory / "seal-key.pem").read_bytes(), password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SealMaterial(
        ca=asn1_x509.Certificate.load(_der(directory / "ca.pem")),
        cert=asn1_x509.Certificate.load(_der(directory / "seal.pem")),
        key=asn1_keys.PrivateKeyInfo.load(key_der),
    )


@register
class LocalTestSeal(SealingPlugin):
    """pyHanko PAdES with the municipality's generated test seal (embedded default)."""

    identifier = "local"
    label = gettext_lazy("Testsiegel (auf diesem Server erzeugt, kein qualifiziertes Siegel)")
    is_demo = True

    def seal(self, *, tenant: Municipality, pdf: bytes, reason: str) -> bytes:
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        material = test_seal(tenant)
        signer = signers.SimpleSigner(
            signing_cert=material.cert,
            signing_key=material.key,
            cert_registry=SimpleCertificateStore.from_certs([material.ca]),
        )
        return sign_pades(tenant=tenant, pdf=pdf, reason=reason, signer=signer)

    def seal_certificate(self, *, tenant: Municipality) -> asn1_x509.Certificate:
        return test_seal(tenant).cert

    def trust_roots(self, *, tenant: Municipality) -> list[asn1_x509.Certificate]:
        return [test_seal(tenant).ca]


def sign_pades(*, tenant: Municipality, pdf: bytes, reason: str, signer: Any) -> bytes:
    """``pdf`` with a PAdES signature by pyHanko's ``signer`` (the seal field, the municipality as name, SHA-256,
    a signature timestamp when ``RATHAUS_TSA_URL`` is set): the one signing step of every sealing plugin."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps import TimestampRequestError

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason[:200],
        name=tenant.name,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        out = outside_event_loop(signers.sign_pdf, writer, meta, signer=signer, timestamper=timestamper())
    except TimestampRequestError as exc:  # unreachable, refused, or an answer that is no token
        log.warning("seal_timestamp_failed", exc_info=True)
        raise TimestampUnavailable() from exc
    return out.getvalue()  # type: ignore[no-any-return]


class TimestampUnavailable(SealingError):
    """``RATHAUS_TSA_URL`` is set but the timestamp authority gave no token: nothing is sealed without it."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Der Zeitstempeldienst ist nicht erreichbar; der Bescheid ist nicht gesiegelt. "
                "Bitte versuchen Sie es später erneut."
            )
        )


def timestamper() -> Any:
    """pyHanko's RFC 3161 client for ``RATHAUS_TSA_URL`` (the seal then carries a signature timestamp), or None."""
    url = getattr(settings, "RATHAUS_TSA_URL", "")
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise ValueError("RATHAUS_TSA_URL must be an http(s) address")
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=10)


def configured_tsa_roots() -> list[asn1_x509.Certificate]:
    """The certificates in the PEM files of ``RATHAUS_TSA_TRUST_ROOTS`` (a list of paths, or one comma-separated
    string): the timestamp authorities (or their CAs) whose timestamps this installation trusts."""
    paths = getattr(settings, "RATHAUS_TSA_TRUST_ROOTS", ()) or ()
    if isinstance(paths, str):
        paths = [path.strip() for path in paths.split(",") if path.strip()]
    roots = []
    for path in paths:
        for certificate in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            roots.append(asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)))
    return roots


def plugin_for(tenant: Municipality) -> SealingPlugin:
    config = tenant_selectors.enabled_plugin_config(tenant, KIND)
    identifier = (
        config.plugin_id
        if config is not None
        else str(getattr(settings, "RATHAUS_SEALING_PLUGIN", "") or DEFAULT_PLUGIN)
    )
    return sealing_plugins.create(identifier, config.options if config is not None else None, tenant_slug=tenant.slug)


# --- verification ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    valid: bool
    # "valid", "no_signature", "not_pdf", "tampered", "foreign_seal", "partial", and for a seal that carries a
    # timestamp: "tampered_timestamp" (the token is broken or covers another signature) or "untrusted_timestamp"
    # (intact, but from an authority outside ``timestamp_trust_roots``).
    reason: str
    signed_at: dt.datetime | None = None
    signed_sha256: str = ""
    # The time of an intact RFC 3161 signature timestamp over the seal (None: the seal carries none).
    timestamp: dt.datetime | None = None


def verify(*, tenant: Municipality, pdf: bytes) -> Verdict:
    """Whether ``pdf`` carries an intact PAdES seal of ``tenant`` over the whole file (never raises)."""
    import hashlib

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # garbage input of every shape; a verdict, never a 500
        return Verdict(False, "not_pdf")
    if not signatures:
        return Verdict(False, "no_signature")
    plugin = plugin_for(tenant)
    try:
        tsa_roots = plugin.timestamp_trust_roots(tenant=tenant)
    except Exception:  # a missing or unreadable file: no timestamp is trusted (checks.py warns at start)
        log.error("tsa_trust_roots_unreadable", exc_info=True)
        tsa_roots = []
    try:
        roots = plugin.trust_roots(tenant=tenant)
        own = plugin.seal_certificate(tenant=tenant)
        signature = signatures[-1]
        status = outside_event_loop(
            validate_pdf_signature,
            signature,
            ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"),
            # The timestamp is checked against the timestamp authorities' roots, not the seal's: a token any
            # key can make must not date a decision.
            ValidationContext(trust_roots=tsa_roots, allow_fetching=False, revocation_mode="soft-fail"),
        )
    except Exception:  # a malformed signature dictionary is an invalid seal, not an error
        log.info("seal_verification_failed", exc_info=True)
        return Verdict(False, "tampered")
    if not status.intact or not status.valid:
        return Verdict(False, "tampered")
    if not status.trusted:
        return Verdict(False, "foreign_seal")
    if status.signing_cert.dump() != own.dump():
        return Verdict(False, "foreign_seal")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Verdict(False, "partial")
    stamp = status.timestamp_validity
    if stamp is None and _carries_timestamp(signature):
        return Verdict(False, "tampered_timestamp")  # a token pyHanko could not even read as one
    if stamp is not None and not (stamp.intact and stamp.valid):
        return Verdict(False, "tampered_timestamp")
    if stamp is not None and not stamp.trusted:
        return Verdict(False, "untrusted_timestamp")
    stamped_at = stamp.timestamp if stamp is not None else None
    return Verdict(True, "valid", status.signer_reported_dt, hashlib.sha256(pdf).hexdigest(), stamped_at)


def _carries_timestamp(signature: Any) -> bool:
    unsigned = signature.signer_info["unsigned_attrs"]
    return unsigned.native is not None and any(
        attribute["type"].native == "signature_time_stamp_token" for attribute in unsigned
    )
