"""Text typed by people, cleaned once where it enters: form answers, drafts (pages and API), messages.

PostgreSQL stores neither NUL characters (text and jsonb refuse them) nor lone UTF-16 surrogates (no valid
UTF-8); both arrive only from tools or attacks, never from a keyboard, so they are refused with a message at
the field instead of being silently changed. Other C0 control characters (and DEL) are invisible leftovers of
copy and paste: they are removed. Tab and line feed stay in multi-line text; in a single line they become a
space. CR LF and lone CR become LF.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

_REFUSED = re.compile("[\x00\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile("[\x01-\x1f\x7f]")
_LINE_BREAKS = re.compile("[\t\n]")


class TextRefused(ValueError):
    """The text contains characters that cannot be stored; ``message`` is German and meant for the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` with control characters removed (see the module), stripped; TextRefused for NUL or a lone
    surrogate. The result is always storable in PostgreSQL and encodable as UTF-8."""
    if _REFUSED.search(value):
        raise TextRefused(
            _(
                "Die Eingabe enthält unsichtbare Steuerzeichen, die wir nicht speichern können. "
                "Bitte tippen Sie den Text neu ein."
            )
        )
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        value = _CONTROL_MULTILINE.sub("", value)
    else:
        value = _LINE_BREAKS.sub(" ", value)
        value = _CONTROL_LINE.sub("", value)
    return value.strip()


def storable(value: Any) -> Any:
    """A copy of a JSON-like value that PostgreSQL can store: NUL removed, lone surrogates replaced by U+FFFD.

    Only for keeping input that was refused *as typed* (a draft saved to continue later) — the citizen sees it
    again with the field's error; it is never accepted as an answer.
    """
    if isinstance(value, str):
        return _REFUSED.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value
