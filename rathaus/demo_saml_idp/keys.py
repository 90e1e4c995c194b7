"""Key pairs of the demo SAML IdP, created on first start in its data directory (self-signed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclasses.dataclass(frozen=True)
class KeyPair:
    key_file: str
    cert_file: str

    @classmethod
    def ensure(cls, data_dir: Path, name: str) -> KeyPair:
        data_dir.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = data_dir / f"{name}-key.pem", data_dir / f"{name}-cert.pem"
        if not (key_path.exists() and cert_path.exists()):
            write_pair(key_path, cert_path, common_name=f"Demo SAML IdP ({name})")
        return cls(str(key_path), str(cert_path))


def write_pair(key_path: Path, cert_path: Path, *, common_name: str, days: int = 3650) -> None:
    """A 3072-bit RSA key (mode 0600 from the start) and a self-signed SHA-256 certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
