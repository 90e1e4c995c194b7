"""Virus scanning against a real clamd (fixture ``clamav``), and clamd misbehaving (small fake servers)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rathaus.attachments import scanner, testing
from rathaus.attachments.checks import UploadRejected, check_upload
from rathaus.attachments.tests import samples


def test_eicar_is_rejected_with_a_german_message_naming_the_signature(clamav):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("Antrag.pdf", testing.eicar()))

    assert exc.value.code == "infected"
    assert "Schadsoftware" in exc.value.message
    assert testing.EICAR_SIGNATURE in exc.value.message


def test_eicar_hidden_inside_a_valid_pdf_is_rejected(clamav):
    carrier = samples.pdf() + b"%" + testing.eicar() + b"\n%%EOF\n"

    with pytest.raises(UploadRejected) as exc:
        check_upload(("Antrag.pdf", carrier))

    assert exc.value.code == "infected"
    assert testing.EICAR_SIGNATURE in exc.value.message


def test_eicar_in_image_metadata_is_rejected_not_silently_cleaned(clamav):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", testing.eicar().decode())

    with pytest.raises(UploadRejected) as exc:
        check_upload(("foto.png", samples.png(pnginfo=info)))

    assert exc.value.code == "infected"


@pytest.mark.parametrize(
    ("name", "data"),
    [("a.pdf", samples.pdf()), ("a.png", samples.png()), ("a.jpg", samples.jpeg())],
    ids=["pdf", "png", "jpeg"],
)
def test_clean_files_pass_the_real_scanner(clamav, name, data):
    assert check_upload((name, data)).name == name


def test_scan_of_clean_bytes_returns_none(clamav):
    assert scanner.scan(b"Sehr geehrte Damen und Herren") is None


def test_stream_larger_than_clamds_limit_is_not_accepted(clamav):
    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"\0" * (testing.STREAM_MAX_BYTES + 1))

    assert exc.value.code == "scan_failed"


def test_missing_clamd_socket_means_scan_failed(settings):
    settings.RATHAUS_CLAMD_SOCKET = "/nonexistent/clamd.ctl"
    settings.RATHAUS_CLAMD_TCP = ""

    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.pdf", samples.pdf()))

    assert exc.value.code == "scan_failed"
    assert "nicht auf Viren geprüft" in exc.value.message


# --- clamd misbehaving ------------------------------------------------------------------------------------


Handler = Callable[[socket.socket], None]


@pytest.fixture
def fake_clamd(settings, tmp_path: Path) -> Iterator[Callable[[Handler], list[bytes]]]:
    """Start a one-connection-at-a-time UNIX socket server running ``handler``; returns what it received."""
    threads: list[threading.Thread] = []
    servers: list[socket.socket] = []

    def start(handler: Handler) -> list[bytes]:
        path = tmp_path / "fake.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(1)
        servers.append(server)
        received: list[bytes] = []

        def run() -> None:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                handler(conn)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
        settings.RATHAUS_CLAMD_SOCKET = str(path)
        settings.RATHAUS_CLAMD_TCP = ""
        settings.RATHAUS_CLAMD_TIMEOUT = 0.5
        return received

    yield start
    for server in servers:
        server.close()
    for thread in threads:
        thread.join(timeout=5)


def _read_instream(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\0\0\0\0"):
        part = conn.recv(65536)
        if not part:
            break
        data += part
    return data


def test_clamd_closing_the_connection_without_answer_means_scan_failed(fake_clamd):
    fake_clamd(lambda conn: conn.close())

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"x" * 100_000)

    assert exc.value.code == "scan_failed"


def test_clamd_not_answering_in_time_means_scan_failed(fake_clamd):
    stop = threading.Event()
    fake_clamd(lambda conn: (_read_instream(conn), stop.wait(5)))

    try:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
    finally:
        stop.set()

    assert exc.value.code == "scan_failed"


def test_clamd_error_reply_means_scan_failed(fake_clamd):
    fake_clamd(lambda conn: (_read_instream(conn), conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")))

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


def test_instream_framing_is_what_clamd_expects(fake_clamd):
    received: list[bytes] = []
    fake_clamd(lambda conn: (received.append(_read_instream(conn)), conn.sendall(b"stream: OK\0")))
    data = bytes(range(256)) * 600  # more than one 64 KiB chunk

    scanner.scan(data)

    raw = received[0]
    assert raw.startswith(b"zINSTREAM\0")
    body, chunks = raw[len(b"zINSTREAM\0") :], []
    while True:
        length = int.from_bytes(body[:4], "big")
        body = body[4:]
        if length == 0:
            break
        chunks.append(body[:length])
        body = body[length:]
    assert b"".join(chunks) == data
    assert len(chunks) == 3
    assert body == b""


def test_tcp_setting_is_used_when_set(settings):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            _read_instream(conn)
            conn.sendall(b"stream: Some.Signature-1 FOUND\0")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    settings.RATHAUS_CLAMD_TCP = f"127.0.0.1:{port}"
    settings.RATHAUS_CLAMD_SOCKET = "/nonexistent/clamd.ctl"
    try:
        with pytest.raises(UploadRejected) as exc:
            scanner.scan(b"data")
    finally:
        thread.join(timeout=5)
        server.close()

    assert exc.value.code == "infected"
    assert "Some.Signature-1" in exc.value.message


def test_malformed_tcp_setting_means_scan_failed(settings):
    settings.RATHAUS_CLAMD_TCP = "nur-ein-host"

    with pytest.raises(UploadRejected) as exc:
        scanner.scan(b"data")

    assert exc.value.code == "scan_failed"


# --- the test double and the clamd launcher ---------------------------------------------------------------


def test_fake_scanner_records_and_can_flag(fake_scanner):
    fake_scanner.flag(samples.png(), "Test.Flagged")

    check_upload(("a.pdf", samples.pdf()))
    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.png", samples.png()))

    assert len(fake_scanner.calls) == 2
    assert exc.value.code == "infected"
    assert "Test.Flagged" in exc.value.message


def test_launcher_reports_missing_clamd_clearly(monkeypatch, tmp_path):
    monkeypatch.setattr(testing, "find_clamd", lambda: None)

    with pytest.raises(testing.ClamdNotAvailable, match="clamav-daemon"), testing.running_clamd(tmp_path):
        pass
