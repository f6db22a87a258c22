from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.money import format_kzt, format_usd

register = template.Library()


@register.filter
def kzt(amount: Decimal | None) -> str:
    """Render an amount in tenge, e.g. '1 250 000 000.00 KZT'."""
    return "—" if amount is None else format_kzt(amount)


@register.filter
def usd(amount: Decimal | None) -> str:
    """Render a reported US-dollar figure, e.g. '2 475 247.52 USD'."""
    return "—" if amount is None else format_usd(amount)


@register.simple_tag
def astana_time(moment: datetime | None) -> SafeString | str:
    """Render a moment in Astana time; a script adds the viewer's own time beside it."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" data-local-time>{} '
        '<abbr title="Astana time (UTC+5)">AST</abbr></time>',
        moment.isoformat(),
        formats.date_format(local, "DATETIME_FORMAT"),
    )
