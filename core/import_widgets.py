"""Import widgets shared by the apps' bulk-import resources."""

from typing import Any

from django.db.models import Model
from import_export.widgets import ForeignKeyWidget


class CodeWidget(ForeignKeyWidget):
    """Look a related row up by its code; an unknown code is a row error, not a crash."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Model | None:
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            name = self.model._meta.verbose_name
            raise ValueError(f"There is no {name} with {self.field} '{value}'.") from None
