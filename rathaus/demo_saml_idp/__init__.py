"""Demo-BundID and Demo-Unternehmenskonto: a small SAML 2.0 identity provider for the demo and the tests.

NOT FOR PRODUCTION. Built on pysaml2's ``Server``, it behaves like BundID where Rathaus depends on it: HTTP-POST
binding, signed AuthnRequests required, assertions signed (RSA-SHA256) and encrypted to the SP's certificate
from its metadata, transient NameID, STORK-QAA levels as AuthnContextClassRef and trust-level attribute, every
attribute with its own ``akdb:TrustLevel``, only the attributes named in the AKDB request extension released.
"""
