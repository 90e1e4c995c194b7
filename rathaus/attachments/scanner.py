"""A small clamd client: the INSTREAM command over clamd's UNIX socket (or TCP).

Written here because the ``clamd`` package on PyPI is unmaintained; the protocol is a few lines
(clamd(8), "INSTREAM"): send ``zINSTREAM\\0``, then chunks each prefixed by its length as a 4-byte
big-endian integer, then a zero length; clamd answers ``stream: OK`` or ``stream: <signature> FOUND``,
terminated by ``\\0``. Anything else, and any socket error or timeout, means the file was not scanned,
and a file that was not scanned is not accepted.

Settings: ``RATHAUS_CLAMD_SOCKET`` (path of clamd's ``LocalSocket``), ``RATHAUS_CLAMD_TCP``
(``"host:port"``; when set it wins over the socket), ``RATHAUS_CLAMD_TIMEOUT`` (seconds for the whole scan:
connecting, sending, clamd's work and its reply together).
"""

from __future__ import annotations

import socket
import struct
import time

import structlog
from django.conf import settings
from django.utils.translation import gettext

from rathaus.attachments.errors import UploadRejected

log = structlog.get_logger("rathaus.attachments.scanner")

#: clamd.conf limits for Rathaus (docs/operators/virus-scanning.md; the suite's clamd and `make demo` use them).
#: A scan ends after 15 s at the latest; what exceeds a limit is reported (AlertExceedsMax) and refused rather
#: than passed unscanned; image fuzzy hashing, which decodes every pixel an image header declares, is off.
CLAMD_LIMITS = {
    "MaxScanTime": "15000",
    "MaxScanSize": "50M",
    "MaxFileSize": "12M",
    "StreamMaxLength": "12M",
    "MaxRecursion": "10",
    "MaxFiles": "1000",
    "AlertExceedsMax": "yes",
    "ScanImageFuzzyHash": "no",
}
#: Signatures clamd reports for a file it could not scan completely within CLAMD_LIMITS (AlertExceedsMax).
LIMITS_EXCEEDED = "Heuristics.Limits.Exceeded"

DEFAULT_SOCKET = "/var/run/clamav/clamd.ctl"
DEFAULT_TIMEOUT = 30.0
_CHUNK = 64 * 1024
_MAX_REPLY = 4096


def scan(data: bytes) -> None:
    """Return if clamd found nothing in ``data``; raise :class:`UploadRejected` otherwise.

    ``code="infected"`` names the signature clamd reported; ``code="scan_failed"`` when clamd cannot be
    reached, answers with an error (e.g. ``StreamMaxLength`` exceeded) or does not answer in time.
    """
    try:
        reply = _instream(data)
    except (OSError, ValueError) as exc:  # socket.timeout is an OSError; ValueError: bad TCP setting
        log.error("clamd_unavailable", error=repr(exc), target=_target_for_log())
        raise UploadRejected("scan_failed") from exc
    if reply.endswith(" FOUND"):
        signature = _printable(reply.removeprefix("stream:").removesuffix(" FOUND").strip())
        if signature.startswith(LIMITS_EXCEEDED):
            log.warning("upload_exceeds_scan_limits", signature=signature, size=len(data))
            raise UploadRejected(
                "scan_failed",
                gettext(
                    "Die Datei ist zu umfangreich, um sie vollständig auf Viren zu prüfen, und wurde deshalb nicht "
                    "angenommen. Bitte laden Sie eine einfachere Datei hoch (zum Beispiel ein PDF statt eines Archivs)."
                ),
            )
        log.warning("upload_infected", signature=signature, size=len(data))
        raise infected(signature)
    if reply != "stream: OK":
        log.error("clamd_error", reply=_printable(reply), target=_target_for_log())
        raise UploadRejected("scan_failed")


def infected(signature: str) -> UploadRejected:
    """The rejection for a file in which clamd found ``signature`` (also used by the test double)."""
    return UploadRejected(
        "infected",
        gettext(
            "In der Datei wurde Schadsoftware gefunden (erkannt als „%(signature)s“). "
            "Sie wurde nicht angenommen. Bitte prüfen Sie Ihr Gerät mit einem aktuellen Virenschutzprogramm."
        )
        % {"signature": signature},
    )


def _instream(data: bytes) -> str:
    # The timeout bounds the whole scan (connect, send, clamd's work, reply), not each socket operation: a clamd
    # that trickles its answer byte by byte, or works on one file for minutes, still ends the upload in time.
    timeout = float(getattr(settings, "RATHAUS_CLAMD_TIMEOUT", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout
    with _connect(timeout) as sock:
        try:
            _before(sock, deadline)
            sock.sendall(b"zINSTREAM\0")
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                chunk = view[start : start + _CHUNK]
                _before(sock, deadline)
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            _before(sock, deadline)
            sock.sendall(struct.pack(">I", 0))
        except OSError as exc:
            # clamd hangs up early on e.g. "INSTREAM size limit exceeded. ERROR"; keep its reason for the log.
            raise OSError(f"{exc!r}; clamd said {_read_reply(sock, lenient=True, deadline=deadline)!r}") from exc
        reply = _read_reply(sock, deadline=deadline)
    if not reply.endswith(b"\0"):
        raise OSError(f"clamd closed the connection without a complete reply: {reply[:200]!r}")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def _before(sock: socket.socket, deadline: float) -> None:
    """Let the next socket operation wait only as long as is left of the whole scan."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("clamd did not finish the scan within RATHAUS_CLAMD_TIMEOUT")
    sock.settimeout(left)


def _read_reply(sock: socket.socket, *, lenient: bool = False, deadline: float | None = None) -> bytes:
    reply = b""
    try:
        while not reply.endswith(b"\0") and len(reply) < _MAX_REPLY:
            if deadline is not None:
                _before(sock, deadline)
            part = sock.recv(_MAX_REPLY)
            if not part:
                break
            reply += part
    except OSError:
        if not lenient:
            raise
    return reply


def _connect(timeout: float) -> socket.socket:
    tcp = getattr(settings, "RATHAUS_CLAMD_TCP", "") or ""
    if tcp:
        host, sep, port = tcp.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"RATHAUS_CLAMD_TCP must be 'host:port', not {tcp!r}")
        return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(getattr(settings, "RATHAUS_CLAMD_SOCKET", DEFAULT_SOCKET) or DEFAULT_SOCKET)
    except BaseException:
        sock.close()
        raise
    return sock


def _target_for_log() -> str:
    return getattr(settings, "RATHAUS_CLAMD_TCP", "") or getattr(settings, "RATHAUS_CLAMD_SOCKET", DEFAULT_SOCKET)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:200]
