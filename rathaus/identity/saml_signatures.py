"""Which signature algorithms a SAML response or assertion may be signed with, and who verifies which.

BundID announced RSA-SHA256 or RSASSA-PSS signatures. The service provider verifies with pysaml2, which calls the
``xmlsec1`` program. xmlsec1 1.2.37 (Debian 12, ``xmlsec1 --list-transforms``) has no RSASSA-PSS transform
(``http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1``, RFC 6931); it came with xmlsec 1.3. So:

- RSA-SHA256/-384/-512 and ECDSA go to the ``xmlsec1`` program, as before.
- RSASSA-PSS (SHA-256/-384/-512 with MGF1 of the same hash, RFC 6931 2.3.10) is verified in the process by
  python-xmlsec, whose wheel bundles libxmlsec1 1.3 (:func:`verify_pss`). The checks pysaml2 made before (one
  Reference, to the enclosing element, allowed transforms, the key from the IdP's metadata) still apply.
  python-xmlsec hands lxml's documents to its own copy of libxml2, so both must carry the same libxml2 minor
  version; where they do not (``xmlsec.InternalError`` on import) or python-xmlsec is missing, PSS is refused
  by name as before (``reason=signature_algorithm_unsupported``, system check ``identity.W001``).
- Anything else, and RSA-SHA1 (too weak), is refused by name instead of a bare "failed" (docs/operators/saml.md).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import structlog
from defusedxml import ElementTree as SafeET
from lxml import etree
from saml2.sigver import CryptoBackendXmlSec1, XmlsecError
from saml2.xmldsig import (
    SIG_ECDSA_SHA256,
    SIG_ECDSA_SHA384,
    SIG_ECDSA_SHA512,
    SIG_RSA_SHA256,
    SIG_RSA_SHA384,
    SIG_RSA_SHA512,
)

log = structlog.get_logger("rathaus.identity.saml")

NS_DS = "http://www.w3.org/2000/09/xmldsig#"
# Verified by the xmlsec1 program. Not RSA-SHA1: too weak.
SIGNATURE_ALGORITHMS = frozenset(
    {SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512, SIG_ECDSA_SHA256, SIG_ECDSA_SHA384, SIG_ECDSA_SHA512}
)
# RSASSA-PSS, verified by python-xmlsec (libxmlsec1 1.3) where it loads. Not the SHA-1/SHA-224 variants.
SIG_RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
SIG_RSA_PSS_SHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
SIG_RSA_PSS_SHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
PSS_ALGORITHMS = frozenset({SIG_RSA_PSS_SHA256, SIG_RSA_PSS_SHA384, SIG_RSA_PSS_SHA512})


class UnsupportedSignatureAlgorithm(Exception):
    """The IdP signed with an algorithm this installation does not verify (``args[0]``: its URI)."""


def signature_algorithm(document: str | bytes, node_id: str) -> str:
    """The SignatureMethod of the signature inside the element whose ID is ``node_id`` ("" if there is none)."""
    try:
        root = SafeET.fromstring(document)
    except Exception:  # not ours to judge: the verifier refuses it
        return ""
    for element in root.iter():
        if element.get("ID") == node_id:
            method = element.find(f"{{{NS_DS}}}Signature/{{{NS_DS}}}SignedInfo/{{{NS_DS}}}SignatureMethod")
            return str(method.get("Algorithm", "")) if method is not None else ""
    return ""


@functools.cache
def pss_verifier() -> ModuleType | None:
    """python-xmlsec, if it loads beside this lxml and its libxmlsec1 knows RSASSA-PSS (1.3 or later); else None."""
    try:
        import xmlsec
    except Exception as exc:  # ImportError, or xmlsec.InternalError: "lxml & xmlsec libxml2 library version mismatch"
        log.warning("saml_pss_unavailable", error=type(exc).__name__, detail=str(exc)[:200])
        return None
    version = tuple(xmlsec.get_libxmlsec_version())  # type: ignore[attr-defined]  # not in its stubs
    if version < (1, 3, 0):
        log.warning("saml_pss_unavailable", libxmlsec1=".".join(map(str, version)))
        return None
    return xmlsec


def _refuse(why: str) -> XmlsecError:
    # What pysaml2's xmlsec1 backend raises for a signature that does not verify: it then tries the IdP's next
    # certificate and finally refuses the response ("Failed to verify signature").
    return XmlsecError(f"RSASSA-PSS: {why}")


def verify_pss(document: str | bytes, cert_file: str, node_name: str, node_id: str) -> bool:
    """True if the element with ID ``node_id`` — the only element with that ID, of type ``node_name`` (pysaml2's
    ``"<namespace>:<name>"``) — carries one enveloped RSASSA-PSS signature over itself, valid under the public key
    of the PEM certificate ``cert_file``. Raises :class:`XmlsecError` otherwise, as the xmlsec1 program would.

    Like ``xmlsec1 --verify --enabled-reference-uris empty,same-doc --enabled-key-data raw-x509-cert
    --pubkey-cert-pem``: only the given key counts (never one from KeyInfo), only same-document references.
    """
    xmlsec = pss_verifier()
    if xmlsec is None:
        raise _refuse("python-xmlsec is not available")
    data = document.encode() if isinstance(document, str) else document
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"not XML ({exc})") from None
    if root.getroottree().docinfo.doctype:
        raise _refuse("a document type declaration")
    namespace, _, name = node_name.rpartition(":")
    # Two elements with the ID would let the verified one differ from the one read (signature wrapping).
    nodes = [element for element in root.iter(etree.Element) if element.get("ID") == node_id]
    if len(nodes) != 1 or nodes[0].tag != f"{{{namespace}}}{name}":
        raise _refuse(f"{len(nodes)} elements with the ID, expected one {node_name}")
    signatures = nodes[0].findall(f"{{{NS_DS}}}Signature")
    if len(signatures) != 1:
        raise _refuse(f"{len(signatures)} signatures in the element")
    signature = signatures[0]
    method = signature.find(f"{{{NS_DS}}}SignedInfo/{{{NS_DS}}}SignatureMethod")
    if method is None or method.get("Algorithm") not in PSS_ALGORITHMS:
        raise _refuse("not an RSASSA-PSS signature")
    references = signature.findall(f"{{{NS_DS}}}SignedInfo/{{{NS_DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != f"#{node_id}":
        raise _refuse("the signature does not refer to the element itself")
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    try:
        context.key = xmlsec.Key.from_file(cert_file, xmlsec.constants.KeyDataFormatCertPem)
    except xmlsec.Error as exc:
        raise _refuse(f"the certificate cannot be read ({exc})") from None
    # What SAML allows in a Reference (pysaml2 checked the list already), and digests of SHA-256 or stronger.
    for transform in (
        xmlsec.constants.TransformEnveloped,
        xmlsec.constants.TransformExclC14N,
        xmlsec.constants.TransformExclC14NWithComments,
        xmlsec.constants.TransformSha256,
        xmlsec.constants.TransformSha384,
        xmlsec.constants.TransformSha512,
    ):
        context.enable_reference_transform(transform)
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        raise _refuse(f"the signature does not verify ({exc})") from None
    return True


class AlgorithmCheckingXmlSec1(CryptoBackendXmlSec1):  # type: ignore[misc]
    """xmlsec1 for the algorithms it knows; RSASSA-PSS in the process (:func:`verify_pss`); any other algorithm
    (RSA-SHA1, an unknown one, PSS where python-xmlsec does not load) refused by name instead of a bare "failed"."""

    def validate_signature(self, signedtext: Any, cert_file: Any, cert_type: Any, node_name: Any, node_id: Any) -> Any:
        algorithm = signature_algorithm(signedtext, str(node_id or ""))
        if algorithm in PSS_ALGORITHMS and cert_type == "pem" and pss_verifier() is not None:
            return verify_pss(signedtext, str(cert_file), str(node_name), str(node_id or ""))
        if algorithm and algorithm not in SIGNATURE_ALGORITHMS:
            raise UnsupportedSignatureAlgorithm(algorithm)
        return super().validate_signature(signedtext, cert_file, cert_type, node_name, node_id)
