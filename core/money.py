"""Money in Nedra: Decimal amounts in Kazakhstani tenge (KZT), never floats."""

from decimal import Decimal

from django.db import models

CURRENCY = "KZT"
# 10^16 tenge is far beyond any signature bonus ever paid; it bounds absurd input.
MAX_DIGITS = 18
DECIMAL_PLACES = 2
CENT = Decimal("0.01")


def money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """Return a DecimalField for an amount in KZT with two decimals."""
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


def format_kzt(amount: Decimal) -> str:
    """Format an amount as '1 250 000 000.00 KZT' (thin grouping, two decimals)."""
    return f"{amount.quantize(CENT):,.2f}".replace(",", "\u00a0") + f"\u00a0{CURRENCY}"


def format_usd(amount: Decimal) -> str:
    """Format a US-dollar figure of a report as '2 475 247.52 USD'; Nedra never takes USD."""
    return f"{amount.quantize(CENT):,.2f}".replace(",", "\u00a0") + "\u00a0USD"
