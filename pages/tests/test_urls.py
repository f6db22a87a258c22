"""The combined pages answer at the paths they had before they moved into `pages`."""

import pytest
from django.urls import resolve, reverse
from django.utils import translation

from pages import dashboard, deposit, home, lot


@pytest.mark.parametrize(
    ("name", "args", "path", "view"),
    [
        ("home", [], "/", home.home),
        ("dashboard", [], "/dashboard/", dashboard.dashboard),
        ("deposit", ["KZ-0001"], "/deposits/KZ-0001/", deposit.deposit_detail),
        ("lot", [7], "/lots/7/", lot.lot_detail),
        ("lot_calendar", [7], "/lots/7/calendar.ics", lot.lot_calendar),
        ("lot_apply", [7], "/lots/7/apply/", lot.lot_apply),
    ],
)
def test_each_combined_page_keeps_its_public_path(
    name: str, args: list[object], path: str, view: object
) -> None:
    assert reverse(name, args=args) == path
    assert resolve(path).func is view


def test_other_languages_prefix_the_same_paths() -> None:
    with translation.override("ru"):
        assert reverse("lot", args=[7]) == "/ru/lots/7/"
        assert resolve("/ru/lots/7/").func is lot.lot_detail
    with translation.override("kk"):
        assert resolve("/kk/deposits/KZ-0001/").func is deposit.deposit_detail
