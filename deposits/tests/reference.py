"""Kazakhstan's regions and minerals in a test database, as `migrate` writes them."""

import importlib

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS

# The migration that gives every database Kazakhstan's regions and the minerals.
REFERENCE_MIGRATION = "deposits.migrations.0003_kazakhstan_regions_and_minerals"


def install_reference_data() -> None:
    """Write the regions and minerals with the migration's own code (idempotent)."""
    importlib.import_module(REFERENCE_MIGRATION).add_reference_rows(apps, using=DEFAULT_DB_ALIAS)
