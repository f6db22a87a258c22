"""Columns the admin's lists share: amounts written as people read them, still sortable."""

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Model

from core.money import format_kzt

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def kzt_column(field: str, description: "StrOrPromise") -> Callable[[Model], str]:
    """Return a list column showing the amount in `field` as 'KZT 100,000,000', sorted by it."""

    @admin.display(description=description, ordering=field)
    def column(obj: Model) -> str:
        amount: Decimal | None = getattr(obj, field)
        return "—" if amount is None else format_kzt(amount)

    # The admin names the column's CSS class after the function.
    column.__name__ = f"{field}_kzt"
    return column
