"""Plot rules: a plot's geometry (GeoJSON Point or Polygon in WGS 84) and when it must be a polygon.

Pure functions over plain values: no database, no HTTP.
A refusal raises `shared.errors.Unprocessable` with an i18n key, so the command that called
the rule answers with a translated 422 and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from shared.errors import Unprocessable

COORDINATE_DECIMALS = 6  # ~0.11 m on the ground: what EU deforestation rules ask for
POLYGON_REQUIRED_FROM_HA = Decimal("4")  # EUDR: plots of 4 ha and above need a polygon


def _coordinate(value: object, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Unprocessable("plot.geometry_coordinate", where=where, value=value)
    return float(value)


def _position(value: object, *, where: str) -> list[float]:
    """[longitude, latitude] in WGS 84, rounded to 6 decimals; an altitude is dropped."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise Unprocessable("plot.geometry_position", where=where)
    lon = _coordinate(value[0], where=where)
    lat = _coordinate(value[1], where=where)
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise Unprocessable("plot.geometry_out_of_range", where=where, lon=lon, lat=lat)
    return [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)]


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Shoelace area in square degrees: only used to tell a real ring from a flat one."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))) / 2


def normalise_geometry(geometry: object) -> dict:
    """A GeoJSON Point or Polygon checked and rounded to 6 decimals, or 422.

    Positions are [longitude, latitude] (GeoJSON order); each ring of a polygon has at least
    four positions, is closed (first = last) and encloses an area.
    """
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Point", "Polygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise Unprocessable("plot.geometry_type", kind=kind)
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Point":
        return {"type": "Point", "coordinates": _position(coordinates, where="coordinates")}
    if not isinstance(coordinates, list) or not coordinates:
        raise Unprocessable("plot.geometry_rings")
    rings = []
    for r, ring in enumerate(coordinates):
        if not isinstance(ring, list) or len(ring) < 4:
            raise Unprocessable("plot.geometry_ring_short", ring=r)
        positions = [_position(p, where=f"coordinates[{r}][{i}]") for i, p in enumerate(ring)]
        if positions[0] != positions[-1]:
            raise Unprocessable("plot.geometry_ring_open", ring=r)
        if _ring_area(positions) < 1e-13:  # about 0.001 m²: collinear positions, not a field
            raise Unprocessable("plot.geometry_ring_flat", ring=r)
        rings.append(positions)
    return {"type": "Polygon", "coordinates": rings}


def check_plot_geometry(area_ha: Decimal, geometry: dict | None) -> dict | None:
    """The plot's geometry, normalised; a plot of 4 ha or more may not be a mere Point."""
    if geometry is None:
        return None
    shape = normalise_geometry(geometry)
    if shape["type"] == "Point" and area_ha >= POLYGON_REQUIRED_FROM_HA:
        raise Unprocessable("plot.polygon_required", area_ha=area_ha, threshold=POLYGON_REQUIRED_FROM_HA)
    return shape
