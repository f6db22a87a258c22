"""Import widgets and the resource base shared by the apps' bulk-import resources."""

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from import_export import widgets
from import_export.fields import Field
from import_export.results import RowResult

from core.exports import FormulaSafeResource

logger = logging.getLogger(__name__)


class CodeWidget(widgets.ForeignKeyWidget):
    """Look a related row up by its code; an unknown code is a row error, not a crash."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Model | None:
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            name = self.model._meta.verbose_name
            raise ValueError(
                _("There is no %(name)s with %(field)s '%(value)s'.")
                % {"name": name, "field": self.field, "value": value}
            ) from None


# What a cell of each kind must hold, in words; the first match wins (IntegerWidget is a
# NumberWidget too).
EXPECTED_VALUES: list[tuple[type[widgets.Widget], str]] = [
    (widgets.IntegerWidget, gettext_noop("a whole number")),
    (widgets.NumberWidget, gettext_noop("a number")),
    (
        widgets.DateTimeWidget,
        gettext_noop("a date and time such as 2030-06-20 10:00 (Astana time)"),
    ),
    (widgets.DateWidget, gettext_noop("a date such as 2030-06-20")),
    (widgets.TimeWidget, gettext_noop("a time such as 10:00")),
    (widgets.DurationWidget, gettext_noop("a duration such as 0:05:00")),
    (widgets.BooleanWidget, gettext_noop("yes or no (1 or 0)")),
]


class SpreadsheetResource(FormulaSafeResource):
    """A resource whose import reports every bad row of a file in words a clerk can act on.

    import-export turns a cell it cannot read into a traceback naming a Python class
    (`[<class 'decimal.ConversionSyntax'>]`), and its admin then hides every other row's
    errors behind that one. Here each problem is a validation error of its row, written as
    "Row 3, latitude: 'abc' — Latitude must be a number.", so one dry run lists them all.
    """

    def label(self, field: Field) -> str:
        """Return the column's name in words: the model field's, without its unit."""
        try:
            verbose = str(self._meta.model._meta.get_field(field.attribute).verbose_name)
        except FieldDoesNotExist:
            verbose = field.column_name
        return capfirst(verbose.split(",")[0])

    def cell_problem(self, field: Field, error: Exception) -> str:
        """Say what is wrong with a cell its widget could not read."""
        for widget_class, expected in EXPECTED_VALUES:
            if isinstance(field.widget, widget_class):
                return _("%(column)s must be %(expected)s.") % {
                    "column": self.label(field),
                    "expected": _(expected),
                }
        if isinstance(error, ValueError) and str(error):
            return str(error)
        return _("%(column)s cannot hold this value.") % {"column": self.label(field)}

    def import_instance(self, instance: Model, row: dict, **kwargs: Any) -> None:
        errors = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            try:
                self.import_field(field, instance, row, **kwargs)
            # What widgets raise for a cell they cannot read: ValueError, or
            # decimal.InvalidOperation (an ArithmeticError) for a number.
            except (ValueError, ArithmeticError, TypeError) as error:
                errors[field.attribute] = ValidationError(self.cell_problem(field, error))
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader: Any, row: dict) -> Model | None:
        # The columns that find an existing row are read first, outside import_instance.
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name not in row:
                continue
            try:
                field.clean(row)
            except (ValueError, ArithmeticError, TypeError) as error:
                raise ValidationError({field.attribute: self.cell_problem(field, error)}) from None
        return super().get_instance(instance_loader, row)

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        result = super().import_row(row, instance_loader, **kwargs)
        number = kwargs.get("row_number")
        if result.errors:
            # Anything else that went wrong: say which row, never the exception's class.
            for error in result.errors:
                logger.warning("Import row %s failed: %r", number, error.error)
            result.errors = []
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(
                _("This row could not be read; check each of its cells.")
            )
        if result.validation_error is not None:
            result.validation_error = self.in_words(result.validation_error, row, number)
        return result

    def in_words(self, error: ValidationError, row: Any, number: int | None) -> ValidationError:
        """Write each message of a row's error as "Row N, column: 'value' — message"."""
        by_attribute = {field.attribute: field for field in self.get_import_fields()}
        messages = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {NON_FIELD_ERRORS: error.messages}
        )
        written: dict[str, list[str]] = {}
        for key, texts in messages.items():
            field = by_attribute.get(key)
            for text in texts:
                if field is not None and field.column_name in row:
                    sentence = _("Row %(row)s, %(column)s: '%(value)s' — %(message)s") % {
                        "row": number,
                        "column": field.column_name,
                        "value": "" if row[field.column_name] is None else row[field.column_name],
                        "message": text,
                    }
                else:
                    sentence = _("Row %(row)s: %(message)s") % {"row": number, "message": text}
                written.setdefault(key, []).append(sentence)
        return ValidationError(written)
