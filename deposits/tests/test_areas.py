"""The rules of a shape: GeoJSON polygons inside Kazakhstan, closed, simple, of the
declared area."""

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from deposits.areas import area_km2, check_shape, polygons_of
from deposits.tests.factories import DepositFactory
from deposits.tests.shapes import square


def messages_of(geometry: object, declared: str | None = None) -> str:
    with pytest.raises(ValidationError) as refusal:
        check_shape(geometry, declared_km2=Decimal(declared) if declared else None)
    return " ".join(refusal.value.messages)


def test_a_square_of_ten_km_measures_about_a_hundred_km2() -> None:
    measured = area_km2(polygons_of(square(73.1, 49.8, 10)))
    assert Decimal("99") < measured < Decimal("101")


def test_a_one_degree_cell_measures_what_the_sphere_says() -> None:
    # Between 49 and 50° N and 73 and 74° E: R² · Δλ · (sin 50° - sin 49°) on the
    # authalic sphere, 8,029 km².
    one_degree = {
        "type": "Polygon",
        "coordinates": [[[73, 49], [74, 49], [74, 50], [73, 50], [73, 49]]],
    }
    assert abs(area_km2(polygons_of(one_degree)) - Decimal("8029")) < Decimal("5")


def test_a_hole_is_taken_off_the_area() -> None:
    outer = square(73.1, 49.8, 10)["coordinates"][0]
    hole = square(73.1, 49.8, 5)["coordinates"][0][::-1]
    measured = area_km2(polygons_of({"type": "Polygon", "coordinates": [outer, hole]}))
    assert Decimal("74") < measured < Decimal("76")


def test_a_valid_shape_of_the_declared_area_passes() -> None:
    check_shape(square(73.1, 49.8, 10), declared_km2=Decimal("100"))


def test_an_open_ring_is_refused_in_words() -> None:
    shape = square(73.1, 49.8, 10)
    shape["coordinates"][0].pop()
    assert "not closed" in messages_of(shape)


def test_a_ring_of_three_positions_is_refused() -> None:
    shape = {"type": "Polygon", "coordinates": [[[73, 49], [74, 49], [73, 49]]]}
    assert "at least 4 positions" in messages_of(shape)


def test_a_shape_outside_kazakhstan_is_refused() -> None:
    assert "lies outside Kazakhstan" in messages_of(square(37.6, 55.75, 10))  # Moscow


def test_latitude_written_first_is_named_as_the_mistake() -> None:
    shape = square(73.1, 49.8, 10)
    shape["coordinates"][0] = [[lat, lon] for lon, lat in shape["coordinates"][0]]
    assert "longitude first" in messages_of(shape)


def test_a_self_crossing_ring_is_refused() -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[73, 49], [74, 50], [74, 49], [73, 50], [73, 49]]],
    }
    assert "crosses itself" in messages_of(bow_tie)


def test_an_area_far_from_the_declared_one_is_refused() -> None:
    message = messages_of(square(73.1, 49.8, 10), declared="12.5")
    assert "declared area is 12.5 km²" in message
    assert "measures 99.8 km²" in message


def test_a_point_is_not_a_shape() -> None:
    assert "Polygon or MultiPolygon" in messages_of({"type": "Point", "coordinates": [73, 49]})


def test_a_multipolygon_sums_its_parts() -> None:
    first = square(73.1, 49.8, 10)["coordinates"]
    second = square(73.5, 49.8, 10)["coordinates"]
    shape = {"type": "MultiPolygon", "coordinates": [first, second]}
    check_shape(shape, declared_km2=Decimal("200"))


@pytest.mark.django_db
def test_a_deposit_with_a_wrong_outline_fails_its_validation_on_the_outline_field() -> None:
    deposit = DepositFactory(area_km2=Decimal("12.5"), outline=square(73.1, 49.8, 10))
    with pytest.raises(ValidationError) as refusal:
        deposit.full_clean()
    assert "outline" in refusal.value.message_dict


def test_a_shape_of_too_many_positions_is_refused_before_the_crossing_check() -> None:
    circle = [
        [
            73.1 + 0.05 * math.cos(2 * math.pi * i / 600),
            49.8 + 0.05 * math.sin(2 * math.pi * i / 600),
        ]
        for i in range(600)
    ]
    shape = {"type": "Polygon", "coordinates": [[*circle, circle[0]]]}
    assert "at most 500 are accepted" in messages_of(shape)


@pytest.mark.parametrize(
    "number",
    [10**400, -(10**400), float("nan"), float("inf")],
    ids=["huge", "huge_negative", "nan", "infinite"],
)
def test_a_coordinate_no_float_can_hold_is_refused_in_words(number: object) -> None:
    # Parsed JSON keeps a 400-digit integer exact; math.isfinite overflows on it.
    ring = [[73.0, 49.0], [73.1, 49.0], [number, 49.1], [73.0, 49.0]]
    assert "is not a position" in messages_of({"type": "Polygon", "coordinates": [ring]})


@pytest.mark.django_db
def test_a_deposit_with_an_overflowing_outline_fails_validation_on_that_field() -> None:
    ring = [[73.0, 49.0], [73.1, 49.0], [73.1, 10**400], [73.0, 49.0]]
    deposit = DepositFactory(outline=None)
    deposit.outline = {"type": "Polygon", "coordinates": [ring]}
    with pytest.raises(ValidationError) as refusal:
        deposit.full_clean()
    assert "outline" in refusal.value.message_dict
