"""Small server-side SVG charts for the dashboard: no script, no library to load, readable without
the picture (each chart carries its figures as text in `<title>` and `<desc>`).

Pure: numbers in, markup out, so a chart is tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 240, 110
TOP, BOTTOM, SIDE = 18, 18, 6  # room for the value labels above and the years below
BAR, SHOWN, TARGET = "#9bbfa2", "#2f6b3a", "#a4262c"


@dataclass(frozen=True)
class Point:
    year: int
    value: float | None  # None: no figure that year


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: a year, a month, a grade
    value: float | None  # None: no figure there
    strong: bool = False  # the bar the page is about (the year shown), darker


def trend(
    points: Sequence[Point],
    *,
    shown: int,
    target: float | None,
    label: Callable[[float], str],
    title: str,
    description: str,
    chart_id: str,
) -> Markup:
    """Bars of `points` by year (the `shown` year darker), the target as a dashed line.

    `label` formats a value as its readers write it; `description` is the text alternative.
    """
    bars_ = [Bar(str(p.year), p.value, p.year == shown) for p in points]
    return bars(
        bars_, target=target, label=label, title=title, description=description, chart_id=chart_id, css_class="trend"
    )


def bars(
    points: Sequence[Bar],
    *,
    label: Callable[[float], str],
    title: str,
    description: str,
    chart_id: str,
    target: float | None = None,
    width: int = WIDTH,
    css_class: str = "chart",
) -> Markup:
    """Bars of `points` in order, each with its value written above it; `target` a dashed line."""
    values = [p.value for p in points if p.value is not None] + ([target] if target is not None else [])
    high, low = max([0.0, *values]), min([0.0, *values])  # growth can be negative
    if high == low:  # nothing but zeros: keep the axis at the bottom
        high = low + 1
    span = high - low
    plot = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + (high - value) / span * plot

    slot = (width - 2 * SIDE) / max(len(points), 1)
    zero = y(0.0)
    parts = [
        f'<svg class="{css_class}" viewBox="0 0 {width} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
        f'<line x1="{SIDE}" y1="{zero:.1f}" x2="{width - SIDE}" y2="{zero:.1f}" stroke="#6b6b6b" stroke-width="1"/>',
    ]
    if target is not None:  # under the bars and their labels, which stay readable
        line = y(target)
        parts.append(
            f'<line x1="{SIDE}" y1="{line:.1f}" x2="{width - SIDE}" y2="{line:.1f}" stroke="{TARGET}"'
            ' stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    for n, point in enumerate(points):
        middle = SIDE + slot * (n + 0.5)
        bold = ' font-weight="700"' if point.strong else ""
        parts.append(
            f'<text x="{middle:.1f}" y="{HEIGHT - 4}" text-anchor="middle" font-size="11" fill="#1d2a20"{bold}>'
            f"{escape(point.label)}</text>"
        )
        if point.value is None:
            parts.append(
                f'<text x="{middle:.1f}" y="{zero - 4:.1f}" text-anchor="middle" font-size="11" fill="#6b6b6b">–</text>'
            )
            continue
        top, bottom = sorted((y(point.value), zero))
        colour = SHOWN if point.strong else BAR
        parts.append(
            f'<rect x="{middle - slot * 0.3:.1f}" y="{top:.1f}" width="{slot * 0.6:.1f}"'
            f' height="{max(bottom - top, 1):.1f}" fill="{colour}"/>'
        )
        above = top - 4 if point.value >= 0 else bottom + 11
        parts.append(
            f'<text x="{middle:.1f}" y="{above:.1f}" text-anchor="middle" font-size="10" fill="#1d2a20"{bold}'
            f' stroke="#fff" stroke-width="3" paint-order="stroke">{escape(label(point.value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
