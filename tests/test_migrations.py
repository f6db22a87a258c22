"""The committed migrations describe the models exactly."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    # --check exits non-zero when makemigrations would write a migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
