"""Reading an uploaded form file: XML is recognised even after leading whitespace, anything else is JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathaus.applications import services
from rathaus.core.errors import ValidationFailed

FIM = Path("/work/shared/fim/S00000000392.xml")


@pytest.mark.parametrize("prefix", [b"", b"\n", b"  \r\n\t "])
def test_an_xdatenfelder_schema_is_read_as_xml_also_after_leading_whitespace(prefix: bytes) -> None:
    definition, notes = services.read_form_file(prefix + FIM.read_bytes())

    assert definition["steps"], definition
    assert isinstance(notes, list)


def test_json_after_leading_whitespace_is_read_as_json() -> None:
    definition, notes = services.read_form_file(b'\n  {"id": "x", "steps": []}')

    assert definition == {"id": "x", "steps": []}
    assert notes == []


def test_trailing_whitespace_does_not_make_json_xml() -> None:
    with pytest.raises(ValidationFailed, match="weder JSON noch XDatenfelder"):
        services.read_form_file(b"not json <\n")
