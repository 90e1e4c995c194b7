"""The one exception of the attachments package (re-exported by ``checks``; lives here to avoid an import cycle)."""

from __future__ import annotations

from django.utils.translation import gettext

# code -> default message; German source strings, translated at raise time.
_DEFAULT_MESSAGES = {
    "too_large": "Die Datei ist zu groß.",
    "type_not_allowed": "Dieser Dateityp ist hier nicht erlaubt.",
    "corrupt": "Die Datei ist beschädigt oder unvollständig und kann nicht geöffnet werden.",
    "infected": "In der Datei wurde Schadsoftware gefunden. Sie wurde nicht angenommen.",
    "scan_failed": (
        "Die Datei konnte gerade nicht auf Viren geprüft werden und wurde deshalb nicht angenommen. "
        "Bitte versuchen Sie es in einigen Minuten erneut."
    ),
    "empty": "Die Datei ist leer.",
    "total_too_large": "Alle Dateien zusammen sind zu groß.",
    "rate_limited": (
        "Sie haben in der letzten Stunde sehr viele Dateien hochgeladen. Bitte versuchen Sie es später noch einmal."
    ),
}

#: Every machine code an :class:`UploadRejected` can carry.
CODES = frozenset(_DEFAULT_MESSAGES)


class UploadRejected(Exception):
    """An upload that is not accepted.

    ``code`` is one of :data:`CODES`, for programs and tests. ``message`` is German, user-facing and says
    why; it does not repeat the file name, so show it next to the file. Without a message the code's
    default text is used.
    """

    def __init__(self, code: str, message: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown upload rejection code {code!r}")
        self.code = code
        self.message = message or gettext(_DEFAULT_MESSAGES[code])
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"UploadRejected(code={self.code!r}, message={self.message!r})"


def megabytes(n: int) -> str:
    """A byte count for people, German style: "10 MB", "30,5 MB", "512 KB"."""
    mb = n / (1024 * 1024)
    if mb < 1:
        return f"{max(1, round(n / 1024))} KB"
    return f"{mb:.1f}".replace(".", ",").removesuffix(",0") + " MB"
