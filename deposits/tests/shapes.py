"""Shapes for tests: squares of a known area around a point."""

import math
from typing import Any

KM_PER_DEGREE = 111.32


def square(longitude: float, latitude: float, side_km: float) -> dict[str, Any]:
    """Return a GeoJSON Polygon: a square of about side_km by side_km centred on the point."""
    half_lat = side_km / KM_PER_DEGREE / 2
    half_lon = side_km / (KM_PER_DEGREE * math.cos(math.radians(latitude))) / 2
    west, east = round(longitude - half_lon, 6), round(longitude + half_lon, 6)
    south, north = round(latitude - half_lat, 6), round(latitude + half_lat, 6)
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
