"""The signature algorithm of a SAML assertion is checked by name before xmlsec1 runs (RSASSA-PSS: not verifiable
with xmlsec1 1.2 on Debian 12; RSA-SHA1: too weak)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import load_pem_x509_certificate
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from saml2.xmldsig import SIG_RSA_SHA1, SIG_RSA_SHA256

from rathaus.demo_saml_idp.app import resign_with_pss
from rathaus.demo_saml_idp.keys import write_pair
from rathaus.identity.saml_signatures import (
    AlgorithmCheckingXmlSec1,
    UnsupportedSignatureAlgorithm,
    signature_algorithm,
)

PSS = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"


def _document(algorithm: str, node_id: str = "_a1") -> str:
    return (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1">'
        f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{node_id}">'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        f'<ds:SignatureMethod Algorithm="{algorithm}"/></ds:SignedInfo></ds:Signature>'
        "</saml:Assertion></samlp:Response>"
    )


def test_the_algorithm_of_the_signed_element_is_read() -> None:
    assert signature_algorithm(_document(PSS), "_a1") == PSS
    assert signature_algorithm(_document(PSS).encode(), "_a1") == PSS
    assert signature_algorithm(_document(PSS), "_r1") == ""  # the response itself carries no signature here
    assert signature_algorithm(_document(PSS), "_other") == ""


@pytest.mark.parametrize("algorithm", [PSS, SIG_RSA_SHA1, "urn:erfunden"])
def test_unknown_and_weak_algorithms_are_refused_by_name_before_xmlsec1(algorithm: str, monkeypatch: Any) -> None:
    called = []
    monkeypatch.setattr("saml2.sigver.CryptoBackendXmlSec1.validate_signature", lambda *a, **k: called.append(1))
    backend = AlgorithmCheckingXmlSec1("/usr/bin/xmlsec1")
    with pytest.raises(UnsupportedSignatureAlgorithm) as raised:
        backend.validate_signature(_document(algorithm), "cert.pem", "pem", "assertion", "_a1")
    assert raised.value.args[0] == algorithm and not called


def test_rsa_sha256_goes_on_to_xmlsec1(monkeypatch: Any) -> None:
    monkeypatch.setattr("saml2.sigver.CryptoBackendXmlSec1.validate_signature", lambda *a, **k: True)
    backend = AlgorithmCheckingXmlSec1("/usr/bin/xmlsec1")
    assert backend.validate_signature(_document(SIG_RSA_SHA256), "cert.pem", "pem", "assertion", "_a1") is True


@given(st.text(max_size=300) | st.binary(max_size=300), st.text(max_size=20))
def test_any_document_gives_an_answer(document: str | bytes, node_id: str) -> None:
    assert isinstance(signature_algorithm(document, node_id), str)


def test_the_demo_idp_signs_real_rsassa_pss(tmp_path: Any) -> None:
    """The demo IdP's ``pss`` option makes a genuine RSASSA-PSS signature over the canonical SignedInfo."""

    write_pair(tmp_path / "key.pem", tmp_path / "cert.pem", common_name="test")
    document = _document(SIG_RSA_SHA256).replace("</ds:SignedInfo>", "</ds:SignedInfo><ds:SignatureValue/>")
    signed = resign_with_pss(document, str(tmp_path / "key.pem"))
    assert signature_algorithm(signed, "_a1") == PSS
    root = etree.fromstring(signed.encode())
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    signed_info = root.find(f".//{ds}SignedInfo")
    value = base64.b64decode(root.find(f".//{ds}SignatureValue").text)
    public = load_pem_x509_certificate((tmp_path / "cert.pem").read_bytes()).public_key()
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    public.verify(value, canonical, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
