"""Demo-Servicekonto: a tiny OpenID Connect provider for the embedded demo and the tests.

NOT FOR PRODUCTION. It stands in for Servicekonto.NRW / BundID so that ``make demo`` and the end-to-end
tests can walk the real Authorization Code flow (PKCE, signed ID token, ``acr``, address claims) without
an outside system. It has fixed demo people with a published password, runs as its own process with its
own settings and SQLite database (``python -m rathaus.demo_idp serve …``), and binds to 127.0.0.1 only.
"""
