"""The EUDR rules of the supply chain's regulatory exports: which products the regulation covers, and what
keeps a plot's geolocation from meeting it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.supplychain import regulatory
from services.supplychain.tables import KnownPlot


@pytest.mark.parametrize(
    ("names", "commodity"),
    [
        (("Cà phê nhân",), "coffee"),
        (("ca phe robusta",), "coffee"),
        (("Mủ cao su",), "rubber"),
        (("gỗ keo",), "wood"),
        (("chè khô", "cà phê"), "coffee"),  # the crop of its plots decides for a blend's name
        (("chè búp khô",), None),
        (("Gò Đậu tea",), None),  # "gò" is a hill, not "gỗ": whole words, and diacritics fold alike
        (("Hồng trà",), None),
    ],
)
def test_what_eudr_covers_is_read_from_the_product_or_crop_name(names, commodity):
    assert regulatory.eudr_commodity(*names) == commodity


def _plot(area: str, geometry: dict | None) -> KnownPlot:
    return KnownPlot(
        id=1, coop_id=1, member_id=1, planting_area_code="VT-1", area_ha=Decimal(area), crop="cà phê", geometry=geometry
    )


def _codes(plot: KnownPlot | None) -> list[str]:
    return [problem["code"] for problem in regulatory.plot_problems(plot, "vi")]


def test_a_plot_s_geolocation_problems():
    precise = {"type": "Point", "coordinates": [105.801234, 21.602345]}
    assert _codes(_plot("0.8", precise)) == []
    assert _codes(_plot("4.0", precise)) == []  # 4 ha is not "over 4 ha"
    assert _codes(_plot("4.5", precise)) == ["regulatory.eudr.polygon_required"]
    assert _codes(_plot("0.8", {"type": "Point", "coordinates": [105.8, 21.6]})) == ["regulatory.eudr.decimals"]
    assert _codes(_plot("0.8", None)) == ["regulatory.eudr.no_geolocation"]
    assert _codes(None) == ["regulatory.eudr.no_geolocation"]
    # Six decimals that end in a zero are still six decimals: one coordinate with five or six is enough.
    assert _codes(_plot("0.8", {"type": "Point", "coordinates": [105.80123, 21.6]})) == []


def test_coarse_polygons_are_reported_and_messages_name_the_figures():
    coarse = {"type": "Polygon", "coordinates": [[[105.81, 21.61], [105.83, 21.61], [105.83, 21.63], [105.81, 21.61]]]}
    [problem, decimals] = regulatory.plot_problems(_plot("6", {"type": "Point", "coordinates": [105.8, 21.6]}), "en")
    assert problem["message"] == "The 6 ha plot is a single point; a plot over 4 ha needs a polygon."
    assert decimals["message"] == "The coordinates have only 1 decimals; EUDR asks for 6."
    assert _codes(_plot("6", coarse)) == ["regulatory.eudr.decimals"]
