"""sanitise_name keeps what belongs to the name: inner dots, letters at either end, and drops trailing dots."""

from __future__ import annotations

import pytest

from rathaus.attachments.checks import sanitise_name


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("X-Ray.pdf", "application/pdf", "X-Ray.pdf"),  # a leading letter X is part of the name
        ("Anlage X.pdf", "application/pdf", "Anlage X.pdf"),  # so is a trailing one
        ("Anlage XX", "application/pdf", "Anlage XX.pdf"),
        ("Bericht.2024.pdf", "application/pdf", "Bericht.2024.pdf"),  # only the last dot starts the extension
        ("Foto.v2.JPEG", "image/jpeg", "Foto.v2.JPEG"),
        ("Scan..pdf", "application/pdf", "Scan.pdf"),  # dots before the extension go
        ("Scan .pdf", "application/pdf", "Scan.pdf"),
        ("Scan. . .png", "image/png", "Scan.png"),
    ],
)
def test_names_keep_their_own_characters(raw, content_type, expected):
    assert sanitise_name(raw, content_type) == expected


def test_a_cut_that_ends_in_a_dot_drops_the_dot():
    raw = "a" * 195 + ". Rest des Namens.pdf"  # the cut to 196 characters of stem ends at the dot

    name = sanitise_name(raw, "application/pdf")

    assert name == "a" * 195 + ".pdf"
