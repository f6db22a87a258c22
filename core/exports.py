"""Spreadsheet exports that show what was typed: no cell runs as a formula (CSV injection)."""

import re
from typing import Any

from import_export import resources
from import_export.fields import Field

# A spreadsheet runs a cell starting with one of these as a formula (or, for tab and
# carriage return, strips them and then runs what follows).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number, negative ones included, is read as a number, never as a formula.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def formula_safe(cell: Any) -> Any:
    """Quote a text cell a spreadsheet would run as a formula, so it shows as typed."""
    if (
        isinstance(cell, str)
        and cell.startswith(FORMULA_TRIGGERS)
        and not PLAIN_NUMBER.fullmatch(cell)
    ):
        return "'" + cell
    return cell


class FormulaSafeResource(resources.ModelResource):
    """A ModelResource whose every exported cell goes through formula_safe, in every format."""

    def export_field(self, field: Field, instance: Any, **kwargs: Any) -> Any:
        return formula_safe(super().export_field(field, instance, **kwargs))
