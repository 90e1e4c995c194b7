"""Decompression bombs are refused from their headers, before clamd sees them, and a scan has a total deadline.

A 389 KB PNG declaring 20000×20000 pixels cost clamd ~19 s (image fuzzy hashing) before our own pixel check ran;
two in parallel made the whole portal wait. Now the declared pixels (and a PDF's declared pages) are checked
first: such a file never reaches the scanner. And whatever clamd does, one scan ends within
RATHAUS_CLAMD_TIMEOUT in total, not per socket operation.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from rathaus.attachments import scanner
from rathaus.attachments.checks import check_upload
from rathaus.attachments.errors import UploadRejected

from . import samples
from .test_scanner_protocol import Peer, clamd, serve, socket_dir  # noqa: F401 - fixtures


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def crafted_png(width: int = 20000, height: int = 20000, *, rows: int = 64) -> bytes:
    """A valid-looking PNG whose header declares ``width``×``height`` RGB pixels; only ``rows`` rows of zeros
    are actually in it (compressed), the rest is missing — like the attack file, cheap to send, dear to decode."""
    raw = zlib.compressobj(9)
    line = b"\0" * (1 + 3 * width)
    idat = b"".join(raw.compress(line) for _ in range(rows)) + raw.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def crafted_jpeg(width: int, height: int) -> bytes:
    """A small JPEG whose start-of-frame header is rewritten to declare ``width``×``height``."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def pdf_declaring(pages: int) -> bytes:
    """A one-page PDF whose page tree root claims ``pages`` pages (same byte length, xref stays valid)."""
    data = samples.pdf(1)
    assert data.count(b"/Count 1") == 1
    claim = f"/Count {pages}".encode()
    return data.replace(b"/Count 1", claim[:8]) if len(claim) == 8 else data.replace(b"/Count 1\n", claim + b"\n")


def _refused_before_scan(fake_scanner: Any, upload: tuple[str, bytes]) -> UploadRejected:
    started = time.monotonic()
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload, allowed_types=("application/pdf", "image/png", "image/jpeg", "image/webp"))
    assert time.monotonic() - started < 2.0
    assert fake_scanner.calls == []  # clamd never saw it
    return exc.value


def test_png_declaring_20000_by_20000_pixels_is_refused_without_reaching_clamd(fake_scanner: Any) -> None:
    data = crafted_png()
    assert struct.unpack(">II", data[16:24]) == (20000, 20000)  # IHDR: what the header declares
    refusal = _refused_before_scan(fake_scanner, ("bombe.png", data))
    assert refusal.code == "too_large" and "Bildpunkte" in refusal.message


def test_png_just_above_the_limit_is_refused_and_just_below_is_scanned(fake_scanner: Any) -> None:
    # 50 MP is the limit; 7072² = 50.01 MP is above, 7070² = 49.98 MP below.
    assert _refused_before_scan(fake_scanner, ("a.png", crafted_png(7072, 7072, rows=2))).code == "too_large"
    below = crafted_png(7070, 7070, rows=2)
    with contextlib.suppress(UploadRejected):  # what decoding makes of the missing rows is formats.py's business
        check_upload(("b.png", below))
    assert fake_scanner.calls == [below]  # scanned, like every file that passes the header check


def test_webp_declaring_too_many_pixels_is_refused_before_the_scan(fake_scanner: Any) -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="WEBP", lossless=True)
    data = bytearray(out.getvalue())
    vp8l = data.index(b"VP8L")  # lossless bitstream: 14-bit width-1 and height-1 after the signature byte
    rest = int.from_bytes(data[vp8l + 9 : vp8l + 13], "little") & ~0xFFFFFFF  # alpha flag and version bits
    bits = 16383 | (16383 << 14) | rest
    data[vp8l + 9 : vp8l + 13] = bits.to_bytes(4, "little")
    with warnings.catch_warnings(), pytest.raises(Image.DecompressionBombError):
        warnings.simplefilter("ignore")
        Image.open(io.BytesIO(bytes(data)))  # Pillow reads 16384×16384 from it, far over our 50 MP
    assert _refused_before_scan(fake_scanner, ("bombe.webp", bytes(data))).code == "too_large"


def test_jpeg_counts_the_pixels_it_is_decoded_at(fake_scanner: Any) -> None:
    # JPEGs are decoded at 1/8 scale when big: 60000² declared is 7500² decoded (56 MP) — too many.
    assert _refused_before_scan(fake_scanner, ("riesig.jpg", crafted_jpeg(60000, 60000))).code == "too_large"
    # 12000² declared is decoded at 1/2 = 6000² (36 MP): allowed through to the scan.
    with contextlib.suppress(UploadRejected):
        check_upload(("gross.jpg", crafted_jpeg(12000, 12000)))
    assert len(fake_scanner.calls) == 1


def test_pdf_declaring_more_pages_than_allowed_is_refused_before_the_scan(fake_scanner: Any, settings: Any) -> None:
    refusal = _refused_before_scan(fake_scanner, ("viele.pdf", pdf_declaring(9999999)))
    assert refusal.code == "too_large" and "Seiten" in refusal.message and "500" in refusal.message
    settings.RATHAUS_MAX_PDF_PAGES = 2
    assert _refused_before_scan(fake_scanner, ("drei.pdf", samples.pdf(3))).code == "too_large"
    accepted = check_upload(("zwei.pdf", samples.pdf(2)))
    assert accepted.content_type == "application/pdf" and len(fake_scanner.calls) == 1


def test_unreadable_headers_are_still_scanned_and_then_judged(fake_scanner: Any) -> None:
    broken = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    with pytest.raises(UploadRejected) as exc:
        check_upload(("kaputt.png", broken))
    assert exc.value.code == "corrupt" and fake_scanner.calls == [broken]


@pytest.mark.usefixtures("clamav")
def test_with_the_real_clamd_the_bomb_is_refused_fast() -> None:
    started = time.monotonic()
    with pytest.raises(UploadRejected) as exc:
        check_upload(("bombe.png", crafted_png()))
    assert exc.value.code == "too_large"
    assert time.monotonic() - started < 2.0


def test_a_scan_ends_within_the_timeout_in_total_even_if_clamd_trickles(clamd: Any) -> None:  # noqa: F811
    stop = threading.Event()

    def handler(peer: Peer) -> None:
        peer.read_instream()
        for byte in b"stream: OK":  # one byte every 0.2 s: each read alone is well within the timeout
            if stop.wait(0.2):
                return
            peer.send(bytes([byte]))
        peer.send(b"\0")

    clamd(handler, timeout=0.7)
    started = time.monotonic()
    try:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
    assert exc.value.code == "scan_failed"
    assert elapsed < 1.6  # 0.7 s in total, where per-operation timeouts would have let it run 2.2 s


def _zip_of_zeros(megabytes: int) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("nullen.bin", b"\0" * (megabytes * 1024 * 1024))
    return out.getvalue()


def test_clamd_limit_replies_are_refused_as_not_completely_scanned(clamd: Any) -> None:  # noqa: F811
    def handler(peer: Peer) -> None:
        peer.read_instream()
        peer.send(b"stream: Heuristics.Limits.Exceeded.MaxScanTime FOUND\0")

    clamd(handler)
    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")
    assert exc.value.code == "scan_failed" and "vollständig" in exc.value.message
    assert "Schadsoftware" not in exc.value.message


def test_the_suite_clamd_runs_with_the_limits(clamd_socket: Any) -> None:
    log = (clamd_socket.parent / "clamd.log").read_text()
    assert "Global time limit set to 15000 milliseconds" in log
    assert f"Global size limit set to {50 * 1024 * 1024} bytes" in log
    assert f"File size limit set to {12 * 1024 * 1024} bytes" in log


def test_clamd_refuses_a_zip_bomb_over_its_scan_size_when_limits_are_tight(tmp_path: Any, settings: Any) -> None:
    """AlertExceedsMax at work in a real clamd: what exceeds a limit is reported, and we refuse it."""
    import tempfile

    from rathaus.attachments import testing

    limits = {**scanner.CLAMD_LIMITS, "MaxScanSize": "1M", "MaxFileSize": "1M"}
    with tempfile.TemporaryDirectory(prefix="clamd-") as short, pytest.MonkeyPatch.context() as patch:
        patch.setattr(scanner, "CLAMD_LIMITS", limits)
        with testing.running_clamd(Path(short)) as sock:
            settings.RATHAUS_CLAMD_SOCKET = str(sock)
            settings.RATHAUS_CLAMD_TCP = ""
            with pytest.raises(UploadRejected) as exc:
                scanner.scan(_zip_of_zeros(5))
    assert exc.value.code == "scan_failed" and "vollständig" in exc.value.message


def test_the_demo_clamd_uses_the_same_limits() -> None:
    script = (Path(__file__).resolve().parents[3] / "scripts" / "demo-clamd.sh").read_text()
    for name, value in scanner.CLAMD_LIMITS.items():
        assert f"\n{name} {value}\n" in script, name
