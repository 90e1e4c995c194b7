"""The benefit-vs-feasibility chart as server-rendered SVG (no JavaScript), with a text summary beside it.

The SVG is decoration for sighted readers: it carries a title and a description, and every point a
``<title>``; the page shows the same figures as a table and says in words what the chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from .selectors import RankedProcess

SIZE = 320
PAD = 40


def _x(value: float) -> float:
    return PAD + value / 100 * (SIZE - 2 * PAD)


def _y(value: float) -> float:
    return SIZE - PAD - value / 100 * (SIZE - 2 * PAD)


def scatter(ranked: Sequence[RankedProcess], *, highlight: int = 10) -> str:
    """SVG markup: feasibility on the x axis, benefit on the y axis, the top ``highlight`` ranks numbered."""
    inner = SIZE - 2 * PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" class="steering-chart" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Nutzen und Umsetzbarkeit der Prozesse</title>',
        '<desc id="chart-desc">Streudiagramm: waagerecht die Umsetzbarkeit, senkrecht der Nutzen, je 0 bis 100. '
        "Die Zahlen an den Punkten sind die Ränge; die Tabelle daneben enthält dieselben Werte.</desc>",
        f'<rect x="{PAD}" y="{PAD}" width="{inner}" height="{inner}" fill="#fff" stroke="#5c5c5c"/>',
        f'<rect x="{_x(50)}" y="{PAD}" width="{inner / 2}" height="{inner / 2}" fill="#e6f2ea"/>',
        f'<line x1="{_x(50)}" y1="{PAD}" x2="{_x(50)}" y2="{SIZE - PAD}" stroke="#8c8c8c" stroke-dasharray="4 3"/>',
        f'<line x1="{PAD}" y1="{_y(50)}" x2="{SIZE - PAD}" y2="{_y(50)}" stroke="#8c8c8c" stroke-dasharray="4 3"/>',
        f'<text x="{SIZE / 2}" y="{SIZE - 8}" text-anchor="middle" font-size="12" fill="#1a1a1a">Umsetzbarkeit</text>',
        f'<text x="12" y="{SIZE / 2}" text-anchor="middle" font-size="12" fill="#1a1a1a" '
        f'transform="rotate(-90 12 {SIZE / 2})">Nutzen</text>',
        f'<text x="{_x(75)}" y="{PAD + 14}" text-anchor="middle" font-size="10" fill="#1a1a1a">zuerst umsetzen</text>',
    ]
    for tick in (0, 50, 100):
        parts.append(f'<text x="{_x(tick)}" y="{SIZE - PAD + 14}" text-anchor="middle" font-size="10">{tick}</text>')
        parts.append(f'<text x="{PAD - 6}" y="{_y(tick) + 4}" text-anchor="end" font-size="10">{tick}</text>')
    for r in reversed(ranked):  # the best ranks are drawn last, on top
        s = r.scored
        top = s.rank <= highlight
        label = escape(f"{s.rank}. {r.process.key} {r.process.name}: Nutzen {s.benefit}, Umsetzbarkeit {s.feasibility}")
        parts.append(
            f'<g><title>{label}</title><circle cx="{_x(s.feasibility):.1f}" cy="{_y(s.benefit):.1f}" '
            f'r="{6 if top else 4}" fill="{"#0b5ed7" if top else "#9aa5b1"}" stroke="#fff"/>'
        )
        if top:
            parts.append(
                f'<text x="{_x(s.feasibility) + 8:.1f}" y="{_y(s.benefit) + 4:.1f}" font-size="10" '
                f'fill="#1a1a1a">{s.rank}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def summary(ranked: Sequence[RankedProcess]) -> list[str]:
    """What the chart shows, in sentences."""
    if not ranked:
        return ["Der Prozesskatalog ist leer."]
    counts: dict[str, int] = {}
    for r in ranked:
        counts[r.quadrant] = counts.get(r.quadrant, 0) + 1
    first = ranked[0]
    lines = [
        f"{len(ranked)} Prozesse bewertet. Höchste Priorität: {first.process.name} "
        f"(Nutzen {first.scored.benefit}, Umsetzbarkeit {first.scored.feasibility}).",
    ]
    lines += [f"{quadrant}: {count}" for quadrant, count in sorted(counts.items())]
    return lines
