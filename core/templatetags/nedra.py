from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime, get_date_format, get_time_format
from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.money import babel_locale, format_kzt, format_usd, money_format

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
def astana_time(moment: datetime | None) -> SafeString | str:
    """Render a moment in Astana time; a script adds the viewer's own time beside it."""
    if moment is None:
        return "—"
    return format_html(
        '<time datetime="{}" data-local-time data-viewer-label="{}">{} '
        '<abbr title="{}">{}</abbr></time>',
        moment.isoformat(),
        _("your time"),
        format_astana(moment),
        _("Astana time (UTC+5)"),
        # Translators: the abbreviation of Astana time after a date and time.
        _("AST"),
    )


def format_astana(moment: datetime) -> str:
    """Write a moment as Astana's wall clock in the active language's date format."""
    local = timezone.localtime(moment)
    language = translation.get_language()
    if formats.get_format_modules(language):
        return formats.date_format(local, "DATETIME_FORMAT")
    # Django ships no date formats for some languages (Kazakh among them) and would fall
    # back to the English order and a 12-hour clock; CLDR's long date and short time fit.
    locale = babel_locale(language)
    date, time = get_date_format("long", locale), get_time_format("short", locale)
    pattern = f"{date.pattern}, {time.pattern}"
    return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=locale)
