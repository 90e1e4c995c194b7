"""The public seal check trusts a seal's RFC 3161 timestamp only from a configured timestamp authority.

``RATHAUS_TSA_TRUST_ROOTS`` (or a sealing plugin's ``timestamp_trust_roots``) names the authorities; a
timestamp by another one, or one whose token was changed, makes the verdict invalid with its own reason, on the
page too. A seal without timestamp is unaffected.
"""
# ruff: noqa: F811  (the tsa fixture, imported from test_tsa)

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from rathaus.records import sealing
from rathaus.records.tests.test_tsa import SERVER, tsa  # noqa: F401 (fixture)
from rathaus.tenants.tests.factories import MunicipalityFactory
from rathaus.tenants.tests.world import pdf_with


@pytest.fixture(autouse=True)
def seals(settings: Any, tmp_path: Path) -> Path:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")
    return tmp_path


def _trust(settings: Any, tmp_path: Path, *certificates: Any) -> None:
    path = tmp_path / "tsa-roots.pem"
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    settings.RATHAUS_TSA_TRUST_ROOTS = [str(path)]


def _stamped(tenant: Any, settings: Any, url: str) -> bytes:
    settings.RATHAUS_TSA_URL = url
    try:
        return sealing.plugin_for(tenant).seal(tenant=tenant, pdf=pdf_with("Bescheid"), reason="Bescheid")
    finally:
        settings.RATHAUS_TSA_URL = ""


@pytest.fixture
def other_tsa(tmp_path: Path) -> Any:
    """A second, unrelated authority (its own key and self-signed certificate)."""
    from cryptography import x509

    cert_path = tmp_path / "other-tsa.pem"
    process = subprocess.Popen([sys.executable, str(SERVER), str(cert_path)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}/", x509.load_pem_x509_certificate(cert_path.read_bytes())
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db
def test_a_timestamp_of_a_trusted_authority_is_shown(tenant: Any, settings: Any, tmp_path: Path, tsa: Any) -> None:
    url, certificate = tsa
    _trust(settings, tmp_path, certificate)
    verdict = sealing.verify(tenant=tenant, pdf=_stamped(tenant, settings, url))
    assert verdict.valid and verdict.reason == "valid" and verdict.timestamp is not None
    # Without a timestamp nothing changes; with no authority trusted, a stamped seal is not accepted.
    plain = sealing.plugin_for(tenant).seal(tenant=tenant, pdf=pdf_with("ohne"), reason="x")
    assert sealing.verify(tenant=tenant, pdf=plain).valid
    settings.RATHAUS_TSA_TRUST_ROOTS = []
    assert sealing.verify(tenant=tenant, pdf=_stamped(tenant, settings, url)).reason == "untrusted_timestamp"
    assert sealing.verify(tenant=tenant, pdf=plain).valid


@pytest.mark.django_db
def test_a_timestamp_of_another_authority_is_refused_also_on_the_page(
    tenant: Any, settings: Any, tmp_path: Path, tsa: Any, other_tsa: Any, client: Any
) -> None:
    _url, certificate = tsa
    other_url, _other_certificate = other_tsa
    _trust(settings, tmp_path, certificate)
    pdf = _stamped(tenant, settings, other_url)
    verdict = sealing.verify(tenant=tenant, pdf=pdf)
    assert not verdict.valid and verdict.reason == "untrusted_timestamp" and verdict.timestamp is None
    page = client.post("/bescheid-pruefen/", {"datei": io.BytesIO(pdf)}, HTTP_HOST=f"{tenant.slug}.testserver")
    text = page.content.decode()
    assert "Kein gültiges Siegel." in text and "keinem Zeitstempeldienst" in text
    assert "Das Siegel ist gültig." not in text
    # The trusted authority's timestamp on another municipality's seal still is that municipality's seal only.
    other = MunicipalityFactory(slug="beta", name="Gemeinde Beta", ags="05111001")
    assert sealing.verify(tenant=other, pdf=_stamped(tenant, settings, _url)).reason == "foreign_seal"


@pytest.mark.django_db
def test_a_changed_timestamp_token_is_refused(tenant: Any, settings: Any, tmp_path: Path, tsa: Any) -> None:
    url, certificate = tsa
    _trust(settings, tmp_path, certificate)
    pdf = _stamped(tenant, settings, url)
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1]
    der = bytes(signature.pkcs7_content)
    token = next(
        a["values"][0]
        for a in signature.signer_info["unsigned_attrs"]
        if a["type"].native == "signature_time_stamp_token"
    ).dump()
    # The time in the authority's TSTInfo, one digit later: same length, so it fits the reserved /Contents.
    when = re.search(rb"\x18[\x0f-\x17](\d{14})", token)
    assert when is not None
    digits = when.group(1)
    changed = token.replace(digits, digits[:-1] + (b"1" if digits[-1:] != b"1" else b"2"), 1)
    hex_old = der.hex().encode()
    at = pdf.lower().find(hex_old)
    assert at > 0
    tampered = pdf[:at] + der.replace(token, changed).hex().encode() + pdf[at + len(hex_old) :]
    assert len(tampered) == len(pdf)
    verdict = sealing.verify(tenant=tenant, pdf=tampered)
    assert not verdict.valid and verdict.reason == "tampered_timestamp"
    assert sealing.verify(tenant=tenant, pdf=pdf).valid  # the untouched file still is


@pytest.mark.django_db
def test_an_unreadable_trust_file_trusts_no_timestamp(tenant: Any, settings: Any, tmp_path: Path, tsa: Any) -> None:
    url, _certificate = tsa
    settings.RATHAUS_TSA_TRUST_ROOTS = str(tmp_path / "missing.pem")
    assert sealing.verify(tenant=tenant, pdf=_stamped(tenant, settings, url)).reason == "untrusted_timestamp"
    (tmp_path / "garbage.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n")
    settings.RATHAUS_TSA_TRUST_ROOTS = f"{tmp_path / 'garbage.pem'}"
    assert sealing.verify(tenant=tenant, pdf=_stamped(tenant, settings, url)).reason == "untrusted_timestamp"


def test_a_configured_authority_without_trusted_roots_is_warned_about(settings: Any, tmp_path: Path, tsa: Any) -> None:
    from rathaus.records.checks import timestamp_authority_trusted

    url, certificate = tsa
    settings.RATHAUS_TSA_URL = ""
    settings.RATHAUS_TSA_TRUST_ROOTS = []
    assert timestamp_authority_trusted() == []  # no authority, nothing to trust
    settings.RATHAUS_TSA_URL = url
    assert [w.id for w in timestamp_authority_trusted()] == ["records.W003"]
    settings.RATHAUS_TSA_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    assert "cannot be read" in timestamp_authority_trusted()[0].msg
    _trust(settings, tmp_path, certificate)
    assert timestamp_authority_trusted() == []
