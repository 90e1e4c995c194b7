"""The signature algorithm of a SAML assertion decides who verifies it: xmlsec1 (RSA-SHA256 and the like),
python-xmlsec in the process (RSASSA-PSS, which xmlsec1 1.2 on Debian 12 cannot verify), or nobody (RSA-SHA1:
too weak; unknown ones)."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
import xmlsec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import load_pem_x509_certificate
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from saml2.sigver import XmlsecError
from saml2.xmldsig import SIG_RSA_SHA1, SIG_RSA_SHA256

from rathaus.demo_saml_idp.app import resign_with_pss
from rathaus.demo_saml_idp.keys import write_pair
from rathaus.identity.checks import rsassa_pss_verifiable
from rathaus.identity.saml_signatures import (
    AlgorithmCheckingXmlSec1,
    UnsupportedSignatureAlgorithm,
    pss_verifier,
    signature_algorithm,
    verify_pss,
)

PSS = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
PSS_SHA1 = "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"


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


@pytest.mark.parametrize("algorithm", [SIG_RSA_SHA1, "urn:erfunden", PSS_SHA1])
def test_unknown_and_weak_algorithms_are_refused_by_name_before_xmlsec1(algorithm: str, monkeypatch: Any) -> None:
    called = []
    monkeypatch.setattr("saml2.sigver.CryptoBackendXmlSec1.validate_signature", lambda *a, **k: called.append(1))
    backend = AlgorithmCheckingXmlSec1("/usr/bin/xmlsec1")
    with pytest.raises(UnsupportedSignatureAlgorithm) as raised:
        backend.validate_signature(_document(algorithm), "cert.pem", "pem", "assertion", "_a1")
    assert raised.value.args[0] == algorithm and not called


def test_rsassa_pss_is_refused_by_name_where_python_xmlsec_does_not_load(monkeypatch: Any) -> None:
    called = []
    monkeypatch.setattr("saml2.sigver.CryptoBackendXmlSec1.validate_signature", lambda *a, **k: called.append(1))
    monkeypatch.setattr("rathaus.identity.saml_signatures.pss_verifier", lambda: None)
    backend = AlgorithmCheckingXmlSec1("/usr/bin/xmlsec1")
    with pytest.raises(UnsupportedSignatureAlgorithm) as raised:
        backend.validate_signature(_document(PSS), "cert.pem", "pem", "assertion", "_a1")
    assert raised.value.args[0] == PSS and not called


def test_a_system_check_warns_where_rsassa_pss_cannot_be_verified(monkeypatch: Any) -> None:
    assert rsassa_pss_verifiable() == []
    monkeypatch.setattr("rathaus.identity.checks.pss_verifier", lambda: None)
    assert [message.id for message in rsassa_pss_verifiable()] == ["identity.W001"]


def test_python_xmlsec_loads_beside_this_lxml_and_knows_rsassa_pss() -> None:
    """The pins in pyproject.toml hold: python-xmlsec's libxml2 has lxml's minor version (else it refuses to
    load) and its libxmlsec1 is 1.3 or later (RSASSA-PSS). Fails after an upgrade that breaks either."""
    module = pss_verifier()
    assert module is not None
    assert tuple(module.get_libxmlsec_version()) >= (1, 3, 0)
    assert tuple(module.get_libxml_version())[:2] == tuple(etree.LIBXML_VERSION)[:2]


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


# --- RSASSA-PSS verified in the process (python-xmlsec) ---

SAML_ASSERTION = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1">'
    '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1">'
    "<saml:Issuer>https://id.bund.de/idp</saml:Issuer>"
    "<saml:Subject><saml:NameID>bpk2-demo-erika</saml:NameID></saml:Subject>"
    "</saml:Assertion></samlp:Response>"
)


@pytest.fixture
def keys(tmp_path: Any) -> dict[str, str]:
    write_pair(tmp_path / "key.pem", tmp_path / "cert.pem", common_name="idp")
    write_pair(tmp_path / "other-key.pem", tmp_path / "other-cert.pem", common_name="someone else")
    return {name: str(tmp_path / f"{name}.pem") for name in ("key", "cert", "other-key", "other-cert")}


def _signed(key_file: str, document: str = SAML_ASSERTION, *, node_id: str = "_a1") -> str:
    """The assertion signed as SAML does (enveloped, exclusive c14n, SHA-256), first with RSA-SHA256 (python-xmlsec),
    then its SignatureValue made again with RSASSA-PSS by the demo IdP's code (``cryptography``)."""
    root = etree.fromstring(document.encode())
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    constants = xmlsec.constants
    signature = xmlsec.template.create(assertion, constants.TransformExclC14N, constants.TransformRsaSha256)
    assertion.insert(1, signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri=f"#{node_id}")
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)
    return resign_with_pss(etree.tostring(root, encoding="unicode"), key_file)


def test_a_valid_rsassa_pss_signature_verifies(keys: dict[str, str]) -> None:
    document = _signed(keys["key"])
    assert signature_algorithm(document, "_a1") == PSS
    assert verify_pss(document, keys["cert"], ASSERTION, "_a1") is True
    assert verify_pss(document.encode(), keys["cert"], ASSERTION, "_a1") is True


def test_the_backend_hands_rsassa_pss_to_python_xmlsec_not_to_xmlsec1(keys: dict[str, str], monkeypatch: Any) -> None:
    called = []
    monkeypatch.setattr("saml2.sigver.CryptoBackendXmlSec1.validate_signature", lambda *a, **k: called.append(1))
    backend = AlgorithmCheckingXmlSec1("/usr/bin/xmlsec1")
    assert backend.validate_signature(_signed(keys["key"]), keys["cert"], "pem", ASSERTION, "_a1") is True
    assert not called
    with pytest.raises(XmlsecError):
        backend.validate_signature(_signed(keys["key"]), keys["other-cert"], "pem", ASSERTION, "_a1")


def _flipped(document: str) -> str:
    """One bit of the signature value changed."""
    match = re.search(r"<(?:ds:)?SignatureValue>([^<]+)<", document)
    assert match
    value = bytearray(base64.b64decode(match.group(1)))
    value[10] ^= 1
    return document.replace(match.group(1), base64.b64encode(bytes(value)).decode())


FORGED = (
    '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1">'
    "<saml:Issuer>x</saml:Issuer><saml:Subject><saml:NameID>bpk2-demo-mallory</saml:NameID></saml:Subject>"
    "</saml:Assertion>"
)


def _wrapped_before(document: str) -> str:
    """Signature wrapping: a second, unsigned assertion with the same ID in front of the signed one."""
    return document.replace('ID="_r1">', f'ID="_r1">{FORGED}', 1)


def _wrapped_after(document: str) -> str:
    """... and after it."""
    return document.replace("</samlp:Response>", f"{FORGED}</samlp:Response>")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.replace("bpk2-demo-erika", "bpk2-demo-mallory"), "content changed after signing"),
        (_flipped, "signature value changed"),
        (lambda d: d.replace("sha256-rsa-MGF1", "sha512-rsa-MGF1"), "another hash claimed than signed with"),
        (_wrapped_before, "a second element with the ID before"),
        (_wrapped_after, "a second element with the ID after"),
        (lambda d: d.replace('URI="#_a1"', 'URI="#_r1"'), "the reference points elsewhere"),
        (lambda d: d.replace("#sha256-rsa-MGF1", "#sha1-rsa-MGF1"), "a weak variant"),
        (lambda d: '<!DOCTYPE r [<!ENTITY e "x">]>' + d, "a DTD"),
        (lambda d: d[:-20], "not XML"),
    ],
)
def test_a_broken_rsassa_pss_signature_is_refused(keys: dict[str, str], change: Any, why: str) -> None:
    with pytest.raises(XmlsecError):
        verify_pss(change(_signed(keys["key"])), keys["cert"], ASSERTION, "_a1")


def test_rsassa_pss_by_a_key_not_in_the_metadata_is_refused(keys: dict[str, str]) -> None:
    with pytest.raises(XmlsecError):
        verify_pss(_signed(keys["other-key"]), keys["cert"], ASSERTION, "_a1")


def test_rsassa_pss_is_checked_on_the_element_pysaml2_names(keys: dict[str, str]) -> None:
    document = _signed(keys["key"])
    with pytest.raises(XmlsecError):  # the response is not signed
        verify_pss(document, keys["cert"], "urn:oasis:names:tc:SAML:2.0:protocol:Response", "_r1")
    with pytest.raises(XmlsecError):  # the element with the ID is not of the type pysaml2 asks for
        verify_pss(document, keys["cert"], "urn:oasis:names:tc:SAML:2.0:protocol:Response", "_a1")


def test_rsassa_pss_over_a_part_of_the_assertion_is_refused(keys: dict[str, str]) -> None:
    """A valid signature inside the assertion that covers only its Subject leaves the rest forgeable."""
    document = SAML_ASSERTION.replace("<saml:Subject>", '<saml:Subject ID="_s1">')
    signed = _signed(keys["key"], document, node_id="_s1")
    with pytest.raises(XmlsecError):
        verify_pss(signed, keys["cert"], ASSERTION, "_a1")
