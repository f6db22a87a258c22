"""The API's JSON parser and the forms' JSON field: malformed or absurdly nested JSON is a
400 or a form error, never a 500."""

from collections.abc import Iterable
from typing import IO, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request body of the API nests deeper than a few levels (a company, its owners, an
# owner); anything past this is an attack on the parser or on code that walks the data.
MAX_JSON_DEPTH = 32


class JSONTooDeep(ParseError, RecursionError):
    """JSON nested too deeply: a 400 parse error for the API, and still the RecursionError
    that code guarding against the decoder's own limit (the bid endpoint) catches."""


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than MAX_JSON_DEPTH with a 400.

    Python's decoder recurses once per level and raises RecursionError (not ValueError,
    which DRF turns into a 400) around a thousand levels deep. It can be reached before
    any view code runs: the CSRF check of a session-authenticated POST reads the body.
    """

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise JSONTooDeep(_too_deep()) from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise JSONTooDeep(_too_deep())
        return data


class JSONFormField(forms.JSONField):
    """Django's form JSON field, refusing JSON nested deeper than MAX_JSON_DEPTH as a form
    error: Django's own catches only JSONDecodeError, so a few thousand brackets typed into
    a shape's box were a RecursionError, a 500, both on reading the form and on showing it
    again with its errors."""

    def to_python(self, value: Any) -> Any:
        try:
            converted = super().to_python(value)
        except RecursionError:
            raise ValidationError(_too_deep(), code="invalid") from None
        if _depth_exceeds(converted, MAX_JSON_DEPTH):
            raise ValidationError(_too_deep(), code="invalid")
        return converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


def _too_deep() -> str:
    return gettext("The JSON body is nested more than %(depth)s levels deep.") % {
        "depth": MAX_JSON_DEPTH
    }


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Say whether lists and objects nest deeper than `limit`, without recursing."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
