"""How check_upload reads what it is given: odd streams, short reads, missing names, a form's unknown types."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from django.core.files.uploadedfile import UploadedFile

from rathaus.attachments.checks import check_upload
from rathaus.attachments.tests import samples

PDF = samples.pdf()


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read, like a pipe or socket; optionally no seek."""

    def __init__(self, data: bytes, *, step: int = 7, seek_error: type[Exception] | None = None) -> None:
        self.data = data
        self.pos = 0
        self.step = step
        self.seek_error = seek_error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self.step, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.seek_error is not None:
            raise self.seek_error("this stream cannot seek")
        self.pos = offset
        return self.pos


def test_short_reads_are_joined_to_exactly_the_uploaded_bytes(fake_scanner):
    upload = UploadedFile(Trickle(PDF), name="Antrag.pdf", content_type="application/pdf", size=len(PDF))

    checked = check_upload(upload)

    assert checked.data == PDF
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()
    assert fake_scanner.calls == [PDF]


@pytest.mark.parametrize("error", [AttributeError, OSError, ValueError])
def test_a_stream_that_cannot_seek_is_read_from_where_it_stands(fake_scanner, error):
    upload = UploadedFile(Trickle(PDF, seek_error=error), name="Antrag.pdf", size=len(PDF))

    assert check_upload(upload).data == PDF


def test_an_upload_object_without_size_or_seek_is_read_up_to_the_limit(fake_scanner):
    class Pipe:  # duck-typed upload: a name and read(), nothing else
        name = "Antrag.pdf"

        def __init__(self) -> None:
            self.rest = PDF

        def read(self, n: int) -> bytes:
            part, self.rest = self.rest[:n], self.rest[n:]
            return part

    checked = check_upload(Pipe())  # type: ignore[arg-type]

    assert (checked.name, checked.data) == ("Antrag.pdf", PDF)


def test_an_upload_without_a_name_gets_the_fallback_name(fake_scanner):
    upload = UploadedFile(io.BytesIO(PDF), name=None, size=len(PDF))

    assert check_upload(upload).name == "Anhang.pdf"


def test_types_a_form_asks_for_but_we_cannot_recognise_are_logged(fake_scanner, caplog):
    with caplog.at_level(logging.WARNING, logger="rathaus.attachments.checks"):
        check_upload(("Antrag.pdf", PDF), allowed_types=("application/pdf", "application/x-msdownload"))

    warnings = [str(r.msg) for r in caplog.records if r.name == "rathaus.attachments.checks"]
    assert len(warnings) == 1
    assert "unsupported_upload_types" in warnings[0]
    assert "application/x-msdownload" in warnings[0]


def test_only_supported_types_log_nothing(fake_scanner, caplog):
    with caplog.at_level(logging.WARNING, logger="rathaus.attachments.checks"):
        check_upload(("Antrag.pdf", PDF), allowed_types=("application/pdf", "image/png"))

    assert [r for r in caplog.records if r.name == "rathaus.attachments.checks"] == []
