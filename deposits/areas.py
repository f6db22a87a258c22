"""Areas as shapes: a deposit's outline and a lot's licence area, as GeoJSON geometries.

A shape is a GeoJSON Polygon or MultiPolygon (RFC 7946: positions are longitude, latitude
in WGS 84) kept in a JSONField: no GeoDjango, no GDAL. What a clerk imports or types is
checked here, in words a clerk can act on: each ring closed and of at least four
positions, every position inside Kazakhstan (most mistakes are latitude and longitude
swapped), no ring crossing itself, and the shape's own area close to the area the
lot or deposit declares in km².
"""

import itertools
import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from deposits.models import LATITUDE_RANGE, LONGITUDE_RANGE

# The radius of the sphere with the Earth's (WGS 84) surface area: areas measured on it
# are equal-area, within a few tenths of a percent of the ellipsoid's at these latitudes.
AUTHALIC_RADIUS_KM = 6371.0072
# A declared area is rounded and a drawn outline approximate; more apart than this, one
# of them is wrong.
AREA_TOLERANCE = Decimal("0.10")
# Enough for any licence area's corner points; the self-crossing check compares every
# pair of edges of a ring, so this also keeps that check cheap.
MAX_POSITIONS = 500

Ring = list[tuple[float, float]]


def polygons_of(geometry: dict[str, Any]) -> list[list[Ring]]:
    """Return the geometry's polygons, each a list of rings (outer ring first), as
    (longitude, latitude) pairs; raise ValidationError, in words, if it is not a valid
    Polygon or MultiPolygon inside Kazakhstan."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _("The shape must be a GeoJSON Polygon or MultiPolygon geometry."), code="not_polygon"
        )
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        coordinates = [coordinates]
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("The shape has no coordinates."), code="no_coordinates")
    polygons = []
    total = 0
    for polygon_number, polygon in enumerate(coordinates, start=1):
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(
                _("Polygon %(polygon)s has no rings.") % {"polygon": polygon_number},
                code="no_rings",
            )
        rings = []
        for ring_number, ring in enumerate(polygon, start=1):
            where = _("ring %(ring)s of polygon %(polygon)s") % {
                "ring": ring_number,
                "polygon": polygon_number,
            }
            rings.append(_checked_ring(ring, where))
            total += len(ring)
        polygons.append(rings)
    if total > MAX_POSITIONS:
        raise ValidationError(
            _("The shape has %(count)s positions; at most %(limit)s are accepted.")
            % {"count": total, "limit": MAX_POSITIONS},
            code="too_many_positions",
        )
    for polygon_number, rings in enumerate(polygons, start=1):
        for ring_number, ring in enumerate(rings, start=1):
            if crosses_itself(ring):
                raise ValidationError(
                    _("Ring %(ring)s of polygon %(polygon)s crosses itself.")
                    % {"ring": ring_number, "polygon": polygon_number},
                    code="self_intersecting",
                )
    return polygons


def _checked_ring(ring: Any, where: str) -> Ring:
    if not isinstance(ring, list):
        raise ValidationError(
            _("In %(where)s: a ring must be a list of positions.") % {"where": where},
            code="bad_ring",
        )
    positions = [_checked_position(position, where) for position in ring]
    if len(positions) < 4:
        raise ValidationError(
            _(
                "In %(where)s: a ring needs at least 4 positions (the first repeated as the "
                "last); this one has %(count)s."
            )
            % {"where": where, "count": len(positions)},
            code="too_few_positions",
        )
    if positions[0] != positions[-1]:
        raise ValidationError(
            _("In %(where)s: the ring is not closed; its last position must repeat its first.")
            % {"where": where},
            code="open_ring",
        )
    return positions


def _is_inside_kazakhstan(longitude: float, latitude: float) -> bool:
    return float(LONGITUDE_RANGE[0]) <= longitude <= float(LONGITUDE_RANGE[1]) and float(
        LATITUDE_RANGE[0]
    ) <= latitude <= float(LATITUDE_RANGE[1])


def _is_finite_number(number: Any) -> bool:
    if not isinstance(number, int | float) or isinstance(number, bool):
        return False
    try:
        # JSON keeps an integer of hundreds of digits exact: too large for a float.
        return math.isfinite(number)
    except OverflowError:
        return False


def _checked_position(position: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(position, list | tuple)
        or len(position) not in (2, 3)
        or not all(_is_finite_number(number) for number in position)
    ):
        raise ValidationError(
            _("In %(where)s: %(position)s is not a position [longitude, latitude].")
            % {"where": where, "position": position},
            code="bad_position",
        )
    longitude, latitude = float(position[0]), float(position[1])
    if not _is_inside_kazakhstan(longitude, latitude):
        bounds = {
            "where": where,
            "position": f"[{position[0]}, {position[1]}]",
            "west": LONGITUDE_RANGE[0],
            "east": LONGITUDE_RANGE[1],
            "south": LATITUDE_RANGE[0],
            "north": LATITUDE_RANGE[1],
        }
        if _is_inside_kazakhstan(latitude, longitude):
            message = _(
                "In %(where)s: %(position)s lies outside Kazakhstan, but would lie inside it "
                "swapped: GeoJSON writes longitude first, then latitude."
            )
        else:
            message = _(
                "In %(where)s: %(position)s lies outside Kazakhstan (longitude %(west)s to "
                "%(east)s° E, latitude %(south)s to %(north)s° N)."
            )
        raise ValidationError(message % bounds, code="outside_kazakhstan")
    return longitude, latitude


def _segments_cross(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    """Return whether segments ab and cd share a point (touching counts)."""

    def orientation(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> int:
        value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (value > 0) - (value < 0)

    def lies_on(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> bool:
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(
            p[1], q[1]
        )

    o1, o2, o3, o4 = (
        orientation(a, b, c),
        orientation(a, b, d),
        orientation(c, d, a),
        orientation(c, d, b),
    )
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and lies_on(a, b, c))
        or (o2 == 0 and lies_on(a, b, d))
        or (o3 == 0 and lies_on(c, d, a))
        or (o4 == 0 and lies_on(c, d, b))
    )


def crosses_itself(ring: Ring) -> bool:
    """Return whether two edges of a closed ring that are not neighbours meet."""
    edges = list(itertools.pairwise(ring))
    count = len(edges)
    for i in range(count):
        for j in range(i + 2, count):
            # The first and the last edge meet at the ring's closing position.
            if i == 0 and j == count - 1:
                continue
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


def _ring_area_km2(ring: Ring) -> float:
    # The ring's area on the authalic sphere by the line-integral formula of Chamberlain
    # and Duquette, "Some algorithms for polygons on a sphere" (JPL, 2007), as GeoJSON
    # tools (geojson-area, turf) compute it: equal-area, so no projection distorts it.
    total = 0.0
    count = len(ring) - 1
    for i in range(count):
        west = ring[i - 1] if i > 0 else ring[count - 1]
        east = ring[i + 1]
        total += math.radians(east[0] - west[0]) * math.sin(math.radians(ring[i][1]))
    return abs(total) * AUTHALIC_RADIUS_KM**2 / 2


def area_km2(polygons: list[list[Ring]]) -> Decimal:
    """Return the area of the polygons in km² (outer rings less their holes), to 0.001."""
    total = sum(
        _ring_area_km2(rings[0]) - sum(_ring_area_km2(hole) for hole in rings[1:])
        for rings in polygons
    )
    return Decimal(str(round(total, 3)))


def check_shape(geometry: Any, *, declared_km2: Decimal | None) -> None:
    """Raise ValidationError, in words, unless the geometry is a valid shape inside
    Kazakhstan whose area is within AREA_TOLERANCE of the declared one (when declared)."""
    polygons = polygons_of(geometry)
    if declared_km2 is None or declared_km2 <= 0:
        return
    measured = area_km2(polygons)
    if abs(measured - declared_km2) > declared_km2 * AREA_TOLERANCE:
        raise ValidationError(
            _(
                "The shape measures %(measured)s km², but the declared area is %(declared)s "
                "km²: they may differ by at most %(tolerance)s%%."
            )
            % {
                "measured": f"{measured:.1f}",
                "declared": f"{declared_km2.normalize():f}",
                "tolerance": f"{AREA_TOLERANCE * 100:.0f}",
            },
            code="area_mismatch",
        )
