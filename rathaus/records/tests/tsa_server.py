"""A local RFC 3161 timestamp authority for the tests: a real HTTP process on loopback.

``python tsa_server.py CERT_PATH`` makes a fresh RSA key and a self-signed TSA certificate (extended key
usage timeStamping, critical), writes the certificate (PEM) to CERT_PATH, listens on 127.0.0.1 on a free port,
prints the port on one line, and answers every POST of an ``application/timestamp-query`` with a token signed
by pyHanko's test timestamper (TSTInfo in CMS SignedData, signing-certificate-v2). Test use only.
"""

from __future__ import annotations

import datetime as dt
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper


def make_authority(cert_path: str) -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rathaus Test-TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


def main() -> None:
    authority = make_authority(sys.argv[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server calls it so
            length = min(int(self.headers.get("Content-Length", "0")), 65536)
            try:
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                body = authority.request_tsa_response(request).dump()
            except Exception:  # any broken request gets a 400, the server keeps running
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
