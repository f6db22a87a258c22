"""Let the server's own inline <style> elements through the Content-Security-Policy.

The policy (config/settings.py) refuses any inline style element without the page's
nonce. One trusted source writes them: pygal's results charts, whose CSS is scoped to a
chart id drawn at random, so no fixed hash can name it. Everything else comes from the
static stylesheets.
"""

import re

from django import template
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

STYLE_START_TAG = re.compile(r"<style(?=[\s>])")


@register.filter
def with_csp_nonce(html: SafeString, request: HttpRequest | None) -> SafeString:
    """Give each <style> element of trusted markup the request's CSP nonce.

    Only for markup the server itself wrote: a style element smuggled into `html` would
    be let through too.
    """
    # django-csp's nonce is lazy: reading it here is what puts it in the header.
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        return html
    return mark_safe(  # noqa: S308 - html is already safe; only an attribute is added
        STYLE_START_TAG.sub(f'<style nonce="{escape(str(nonce))}"', str(html))
    )
