"""Kazakhstan's working days, for deadlines counted "in working days".

The calendar is the `holidays` library's, never a hand-made list. For Kazakhstan it holds:
- the public holidays that are days off (New Year 1-2 January, Orthodox Christmas,
  8 March, Nauryz 21-23 March, 1, 7 and 9 May, Capital Day, Constitution Day, Republic
  Day, Independence Day, the first day of Kurban Ait), with the dates each law set;
- the "observed" days: a holiday on a Saturday or Sunday moves to the next working day
  (the library marks the moved day, e.g. Nauryz on Sunday 23 March 2025 gives Tuesday
  25 March off); the library does not move Kurban Ait, a religious holiday;
- the government's yearly decrees that swap a working day for a day off (e.g. Friday
  3 January 2025 off, Sunday 5 January 2025 worked instead): the day off is a holiday and
  the Sunday is in the calendar's `weekend_workdays`, which `is_working_day` honours.
  Decrees reach the library only when it is upgraded: keep `holidays` current.
"""

from datetime import date
from functools import lru_cache

import holidays

COUNTRY = "KZ"
# A year has more than 240 working days; this bounds the years a count can cross.
MIN_WORKING_DAYS_PER_YEAR = 240


@lru_cache(maxsize=16)
def _calendar(first_year: int, last_year: int) -> holidays.HolidayBase:
    # Built for a fixed span and never expanded afterwards, so one instance is safe to
    # share between threads.
    return holidays.country_holidays(COUNTRY, years=range(first_year, last_year + 1), expand=False)


def is_working_day(day: date) -> bool:
    """Return whether the day is a working day in Kazakhstan."""
    return _calendar(day.year, day.year).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """Return the `days`-th working day after `start` (start itself is not counted).

    Zero days gives `start` back unchanged. Raises ValueError for a negative count.
    """
    if days < 0:
        raise ValueError("Count working days forward only.")
    if days == 0:
        return start
    # One year more than the count could need, for a start late in December.
    calendar = _calendar(start.year, start.year + days // MIN_WORKING_DAYS_PER_YEAR + 1)
    return calendar.get_nth_working_day(start, days)
