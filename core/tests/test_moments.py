"""The one moment format: every language's CLDR patterns are ones the scripts can write."""

import pytest
from django.utils import translation

from core.moments import SCRIPT_FIELDS, moment_format


@pytest.mark.parametrize("language", ["en", "ru", "kk", "zh-hans"])
def test_each_language_sends_scripts_patterns_they_can_write(language: str) -> None:
    with translation.override(language):
        written = moment_format()
    assert written["zone"] == "Asia/Almaty"
    for months in written["months"].values():
        assert len(months) == 12
        assert all(months)
    assert len(written["periods"]) == 2
    for name in ("date", "time", "timeSeconds"):
        assert "%(" in written[name]
    assert "{0}" in written["glue"]
    assert "{1}" in written["glue"]


def test_kazakh_month_names_come_from_cldr_not_the_browser() -> None:
    with translation.override("kk"):
        written = moment_format()
    assert written["months"]["MMMM"][11] == "желтоқсан"
    assert written["astana"] == "Астана уақыты (UTC+5)"


def test_the_scripts_know_every_field_the_clock_needs() -> None:
    assert {"y", "MMMM", "d", "h", "HH", "mm", "ss", "a"} <= SCRIPT_FIELDS
