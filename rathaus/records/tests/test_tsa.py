"""``rathaus audit anchor`` with RATHAUS_TSA_URL against a real RFC 3161 timestamp authority process."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.management import call_command
from django.utils import timezone

from rathaus.records import journal
from rathaus.records.journal import Actor
from rathaus.records.models import JournalAnchor

SERVER = Path(__file__).with_name("tsa_server.py")


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[tuple[str, x509.Certificate]]:
    cert_path = tmp_path / "tsa.pem"
    process = subprocess.Popen([sys.executable, str(SERVER), str(cert_path)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}/", x509.load_pem_x509_certificate(cert_path.read_bytes())
    finally:
        process.terminate()
        process.wait(timeout=10)


def verify_token(token: bytes, certificate: x509.Certificate, anchor_hash: str) -> None:
    """The token's TSTInfo covers ``anchor_hash`` and its signature verifies against the TSA certificate."""
    signed = cms.ContentInfo.load(token)["content"]
    content = signed["encap_content_info"]["content"]
    assert content.parsed["message_imprint"]["hashed_message"].native == bytes.fromhex(anchor_hash)
    signer = signed["signer_infos"][0]
    attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    assert attributes["message_digest"].native == hashlib.sha256(content.contents).digest()
    signed_bytes = signer["signed_attrs"].untag().dump()  # signature is over the attributes as a SET
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signer["signature"].native, signed_bytes, padding.PKCS1v15(), hashes.SHA256())


def test_the_daily_anchor_is_timestamped_by_the_authority(tenant: Any, settings: Any, tsa: Any) -> None:
    url, certificate = tsa
    settings.RATHAUS_TSA_URL = url
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10)))
    for n in range(3):
        journal.record(
            tenant_id=tenant.pk,
            actor=Actor.system(),
            action="file.opened",
            object_type="file",
            object_id=f"F-{n}",
            at=at,
        )
    call_command("audit", "anchor", "--day", yesterday.isoformat())
    anchor = JournalAnchor.objects.get(tenant=tenant, day=yesterday)
    assert anchor.timestamp_token
    verify_token(bytes(anchor.timestamp_token), certificate, anchor.hash)
    with pytest.raises(AssertionError):
        verify_token(bytes(anchor.timestamp_token), certificate, hashlib.sha256(b"other").hexdigest())
