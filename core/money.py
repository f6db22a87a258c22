"""Money in Nedra: Decimal amounts in Kazakhstani tenge (KZT), never floats."""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.conf import settings
from django.db import models
from django.utils import translation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CURRENCY = "KZT"
# 10^16 tenge is far beyond any signature bonus ever paid; it bounds absurd input.
MAX_DIGITS = 18
DECIMAL_PLACES = 2
CENT = Decimal("0.01")
NBSP = "\u00a0"

# Russian and Kazakh as written in Kazakhstan, whose CLDR data spells the tenge "₸"; CLDR
# has no English or Chinese of Kazakhstan, so those read it as "KZT".
BABEL_LOCALES = {"en": "en", "ru": "ru_KZ", "kk": "kk_KZ", "zh-hans": "zh_Hans_CN"}


def money_field(verbose_name: "StrOrPromise", **kwargs: Any) -> models.DecimalField:
    """Return a DecimalField for an amount in KZT with two decimals."""
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


def babel_locale(language: str | None = None) -> Locale:
    """Return the Babel locale for a Django language code, by default the active one."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    name = BABEL_LOCALES.get(code) or BABEL_LOCALES.get(code.split("-")[0], "en")
    return Locale.parse(name)


def format_kzt(amount: Decimal, *, language: str | None = None) -> str:
    """Format tenge for a reader, e.g. '1 250 000 000 ₸' in Russian; tiyn only when present."""
    return _format_money(amount, CURRENCY, babel_locale(language))


def format_usd(amount: Decimal, *, language: str | None = None) -> str:
    """Format a report's US-dollar figure for a reader; Nedra never takes USD."""
    return _format_money(amount, "USD", babel_locale(language))


def money_format(currency: str = CURRENCY, *, language: str | None = None) -> dict[str, str]:
    """Return the parts a script needs to write amounts exactly as format_kzt does."""
    locale = babel_locale(language)
    pattern = _pattern(str(locale), currency, whole=False)
    symbols = locale.number_symbols["latn"]
    prefix, _, rest = pattern.partition("#")
    suffix = rest.lstrip("#,0.")
    return {
        "prefix": prefix.replace("¤", get_currency_symbol(currency, locale)),
        "suffix": suffix.replace("¤", get_currency_symbol(currency, locale)),
        "group": symbols["group"],
        "decimal": symbols["decimal"],
    }


def _format_money(amount: Decimal, currency: str, locale: Locale) -> str:
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    whole = cents == cents.to_integral_value()
    pattern = _pattern(str(locale), currency, whole=whole)
    return format_currency(cents, currency, format=pattern, locale=locale, currency_digits=False)


@lru_cache(maxsize=32)
def _pattern(locale_name: str, currency: str, *, whole: bool) -> str:
    """Return the locale's currency pattern, without decimals for whole amounts, spaced."""
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if whole:
        pattern = pattern.replace(".00", "")
    # CLDR's currency spacing, which Babel does not apply: a symbol made of letters
    # ("KZT") touching the digits gets a no-break space, so it reads "KZT 1,000", not
    # "KZT1,000"; a sign such as "$" or "₸" keeps to the pattern.
    symbol = get_currency_symbol(currency, locale)
    if not unicodedata.category(symbol[-1]).startswith("S"):
        pattern = pattern.replace("¤#", "¤" + NBSP + "#").replace("¤0", "¤" + NBSP + "0")
    if not unicodedata.category(symbol[0]).startswith("S"):
        pattern = pattern.replace("0¤", "0" + NBSP + "¤")
    return pattern
