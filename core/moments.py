"""Moments shown to people: one date and time format per language, on pages and in scripts.

Both come from CLDR (Babel), the data core.money writes amounts with: Django ships no
date formats for Kazakh, and Chromium's Intl data for it is thin ("2026 M11 23"), so
scripts get the patterns and month names from here instead of from the browser.
"""

import re
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_datetime, parse_pattern
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import babel_locale

# The pattern fields the scripts' formatter (static/js/localtime.js) understands.
SCRIPT_FIELDS = frozenset(
    {"y", "yyyy", "M", "MM", "MMM", "MMMM", "L", "LL", "LLL", "LLLL", "d", "dd"}
    | {"h", "hh", "H", "HH", "K", "KK", "k", "kk", "m", "mm", "s", "ss", "a"}
)


def date_pattern(locale: Locale) -> str:
    """Return the language's date pattern: CLDR's long date, month in words."""
    return locale.date_formats["long"].pattern


def time_pattern(locale: Locale, *, seconds: bool = False) -> str:
    """Return the language's clock: CLDR's short time, or its medium one with seconds."""
    return locale.time_formats["medium" if seconds else "short"].pattern


def moment_pattern(locale: Locale, *, seconds: bool = False) -> str:
    """Return the language's date and time pattern, joined as CLDR joins them."""
    glue = str(locale.datetime_formats["medium"])
    return glue.replace("{1}", date_pattern(locale)).replace(
        "{0}", time_pattern(locale, seconds=seconds)
    )


def format_astana(moment: datetime, *, seconds: bool = False, language: str | None = None) -> str:
    """Write a moment as Astana's wall clock in the language's format (no zone label)."""
    local = timezone.localtime(moment)
    locale = babel_locale(language)
    return format_datetime(
        local, moment_pattern(locale, seconds=seconds), tzinfo=local.tzinfo, locale=locale
    )


def format_day(day: date, *, language: str | None = None) -> str:
    """Write a calendar date in the language's format, e.g. 'June 30, 2026'."""
    locale = babel_locale(language)
    return format_date(day, date_pattern(locale), locale=locale)


def astana_label() -> str:
    """Return the name of Astana time as pages show it beside a moment."""
    return _("Astana time (UTC+5)")


def moment_format(*, language: str | None = None) -> dict[str, object]:
    """Return what a script needs to write moments exactly as format_astana does."""
    locale = babel_locale(language)
    patterns = {
        "date": date_pattern(locale),
        "time": time_pattern(locale),
        "timeSeconds": time_pattern(locale, seconds=True),
    }
    formats = {name: parse_pattern(pattern).format for name, pattern in patterns.items()}
    fields = {field for pattern in patterns.values() for field in _fields(pattern)}
    unknown = fields - SCRIPT_FIELDS
    if unknown:
        raise ValueError(f"{locale}: the scripts cannot write {sorted(unknown)}")
    months = locale.months
    return {
        **formats,
        "glue": str(locale.datetime_formats["medium"]),
        "zone": timezone.get_default_timezone_name(),
        "months": {
            "MMM": [months["format"]["abbreviated"][n] for n in range(1, 13)],
            "MMMM": [months["format"]["wide"][n] for n in range(1, 13)],
            "LLL": [months["stand-alone"]["abbreviated"][n] for n in range(1, 13)],
            "LLLL": [months["stand-alone"]["wide"][n] for n in range(1, 13)],
        },
        "periods": [
            locale.day_periods["format"]["abbreviated"]["am"],
            locale.day_periods["format"]["abbreviated"]["pm"],
        ],
        "astana": astana_label(),
        "yourTime": _("your time"),
    }


def _fields(pattern: str) -> set[str]:
    """Return the field names of a CLDR pattern, e.g. {'MMMM', 'd', 'y'}."""
    # Babel annotates DateTimePattern.format as a DateTimeFormat; it holds the %-format string.
    return set(re.findall(r"%\((\w+)\)s", parse_pattern(pattern).format))  # type: ignore[call-overload]
