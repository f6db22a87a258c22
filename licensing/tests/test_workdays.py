"""Deadlines in Kazakhstan's working days, on the holidays library's calendar."""

from datetime import date

import pytest

from licensing.workdays import add_working_days, is_working_day


def test_a_plain_week_skips_only_the_weekend() -> None:
    # June 2026 has no public holiday.
    assert add_working_days(date(2026, 6, 1), 4) == date(2026, 6, 5)  # Mon -> Fri
    assert add_working_days(date(2026, 6, 1), 5) == date(2026, 6, 8)  # Mon -> next Mon
    assert add_working_days(date(2026, 6, 5), 1) == date(2026, 6, 8)  # Fri -> Mon
    assert add_working_days(date(2026, 6, 6), 1) == date(2026, 6, 8)  # Sat -> Mon


def test_twenty_working_days_in_a_month_without_holidays() -> None:
    assert add_working_days(date(2026, 6, 1), 20) == date(2026, 6, 29)


def test_independence_day_16_december_is_skipped() -> None:
    assert not is_working_day(date(2025, 12, 16))
    assert add_working_days(date(2025, 12, 15), 1) == date(2025, 12, 17)
    assert add_working_days(date(2026, 12, 15), 1) == date(2026, 12, 17)


def test_nauryz_21_to_23_march_and_its_weekend_days_moved_to_monday_and_tuesday() -> None:
    # 2026: Nauryz falls Sat 21, Sun 22, Mon 23; the weekend days move to Tue 24 and Wed 25.
    for day in (23, 24, 25):
        assert not is_working_day(date(2026, 3, day))
    assert add_working_days(date(2026, 3, 20), 1) == date(2026, 3, 26)


def test_new_year_1_and_2_january_and_orthodox_christmas_are_skipped() -> None:
    # 2026: Thu 1 and Fri 2 January, then the weekend, then Wed 7 January.
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)
    assert add_working_days(date(2026, 1, 6), 1) == date(2026, 1, 8)


def test_womens_day_on_a_sunday_gives_the_monday_off() -> None:
    assert not is_working_day(date(2026, 3, 9))
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 10)


def test_a_weekend_day_worked_by_government_decree_counts() -> None:
    # 2025: Friday 3 January was a day off, worked instead on Sunday 5 January.
    assert not is_working_day(date(2025, 1, 3))
    assert is_working_day(date(2025, 1, 5))
    assert add_working_days(date(2025, 1, 2), 1) == date(2025, 1, 5)


def test_twenty_working_days_across_the_new_year() -> None:
    assert add_working_days(date(2025, 12, 29), 20) == date(2026, 1, 29)


def test_long_counts_cross_years() -> None:
    assert add_working_days(date(2026, 12, 28), 400) > date(2028, 6, 1)


def test_zero_days_is_the_start_and_negative_counts_are_refused() -> None:
    assert add_working_days(date(2026, 3, 21), 0) == date(2026, 3, 21)
    with pytest.raises(ValueError, match="forward only"):
        add_working_days(date(2026, 6, 1), -1)
