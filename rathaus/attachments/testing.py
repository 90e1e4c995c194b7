"""Test helpers: a real clamd with the repository's tiny signature database, and a fake scanner.

Used by the ``clamd_socket``, ``clamav`` and ``fake_scanner`` fixtures in the root ``conftest.py``.
Nothing here is imported by production code.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rathaus.attachments import scanner

#: Signatures the test clamd loads: ``eicar.hdb`` (the EICAR file's MD5) and ``eicar.ndb`` (its body).
SIGNATURE_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "clamav"
#: The name clamd reports for the EICAR text, whole file or embedded (``.UNOFFICIAL``: a local signature).
EICAR_SIGNATURE = "Rathaus.Test.EICAR.UNOFFICIAL"
#: The largest stream the test clamd accepts (``StreamMaxLength``); larger ones make clamd answer ERROR.
STREAM_MAX_BYTES = int(scanner.CLAMD_LIMITS["StreamMaxLength"].removesuffix("M")) * 1024 * 1024


def eicar() -> bytes:
    """The 68-byte EICAR anti-virus test file, assembled here so this source file itself is not flagged."""
    return b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"


class ClamdNotAvailable(RuntimeError):
    pass


@contextmanager
def running_clamd(workdir: Path, *, startup_timeout: float = 60.0) -> Iterator[Path]:
    """Run ``clamd`` in the foreground on a UNIX socket in ``workdir``; yield the socket path.

    Raises :class:`ClamdNotAvailable` if clamd is not installed, exits or does not answer PING in time.
    """
    binary = find_clamd()
    if binary is None:
        raise ClamdNotAvailable("clamd is not installed: apt-get install clamav-daemon (make system-deps does it)")
    sock = workdir / "clamd.sock"
    log = workdir / "clamd.log"
    config = workdir / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {sock}",
                f"DatabaseDirectory {SIGNATURE_DIR}",
                f"TemporaryDirectory {workdir}",
                f"LogFile {log}",
                "Foreground yes",
                "LogTime no",
                *(f"{name} {value}" for name, value in scanner.CLAMD_LIMITS.items()),
                "SelfCheck 0",
                "",
            ]
        )
    )
    with (workdir / "clamd.out").open("wb") as out:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + startup_timeout
        while not _answers_ping(sock):
            if process.poll() is not None:
                raise ClamdNotAvailable(f"clamd exited with {process.returncode}: {_tail(workdir)}")
            if time.monotonic() > deadline:
                raise ClamdNotAvailable(f"clamd did not answer PING within {startup_timeout:.0f} s: {_tail(workdir)}")
            time.sleep(0.05)
        yield sock
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def find_clamd() -> str | None:
    """Path of the clamd binary (Debian puts it in /usr/sbin, which is not always on PATH), or None."""
    found = shutil.which("clamd")
    if found is None and Path("/usr/sbin/clamd").exists():
        found = "/usr/sbin/clamd"
    return found


def _answers_ping(sock_path: Path) -> bool:
    if not sock_path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(sock_path))
            sock.sendall(b"zPING\0")
            return sock.recv(16) == b"PONG\0"
    except OSError:
        return False


def _tail(workdir: Path) -> str:
    texts = [p.read_text(errors="replace") for p in (workdir / "clamd.log", workdir / "clamd.out") if p.exists()]
    return "\n".join(texts)[-2000:]


@dataclass
class FakeScanner:
    """Stands in for :func:`rathaus.attachments.scanner.scan`: records what it was given, finds nothing.

    ``flag(data)`` makes it report those exact bytes as infected, to test the rejection path fast.
    """

    calls: list[bytes] = field(default_factory=list)
    flagged: dict[bytes, str] = field(default_factory=dict)

    def flag(self, data: bytes, signature: str = "Rathaus.Test.Fake") -> None:
        self.flagged[data] = signature

    def __call__(self, data: bytes) -> None:
        self.calls.append(data)
        if data in self.flagged:
            raise scanner.infected(self.flagged[data])
