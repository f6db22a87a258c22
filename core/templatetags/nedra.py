from datetime import date, datetime
from decimal import Decimal

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.moments import astana_label, format_astana, format_day, moment_format
from core.money import format_kzt, format_usd, money_format

register = template.Library()


@register.filter
def kzt(amount: Decimal | None) -> str:
    """Render an amount in tenge for the page's language, e.g. '1 250 000 000 ₸' in Russian."""
    return "—" if amount is None else format_kzt(amount)


@register.filter
def usd(amount: Decimal | None) -> str:
    """Render a reported US-dollar figure for the page's language, e.g. '$2,475,247.52'."""
    return "—" if amount is None else format_usd(amount)


@register.simple_tag
def kzt_format() -> dict[str, str]:
    """Return how the page's language writes tenge, for scripts that format amounts."""
    return money_format()


@register.simple_tag
def unprefixed_path(request: HttpRequest) -> str:
    """Return the page's address (with its query) in the default, unprefixed language."""
    # The language switcher posts to /i18n/setlang/, which runs in the default language
    # (prefix_default_language=False), so Django cannot resolve a "/ru/..." `next` there
    # and would leave the reader in Russian; a default-language path translates every way.
    return translate_url(request.get_full_path(), settings.LANGUAGE_CODE)


@register.simple_tag
def astana_time(moment: datetime | None, seconds: bool = False) -> SafeString | str:
    """Render a moment in Astana time, labelled so; a script adds the viewer's own time."""
    if moment is None:
        return "—"
    return format_html(
        '<time class="moment" datetime="{}" data-local-time{}>{} '
        '<span class="time-zone">{}</span></time>',
        moment.isoformat(),
        # The viewer's time beside it keeps the seconds too.
        " data-seconds" if seconds else "",
        format_astana(moment, seconds=seconds),
        astana_label(),
    )


@register.filter
def day(value: date | None) -> str:
    """Render a calendar date in the page language's date format, as moments write theirs."""
    return "—" if value is None else format_day(value)


@register.simple_tag
def time_format() -> dict[str, object]:
    """Return how the page's language writes moments, for scripts that show times."""
    return moment_format()
