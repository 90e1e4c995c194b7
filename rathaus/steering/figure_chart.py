"""Bar charts of the live figures as server-rendered SVG (no JavaScript).

The SVG is for sighted readers; the page shows the same numbers as a table and says in words what the chart
shows. Each bar carries its value as a ``<title>`` and as a text label.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH = 640
HEIGHT = 240
PAD = 36


def bars(ident: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float | None]) -> str:
    """SVG markup of one bar per label; a missing value (None) draws no bar and says "keine Daten"."""
    top = max((v for v in values if v is not None), default=0) or 1
    n = max(len(labels), 1)
    slot = (WIDTH - 2 * PAD) / n
    base = HEIGHT - PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="steering-bars" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#5c5c5c"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = PAD + i * slot
        shown = "keine Daten" if value is None else _number(value)
        parts.append(f"<g><title>{escape(f'{label}: {shown}')}</title>")
        if value is not None:
            h = value / top * (HEIGHT - 2 * PAD - 14)
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                'fill="#0b5ed7"/>'
            )
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" font-size="11" '
                f'fill="#1a1a1a">{escape(shown)}</text>'
            )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
            f'fill="#1a1a1a">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")
