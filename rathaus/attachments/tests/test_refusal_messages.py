"""The texts a citizen reads when a file is refused: which types are allowed, in a stable order; why it is broken."""

from __future__ import annotations

import pytest

from rathaus.attachments.checks import UploadRejected, check_upload
from rathaus.attachments.tests import samples


def _refusal(name: str, data: bytes, allowed: list[str]) -> UploadRejected:
    with pytest.raises(UploadRejected) as exc:
        check_upload((name, data), allowed_types=allowed)
    return exc.value


@pytest.mark.parametrize(
    ("allowed", "listed"),
    [
        (["image/webp", "application/pdf", "image/jpeg"], "PDF, JPEG, WebP"),
        # types we cannot recognise come after the known ones, by name, and are shown as they are
        (["image/webp", "image/tiff", "application/pdf"], "PDF, WebP, image/tiff"),
        (["application/msword", "application/pdf"], "PDF, application/msword"),
        (["text/csv", "application/msword"], "application/msword, text/csv"),
    ],
)
def test_allowed_types_are_listed_known_ones_first_in_a_fixed_order(fake_scanner, allowed, listed):
    refusal = _refusal("foto.png", samples.png(), allowed)

    assert refusal.code == "type_not_allowed"
    assert f"(erlaubt: {listed})" in refusal.message


def test_unreadable_pdf_gets_the_general_corrupt_message(fake_scanner):
    refusal = _refusal("a.pdf", b"%PDF-1.7\nnothing here\n%%EOF\n", ["application/pdf"])

    assert refusal.code == "corrupt"
    assert refusal.message == UploadRejected("corrupt").message
    assert refusal.message.startswith("Die Datei ist beschädigt")
