"""Parsed private keys for pysaml2, cached per file and modification time.

pysaml2 parses the PEM key again for every configuration it loads (twice per SP configuration), and
``cryptography`` checks an RSA key thoroughly on every parse: 0.4–0.8 s for a 3072-bit key on a busy machine,
several times per login. The cache keys on path and mtime, so a replaced key file (rollover) is read afresh.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import saml2.sigver

_original = saml2.sigver.import_rsa_key_from_file


@functools.lru_cache(maxsize=32)
def _parsed(filename: str, mtime_ns: int, size: int) -> Any:
    return _original(filename)


def import_rsa_key_from_file(filename: str) -> Any:
    stat = os.stat(filename)
    return _parsed(filename, stat.st_mtime_ns, stat.st_size)


def install() -> None:
    """Let pysaml2 use the cache (idempotent)."""
    saml2.sigver.import_rsa_key_from_file = import_rsa_key_from_file
