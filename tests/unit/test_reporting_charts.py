"""The dashboard's trend chart as markup: bars per year, the target line, the text alternative."""

from __future__ import annotations

import re

from services.reporting import charts
from services.reporting.charts import Point


def _chart(points, target=None, shown=2024):
    return str(
        charts.trend(
            points,
            shown=shown,
            target=target,
            label=lambda v: f"{v:g}",
            title="HTX mới <2021–2025>",
            description="2021: 18; 2022: –",
            chart_id="trend-x",
        )
    )


def _bars(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(y), float(h), fill)
        for y, h, fill in re.findall(
            r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="(#\w+)"', svg
        )
    ]


def test_one_bar_per_year_with_a_figure_the_shown_year_darker_and_taller_for_more():
    svg = _chart([Point(2022, 10), Point(2023, None), Point(2024, 30)], target=20)
    bars = _bars(svg)
    assert len(bars) == 2 and bars[1][1] > bars[0][1] * 2.9  # 30 is three times 10
    assert [fill for *_, fill in bars] == [charts.BAR, charts.SHOWN]
    assert 'stroke-dasharray="5 3"' in svg  # the target line
    assert ">–</text>" in svg and ">2023</text>" in svg  # a year without a figure still has its place


def test_the_text_alternative_is_escaped_and_named_by_the_image():
    svg = _chart([Point(2024, 1)])
    assert 'role="img" aria-labelledby="trend-x-t trend-x-d"' in svg
    assert '<title id="trend-x-t">HTX mới &lt;2021–2025&gt;</title>' in svg
    assert '<desc id="trend-x-d">2021: 18; 2022: –</desc>' in svg
    assert "stroke-dasharray" not in svg  # no target, no line


def test_negative_values_hang_below_the_axis_and_zeros_sit_on_it():
    svg = _chart([Point(2023, -0.1), Point(2024, 0.2)])
    axis = float(re.search(r'<line x1="[\d.]+" y1="([\d.]+)"', svg).group(1))
    (down_y, down_h, _), (up_y, up_h, _) = _bars(svg)
    assert down_y == axis and up_y + up_h == axis and up_h > down_h
    zeros = _chart([Point(2023, 0), Point(2024, 0)])
    axis = float(re.search(r'<line x1="[\d.]+" y1="([\d.]+)"', zeros).group(1))
    assert axis == charts.HEIGHT - charts.BOTTOM  # at the bottom, not the top
