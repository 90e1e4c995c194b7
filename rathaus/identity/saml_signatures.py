"""Which signature algorithms a SAML response or assertion may be signed with, checked before xmlsec1 runs.

BundID announced RSA-SHA256 or RSASSA-PSS signatures. The service provider verifies with pysaml2, which calls the
``xmlsec1`` program. xmlsec1 1.2.37 (Debian 12, ``xmlsec1 --list-transforms``) has no RSASSA-PSS transform
(``http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1``, RFC 6931); it came with xmlsec 1.3. Such a
signature would fail as a bare "Failed to verify signature". This module names it instead: the login is
refused with ``reason=signature_algorithm_unsupported`` and the algorithm in the log (docs/operators/saml.md).
RSA-SHA1 is refused as too weak. Once the installed xmlsec1 verifies PSS, add the URI to
:data:`SIGNATURE_ALGORITHMS` (the end-to-end test with the demo IdP's ``pss`` option then shows it working).
"""

from __future__ import annotations

from typing import Any

from defusedxml import ElementTree as SafeET
from saml2.sigver import CryptoBackendXmlSec1
from saml2.xmldsig import (
    SIG_ECDSA_SHA256,
    SIG_ECDSA_SHA384,
    SIG_ECDSA_SHA512,
    SIG_RSA_SHA256,
    SIG_RSA_SHA384,
    SIG_RSA_SHA512,
)

NS_DS = "http://www.w3.org/2000/09/xmldsig#"
# Signatures on responses and assertions that are verified. Not RSASSA-PSS
# (http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1): xmlsec1 1.2.37 (Debian 12) has no such transform,
# it came with xmlsec 1.3 (docs/operators/saml.md). Not RSA-SHA1: too weak.
SIGNATURE_ALGORITHMS = frozenset(
    {SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512, SIG_ECDSA_SHA256, SIG_ECDSA_SHA384, SIG_ECDSA_SHA512}
)


class UnsupportedSignatureAlgorithm(Exception):
    """The IdP signed with an algorithm this installation does not verify (``args[0]``: its URI)."""


def signature_algorithm(document: str | bytes, node_id: str) -> str:
    """The SignatureMethod of the signature inside the element whose ID is ``node_id`` ("" if there is none)."""
    try:
        root = SafeET.fromstring(document)
    except Exception:  # not ours to judge: xmlsec1 refuses it
        return ""
    for element in root.iter():
        if element.get("ID") == node_id:
            method = element.find(f"{{{NS_DS}}}Signature/{{{NS_DS}}}SignedInfo/{{{NS_DS}}}SignatureMethod")
            return str(method.get("Algorithm", "")) if method is not None else ""
    return ""


class AlgorithmCheckingXmlSec1(CryptoBackendXmlSec1):  # type: ignore[misc]
    """xmlsec1, told beforehand which signature algorithms count: an unknown one (RSASSA-PSS, which xmlsec1 1.2
    on Debian 12 cannot verify) or a weak one (RSA-SHA1) is refused by name instead of a bare "failed"."""

    def validate_signature(self, signedtext: Any, cert_file: Any, cert_type: Any, node_name: Any, node_id: Any) -> Any:
        algorithm = signature_algorithm(signedtext, str(node_id or ""))
        if algorithm and algorithm not in SIGNATURE_ALGORITHMS:
            raise UnsupportedSignatureAlgorithm(algorithm)
        return super().validate_signature(signedtext, cert_file, cert_type, node_name, node_id)
