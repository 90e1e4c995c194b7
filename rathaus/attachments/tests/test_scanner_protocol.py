"""The clamd client byte by byte, against a fake clamd on a UNIX socket.

The real clamd (fixture ``clamav``) proves that the client works with clamd; these tests pin the details a
real clamd does not vary: the exact INSTREAM framing, replies that arrive in pieces, a connection clamd keeps
open, a reply that never ends, the timeout setting and the defaults when the settings are absent.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rathaus.attachments import scanner
from rathaus.attachments.errors import UploadRejected

Handler = Callable[["Peer"], None]


class Peer:
    """The fake clamd's side of one connection; keeps every byte the client sent in ``raw``."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.raw = b""
        self._pos = 0

    def _fill(self) -> None:
        part = self.conn.recv(65536)
        if not part:
            raise EOFError("client closed the connection")
        self.raw += part

    def _take(self, n: int) -> bytes:
        while len(self.raw) - self._pos < n:
            self._fill()
        data = self.raw[self._pos : self._pos + n]
        self._pos += n
        return data

    def read_instream(self) -> list[bytes]:
        """Read ``zINSTREAM\\0`` and the length-prefixed chunks up to the zero length; return the chunks."""
        command = self._take(len(b"zINSTREAM\0"))
        assert command == b"zINSTREAM\0", command
        chunks = []
        while (length := struct.unpack(">I", self._take(4))[0]) != 0:
            chunks.append(self._take(length))
        return chunks

    def read_until_closed(self) -> None:
        with contextlib.suppress(EOFError):
            while True:
                self._fill()

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # A short path: a UNIX socket path may not exceed 107 bytes, pytest's tmp_path can.
    with tempfile.TemporaryDirectory(prefix="clamd-") as directory:
        yield Path(directory)


@pytest.fixture
def serve(socket_dir: Path) -> Iterator[Callable[[Handler], Path]]:
    """Start a fake clamd that runs ``handler`` on one connection; returns the socket path."""
    servers: list[socket.socket] = []
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []

    def start(handler: Handler) -> Path:
        path = socket_dir / f"clamd{len(servers)}.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(1)
        servers.append(server)

        def run() -> None:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(15)
                try:
                    handler(Peer(conn))
                except (OSError, EOFError):
                    pass  # the client hung up: its side of the story is what the test checks
                except BaseException as exc:  # an assertion about the bytes the client sent
                    errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
        return path

    yield start
    for server, thread in zip(servers, threads, strict=True):
        if thread.is_alive():  # the client never connected: wake the accept() up so the thread ends
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as wake:
                wake.connect(server.getsockname())
        server.close()
    for thread in threads:
        thread.join(timeout=20)
    if errors:
        raise errors[0]


@pytest.fixture
def clamd(settings, serve) -> Callable[..., Path]:
    """A fake clamd that the scanner is configured to use (UNIX socket, TCP off)."""

    def start(handler: Handler, *, timeout: float = 5.0) -> Path:
        path = serve(handler)
        settings.RATHAUS_CLAMD_SOCKET = str(path)
        settings.RATHAUS_CLAMD_TCP = ""
        settings.RATHAUS_CLAMD_TIMEOUT = timeout
        return path

    return start


def _reply(reply: bytes) -> Handler:
    def handler(peer: Peer) -> None:
        peer.read_instream()
        peer.send(reply)

    return handler


# --- what the client sends -----------------------------------------------------------------------------------


def test_instream_bytes_are_exactly_command_length_prefixed_chunks_and_zero_terminator(clamd):
    data = bytes(range(256)) * 513  # 131328 bytes: two full 64 KiB chunks and a short one
    peers: list[Peer] = []
    done = threading.Event()

    def handler(peer: Peer) -> None:
        peers.append(peer)
        peer.read_instream()
        peer.send(b"stream: OK\0")
        peer.read_until_closed()
        done.set()

    clamd(handler)

    assert scanner.scan(data) is None

    expected = (
        b"zINSTREAM\0"
        + b"\x00\x01\x00\x00"
        + data[:65536]
        + b"\x00\x01\x00\x00"
        + data[65536:131072]
        + b"\x00\x00\x01\x00"
        + data[131072:]
        + b"\x00\x00\x00\x00"
    )
    assert done.wait(10)  # the client closed the connection: everything it sent is in raw
    assert peers[0].raw == expected


def test_empty_data_is_the_command_and_the_terminator_only(clamd):
    peers: list[Peer] = []
    done = threading.Event()

    def handler(peer: Peer) -> None:
        peers.append(peer)
        assert peer.read_instream() == []
        peer.send(b"stream: OK\0")
        peer.read_until_closed()
        done.set()

    clamd(handler)

    assert scanner.scan(b"") is None
    assert done.wait(10)
    assert peers[0].raw == b"zINSTREAM\0\0\0\0\0"


# --- what clamd answers ----------------------------------------------------------------------------------------


def test_found_reply_rejects_with_exactly_the_signature(clamd):
    clamd(_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0"))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "infected"
    assert exc.value.message == scanner.infected("Win.Test.EICAR_HDB-1").message
    assert "„Win.Test.EICAR_HDB-1“" in exc.value.message


def test_signature_in_the_message_is_printable_and_at_most_200_characters(clamd):
    clamd(_reply(b"stream: Evil\x1b[2J" + b"S" * 300 + b" FOUND\0"))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    signature = ("Evil[2J" + "S" * 300)[:200]
    assert exc.value.code == "infected"
    assert exc.value.message == scanner.infected(signature).message


def test_lower_case_found_is_not_a_clean_result(clamd):
    clamd(_reply(b"stream: Something found\0"))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


def test_reply_split_over_several_packets_is_put_together(clamd):
    def handler(peer: Peer) -> None:
        peer.read_instream()
        for piece in (b"stream", b": O", b"K", b"\0"):
            peer.send(piece)
            time.sleep(0.1)

    clamd(handler)

    assert scanner.scan(b"data") is None


def test_found_reply_split_over_several_packets_names_the_whole_signature(clamd):
    def handler(peer: Peer) -> None:
        peer.read_instream()
        for piece in (b"stream: Win.Te", b"st.Split-1 FO", b"UND\0"):
            peer.send(piece)
            time.sleep(0.1)

    clamd(handler)

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.message == scanner.infected("Win.Test.Split-1").message


def test_complete_reply_is_used_even_if_clamd_keeps_the_connection_open(clamd):
    def handler(peer: Peer) -> None:
        peer.read_instream()
        peer.send(b"stream: OK\0")
        peer.read_until_closed()  # closes only when the client does

    clamd(handler, timeout=5.0)
    started = time.monotonic()

    assert scanner.scan(b"data") is None
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    "reply", [b"", b"stream: OK", b"stream: Win.Test-1 FOUND"], ids=["nothing", "ok-without-nul", "found-without-nul"]
)
def test_connection_closed_before_the_terminating_nul_means_scan_failed(clamd, reply):
    clamd(_reply(reply))  # the handler returns: the fake clamd closes the connection

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


@pytest.mark.parametrize("reply", [b"\xff\xfe garbage\0", b"stream: OK \0extra", b"PONG\0"])
def test_garbage_reply_means_scan_failed(clamd, reply):
    clamd(_reply(reply))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


def test_reply_longer_than_4_kib_is_not_read_further(clamd):
    head = b"stream: " + b"X" * (4096 - len(b"stream: "))

    def handler(peer: Peer) -> None:
        peer.read_instream()
        peer.send(head)  # 4 KiB without the terminating NUL: the client stops reading here
        time.sleep(1.0)
        peer.send(b" FOUND\0")

    clamd(handler, timeout=5.0)

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


# --- timeout and settings ------------------------------------------------------------------------------------


def test_clamd_that_does_not_answer_fails_after_the_configured_timeout(clamd):
    release = threading.Event()

    def handler(peer: Peer) -> None:
        peer.read_instream()
        release.wait(10)

    clamd(handler, timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
        elapsed = time.monotonic() - started
    finally:
        release.set()

    assert exc.value.code == "scan_failed"
    assert elapsed < 5.0  # 0.3 s configured; the fake clamd would hold the connection for 10 s


@pytest.mark.parametrize(
    ("reply", "code"), [(b"stream: OK\0", None), (b"UNKNOWN COMMAND\0", "scan_failed")], ids=["ok", "error"]
)
def test_without_clamd_settings_the_default_socket_and_timeout_are_used(settings, serve, monkeypatch, reply, code):
    path = serve(_reply(reply))
    monkeypatch.setattr(scanner, "DEFAULT_SOCKET", str(path))
    del settings.RATHAUS_CLAMD_SOCKET
    del settings.RATHAUS_CLAMD_TCP
    del settings.RATHAUS_CLAMD_TIMEOUT

    if code is None:
        assert scanner.scan(b"data") is None
    else:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
        assert exc.value.code == code


def test_invalid_utf8_in_a_signature_is_replaced_not_a_scan_failure(clamd):
    clamd(_reply(b"stream: Win.Test.\xff\xfeBytes-1 FOUND\0"))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "infected"
    assert exc.value.message == scanner.infected("Win.Test.\ufffd\ufffdBytes-1").message


@pytest.mark.parametrize("reply", [b"stream: OKX\0", b"stream: OK\0\0X\0", b"stream: OK X\0"])
def test_only_nul_bytes_are_stripped_from_the_end_of_a_reply(clamd, reply):
    clamd(_reply(reply))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


# --- the TCP setting ------------------------------------------------------------------------------------------


@pytest.fixture
def connections(monkeypatch) -> list[tuple[object, object]]:
    """Record what the client asks ``socket.create_connection`` for; the connection then fails."""
    calls: list[tuple[object, object]] = []

    def create_connection(address, timeout=None, *args, **kwargs):
        calls.append((address, timeout))
        raise ConnectionRefusedError("recorded, not connected")

    monkeypatch.setattr(scanner.socket, "create_connection", create_connection)
    return calls


@pytest.mark.parametrize(
    ("setting", "address"),
    [
        ("clamd.example:3310", ("clamd.example", 3310)),
        ("XCLAMDX:3310", ("XCLAMDX", 3310)),
        ("[::1]:3310", ("::1", 3310)),
        ("[fd00::5]:1", ("fd00::5", 1)),
    ],
)
def test_tcp_setting_is_split_at_the_last_colon_with_brackets_removed(settings, connections, setting, address):
    settings.RATHAUS_CLAMD_TCP = setting
    settings.RATHAUS_CLAMD_TIMEOUT = 7

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"
    assert connections == [(address, 7.0)]


@pytest.mark.parametrize("setting", [":3310", "3310", "clamd.example:", "clamd.example:port", "clamd.example"])
def test_malformed_tcp_setting_is_refused_without_connecting(settings, connections, setting):
    settings.RATHAUS_CLAMD_TCP = setting

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"
    assert connections == []


def test_tcp_connection_is_used_with_the_configured_timeout(settings):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    release = threading.Event()

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(15)
            with contextlib.suppress(OSError, EOFError):
                Peer(conn).read_instream()
                release.wait(10)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    settings.RATHAUS_CLAMD_TCP = f"127.0.0.1:{port}"
    settings.RATHAUS_CLAMD_SOCKET = "/nonexistent/clamd.ctl"
    settings.RATHAUS_CLAMD_TIMEOUT = 0.3
    started = time.monotonic()
    try:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join(timeout=20)
        server.close()

    assert exc.value.code == "scan_failed"
    assert elapsed < 5.0
