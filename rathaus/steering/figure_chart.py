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


def grouped(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
) -> str:
    """SVG markup of one group of bars per label, one bar per series ``(name, values, colour)``, with a legend.

    Colours are the caller's; every bar also carries its series name and value as text (not colour alone)."""
    top = max((v for _n, values, _c in series for v in values), default=0) or 1
    n = max(len(labels), 1)
    slot = (WIDTH - 2 * PAD) / n
    width = slot * 0.8 / max(len(series), 1)
    base = HEIGHT - PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 20}" class="steering-bars" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#5c5c5c"/>',
    ]
    for i, label in enumerate(labels):
        x0 = PAD + i * slot + slot * 0.1
        parts.append("<g>")
        for k, (name, values, colour) in enumerate(series):
            value = values[i]
            h = value / top * (HEIGHT - 2 * PAD - 14)
            x = x0 + k * width
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width * 0.9:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{label}, {name}: {_number(value)}')}</title></rect>"
            )
            parts.append(
                f'<text x="{x + width * 0.45:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#1a1a1a">{escape(_number(value))}</text>'
            )
        parts.append(
            f'<text x="{PAD + i * slot + slot / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
            f'fill="#1a1a1a">{escape(label)}</text></g>'
        )
    for k, (name, _values, colour) in enumerate(series):
        x = PAD + k * 160
        parts.append(
            f'<rect x="{x}" y="{HEIGHT + 4}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT + 13}" font-size="10" fill="#1a1a1a">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
