"""The locator: a small map of Kazakhstan drawn on the server as inline SVG.

No tiles, no CDN and no script: the page must show where a deposit lies on a ministry
network without internet. The outline is deliberately approximate (a few dozen points,
good to a few tens of kilometres), enough to place a deposit within the country.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from deposits.areas import area_km2, polygons_of
from deposits.models import Deposit

# The window drawn: all of Kazakhstan with a margin.
NORTH, SOUTH = 56.0, 40.0
WEST, EAST = 46.0, 88.0
# An equirectangular projection true to scale at the country's middle latitude, so the
# country is neither squashed nor stretched; at this size the curvature hardly shows.
PIXELS_PER_DEGREE = 20.0
LONGITUDE_SCALE = math.cos(math.radians(48.0))

WIDTH = round((EAST - WEST) * PIXELS_PER_DEGREE * LONGITUDE_SCALE)
HEIGHT = round((NORTH - SOUTH) * PIXELS_PER_DEGREE)

# The national border as (longitude, latitude), clockwise from where the Russian border
# meets the Caspian Sea: Russia, China, Kyrgyzstan, Uzbekistan, Turkmenistan, the coast.
OUTLINE: tuple[tuple[float, float], ...] = (
    (49.2, 46.3), (48.7, 46.7), (48.1, 47.6), (47.2, 48.1), (46.5, 48.6), (46.6, 49.4),
    (47.3, 50.2), (48.0, 50.6), (48.7, 51.0), (49.5, 51.3), (50.3, 51.6), (51.5, 51.6),
    (52.5, 51.7), (53.5, 51.5), (54.5, 51.0), (55.6, 50.6), (56.6, 51.0), (57.4, 50.9),
    (58.0, 51.1), (58.8, 50.8), (59.6, 50.6), (60.3, 50.8), (61.4, 50.8), (61.6, 51.3),
    (60.1, 51.9), (60.0, 52.4), (60.8, 52.8), (61.0, 53.3), (61.4, 53.9), (62.2, 54.1),
    (63.2, 54.6), (65.2, 54.5), (66.6, 54.8), (68.3, 55.1), (69.2, 55.4), (70.8, 55.3),
    (71.3, 54.4), (72.4, 54.2), (73.4, 53.9), (74.8, 53.9), (76.5, 54.3), (77.0, 53.6),
    (78.0, 53.3), (79.0, 52.6), (79.6, 52.1), (80.1, 51.5), (81.2, 51.1), (82.2, 50.8),
    (83.3, 51.0), (83.9, 50.8), (85.0, 50.1), (86.2, 49.6), (87.3, 49.1), (86.7, 48.5),
    (85.7, 47.1), (84.7, 47.0), (83.1, 47.2), (82.3, 45.6), (82.5, 45.2), (81.5, 45.3),
    (80.6, 45.1), (80.5, 44.3), (80.7, 43.9), (80.4, 43.2), (80.2, 42.2), (79.3, 42.6),
    (78.5, 42.9), (77.0, 43.0), (75.6, 42.8), (74.6, 43.0), (73.5, 43.0), (72.8, 42.6),
    (71.2, 42.7), (70.9, 42.2), (70.2, 41.5), (69.1, 41.4), (68.6, 40.6), (68.0, 40.8),
    (66.7, 41.2), (66.0, 42.0), (66.0, 43.0), (65.0, 43.7), (64.0, 43.6), (62.0, 43.5),
    (61.0, 44.4), (60.0, 44.9), (58.6, 45.6), (56.0, 45.0), (56.0, 41.3), (54.2, 41.6),
    (52.7, 41.8), (52.4, 42.5), (51.7, 43.1), (51.1, 43.4), (50.9, 43.9), (50.6, 44.3),
    (50.25, 44.6), (50.3, 45.1), (51.0, 44.9), (51.3, 45.3), (52.8, 45.4), (53.4, 46.0),
    (53.2, 46.6), (52.5, 46.9), (51.5, 46.95), (50.3, 46.7),
)  # fmt: skip

# (name, latitude, longitude): the capital and a few large cities, for orientation.
CAPITAL = (_("Astana"), 51.17, 71.45)
CITIES: tuple[tuple[Promise, float, float], ...] = (
    (_("Almaty"), 43.24, 76.89),
    (_("Shymkent"), 42.32, 69.59),
    (_("Karaganda"), 49.80, 73.10),
    (_("Aktobe"), 50.28, 57.17),
    (_("Atyrau"), 47.11, 51.92),
    (_("Aktau"), 43.65, 51.17),
    (_("Oskemen"), 49.95, 82.61),
    (_("Kostanay"), 53.21, 63.62),
)
GRATICULE_LATITUDES = (45.0, 50.0, 55.0)
GRATICULE_LONGITUDES = (50.0, 60.0, 70.0, 80.0)


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Place:
    """A labelled point on the map: a city or a deposit."""

    label: str | Promise
    latitude: Decimal
    longitude: Decimal
    at: Point
    # The label goes left of the point where it would run off the map's right edge.
    is_label_left: bool = False


@dataclass(frozen=True)
class GraticuleLine:
    label: str
    is_parallel: bool
    start: Point
    end: Point


@dataclass(frozen=True)
class AreaInset:
    """A shape drawn large enough to read, in a frame of its own, with a scale bar."""

    width: int
    height: int
    path: str
    scale_bar_start: Point
    scale_bar_end: Point
    scale_bar_label: str
    west: Decimal
    east: Decimal
    south: Decimal
    north: Decimal
    area_km2: Decimal
    is_licence_area: bool


@dataclass(frozen=True)
class LocatorMap:
    """Everything the template draws, in SVG user units."""

    width: int
    height: int
    outline: str
    graticule: tuple[GraticuleLine, ...]
    capital: Place
    cities: tuple[Place, ...]
    markers: tuple[Place, ...]
    sea_label_at: Point
    # The shape of the one deposit (or lot) shown, on the country map: "" without one.
    area: str = ""
    inset: AreaInset | None = None


def project(latitude: Decimal | float, longitude: Decimal | float) -> Point:
    """Return where a latitude and longitude fall on the map, rounded to a tenth of a unit."""
    x = (float(longitude) - WEST) * PIXELS_PER_DEGREE * LONGITUDE_SCALE
    y = (NORTH - float(latitude)) * PIXELS_PER_DEGREE
    return Point(round(x, 1), round(y, 1))


def trimmed(degrees: Decimal | float) -> Decimal:
    """Return degrees without trailing zeros, for reading: 48.36000 becomes 48.36."""
    value = Decimal(str(degrees)).normalize()
    # normalize() writes 50 as 5E+1; give whole degrees back their digits.
    exponent = value.as_tuple().exponent
    # The exponent is a letter only for NaN and infinities, which are no degrees.
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


def _place(label: str | Promise, latitude: Decimal | float, longitude: Decimal | float) -> Place:
    at = project(latitude, longitude)
    return Place(label, trimmed(latitude), trimmed(longitude), at, is_label_left=at.x > WIDTH * 0.8)


def _outline_path() -> str:
    points = [project(latitude, longitude) for longitude, latitude in OUTLINE]
    return "M" + " L".join(f"{point.x},{point.y}" for point in points) + " Z"


def _graticule() -> tuple[GraticuleLine, ...]:
    parallels = (
        GraticuleLine(
            label=f"{latitude:.0f}° N",
            is_parallel=True,
            start=project(latitude, WEST),
            end=project(latitude, EAST),
        )
        for latitude in GRATICULE_LATITUDES
    )
    meridians = (
        GraticuleLine(
            label=f"{longitude:.0f}° E",
            is_parallel=False,
            start=project(SOUTH, longitude),
            end=project(NORTH, longitude),
        )
        for longitude in GRATICULE_LONGITUDES
    )
    return (*parallels, *meridians)


def _shape_path(polygons: list[list[list[tuple[float, float]]]], to_point: Any) -> str:
    """Return an SVG path of every ring (holes too: the style fills it even-odd)."""
    rings = []
    for polygon in polygons:
        for ring in polygon:
            points = [to_point(longitude, latitude) for longitude, latitude in ring[:-1]]
            rings.append("M" + " L".join(f"{point.x},{point.y}" for point in points) + " Z")
    return " ".join(rings)


# Scale bar lengths to choose from, in km: the longest that fits a quarter of the inset.
SCALE_BAR_KM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200)
INSET_WIDTH = 360
INSET_MAX_HEIGHT = 300
INSET_MARGIN = 24
KM_PER_DEGREE_LATITUDE = 111.32


def area_inset(
    polygons: list[list[list[tuple[float, float]]]], *, is_licence_area: bool
) -> AreaInset:
    """Return the shape drawn to fill a frame of its own, true to scale at its latitude."""
    positions = [position for polygon in polygons for ring in polygon for position in ring]
    west = min(longitude for longitude, _latitude in positions)
    east = max(longitude for longitude, _latitude in positions)
    south = min(latitude for _longitude, latitude in positions)
    north = max(latitude for _longitude, latitude in positions)
    # Equirectangular around the shape's middle latitude: over a licence area's few tens
    # of kilometres the distortion is far below what a screen shows.
    longitude_scale = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * longitude_scale, 1e-6)
    span_y = max(north - south, 1e-6)
    drawable = INSET_WIDTH - 2 * INSET_MARGIN
    per_degree = min(drawable / span_x, (INSET_MAX_HEIGHT - 2 * INSET_MARGIN) / span_y)
    height = round(span_y * per_degree + 2 * INSET_MARGIN)
    offset_x = (INSET_WIDTH - span_x * per_degree) / 2

    def to_point(longitude: float, latitude: float) -> Point:
        x = offset_x + (longitude - west) * longitude_scale * per_degree
        y = INSET_MARGIN + (north - latitude) * per_degree
        return Point(round(x, 1), round(y, 1))

    km_per_unit = KM_PER_DEGREE_LATITUDE / per_degree
    fitting = [km for km in SCALE_BAR_KM if km / km_per_unit <= INSET_WIDTH / 4]
    bar_km = fitting[-1] if fitting else SCALE_BAR_KM[0]
    bar_start = Point(INSET_MARGIN / 2, height - INSET_MARGIN / 2)
    return AreaInset(
        width=INSET_WIDTH,
        height=height,
        path=_shape_path(polygons, to_point),
        scale_bar_start=bar_start,
        scale_bar_end=Point(round(bar_start.x + bar_km / km_per_unit, 1), bar_start.y),
        scale_bar_label=f"{bar_km:g} km",
        west=trimmed(round(west, 4)),
        east=trimmed(round(east, 4)),
        south=trimmed(round(south, 4)),
        north=trimmed(round(north, 4)),
        area_km2=area_km2(polygons),
        is_licence_area=is_licence_area,
    )


def _valid_polygons(geometry: Any) -> list[list[list[tuple[float, float]]]] | None:
    if geometry is None:
        return None
    try:
        return polygons_of(geometry)
    except ValidationError:
        # Stored before the rules or written around them: draw the centre as before.
        return None


def locator_map(
    deposits: Iterable[Deposit], *, licence_area: dict[str, Any] | None = None
) -> LocatorMap:
    """Return the map of Kazakhstan with a marker at the centre of each deposit; for a
    single deposit, its shape too (the lot's licence area if given, else the deposit's
    outline), with an inset drawing it large."""
    deposits = list(deposits)
    area, inset = "", None
    if len(deposits) == 1:
        polygons = _valid_polygons(licence_area)
        is_licence_area = polygons is not None
        if polygons is None:
            polygons = _valid_polygons(deposits[0].outline)
        if polygons is not None:
            area = _shape_path(polygons, lambda longitude, latitude: project(latitude, longitude))
            inset = area_inset(polygons, is_licence_area=is_licence_area)
    return LocatorMap(
        width=WIDTH,
        height=HEIGHT,
        outline=_outline_path(),
        graticule=_graticule(),
        capital=_place(*CAPITAL),
        cities=tuple(_place(*city) for city in CITIES),
        markers=tuple(
            _place(deposit.name, deposit.latitude, deposit.longitude) for deposit in deposits
        ),
        sea_label_at=project(41.5, 49.3),
        area=area,
        inset=inset,
    )
