"""Key material of the Demo-Servicekonto, created on first start and kept in its data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNING_KEY_FILE = "oidc-signing-key.pem"
SECRET_KEY_FILE = "django-secret-key.txt"  # noqa: S105 - a file name


def _write_private(path: Path, data: bytes) -> None:
    # Created with mode 0600 from the start: the key never exists world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_keys(data_dir: Path) -> None:
    """Create the RS256 signing key and the Django secret key unless they already exist."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path = data_dir / SIGNING_KEY_FILE
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
        _write_private(key_path, pem)
    secret_path = data_dir / SECRET_KEY_FILE
    if not secret_path.exists():
        _write_private(secret_path, secrets.token_urlsafe(50).encode())


def read_signing_key(data_dir: Path) -> str:
    return (data_dir / SIGNING_KEY_FILE).read_text()


def read_secret_key(data_dir: Path) -> str:
    return (data_dir / SECRET_KEY_FILE).read_text().strip()
