"""Production refuses the generated test seal (records.E001) unless the operator put a real seal certificate
into the municipality's seal directory."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from pypdf import PdfWriter

from rathaus.records import sealing
from rathaus.records.checks import production_seal_configured
from rathaus.tenants.tests.factories import MunicipalityFactory

PRODUCTION = {"RATHAUS_DEMO_PLUGINS": False}


def _messages() -> list[Any]:
    return production_seal_configured(databases=["default"])


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


def _pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_real_seal(directory: Path, *, days: int = 365, ca_name: str = "D-Trust Siegel-CA 1-2 (Beispiel)") -> None:
    """A seal issued by a CA that is not this server's test CA (as a trust service provider would issue it)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, seal_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name(ca_name)).issuer_name(_name(ca_name))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    seal = (
        x509.CertificateBuilder().subject_name(_name("Stadt Musterstadt – Siegel")).issuer_name(_name(ca_name))
        .public_key(seal_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=days))
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "seal.pem").write_bytes(seal.public_bytes(serialization.Encoding.PEM))
    (directory / "seal-key.pem").write_bytes(_pem(seal_key))


@pytest.fixture
def seals(settings: Any, tmp_path: Path) -> Path:
    settings.RATHAUS_SEAL_DIR = tmp_path / "seals"
    return Path(settings.RATHAUS_SEAL_DIR)


def test_embedded_mode_seals_with_the_test_seal(tenant: Any, seals: Path) -> None:
    assert _messages() == []


@override_settings(**PRODUCTION)
def test_production_refuses_a_municipality_without_a_seal_certificate(tenant: Any, seals: Path) -> None:
    [error] = _messages()
    assert error.id == "records.E001" and tenant.slug in error.msg and "missing" in error.msg
    assert production_seal_configured() == []  # without a database the municipalities are not read
    with pytest.raises(SystemCheckError, match=r"records\.E001"):
        call_command("check", "--deploy", "--database", "default")
    assert not (seals / tenant.slug).exists()  # the check generated nothing


@override_settings(**PRODUCTION)
def test_production_refuses_the_generated_test_seal(tenant: Any, seals: Path) -> None:
    with override_settings(RATHAUS_DEMO_PLUGINS=True):
        sealing.test_seal(tenant)  # generated while the installation ran as a demo
    [error] = _messages()
    assert error.id == "records.E001" and "test seal this server generated" in error.msg


@override_settings(**PRODUCTION)
def test_production_starts_with_the_operators_seal_certificate(tenant: Any, seals: Path) -> None:
    write_real_seal(seals / tenant.slug)
    MunicipalityFactory(slug="inaktiv", is_active=False)  # inactive municipalities do not matter
    assert _messages() == []
    signed = sealing.plugin_for(tenant).seal(tenant=tenant, pdf=_minimal_pdf(), reason="Bescheid")
    assert b"/ByteRange" in signed  # the local plugin seals with the operator's certificate


@override_settings(**PRODUCTION)
@pytest.mark.parametrize("fault", ["expired", "foreign_key", "garbage"])
def test_production_refuses_a_broken_seal(tenant: Any, seals: Path, fault: str) -> None:
    directory = seals / tenant.slug
    write_real_seal(directory, days=-1 if fault == "expired" else 365)
    if fault == "foreign_key":
        (directory / "seal-key.pem").write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    if fault == "garbage":
        (directory / "seal.pem").write_text("kein Zertifikat")
    [error] = _messages()
    expected = {"expired": "not valid now", "foreign_key": "does not belong", "garbage": "cannot be read"}[fault]
    assert error.id == "records.E001" and expected in error.msg


@override_settings(RATHAUS_DEMO_PLUGINS=False, RATHAUS_SEALING_PLUGIN="hsm")
def test_production_refuses_an_unknown_default_sealing_plugin(tenant: Any, seals: Path) -> None:
    assert [m.id for m in _messages()] == ["records.E002"]


def _minimal_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
