"""The demo's shapes and data-room papers, which load_demo adds after its lots."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from auctions.models import Lot, LotDocument
from demo.dataroom import SHAPED_DEPOSITS, add_shapes_and_papers
from demo.loader import load_demo
from deposits.areas import check_shape
from deposits.models import Deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def test_load_demo_draws_valid_shapes_and_gives_each_shaped_lot_two_papers_once(
    settings, tmp_path: Path, reference_data: None
) -> None:
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    admin = get_user_model().objects.get(username="admin")
    shaped = Lot.objects.filter(licence_area__isnull=False)
    changed = shaped.count()
    assert changed >= 3
    for deposit in Deposit.objects.filter(code__in=SHAPED_DEPOSITS):
        check_shape(deposit.outline, declared_km2=deposit.area_km2)
    for lot in shaped:
        check_shape(lot.licence_area, declared_km2=lot.area_km2)
        assert {(d.access, d.content_type) for d in lot.documents.all()} == {
            ("public", "application/pdf"),
            ("admitted", "application/pdf"),
        }
    assert add_shapes_and_papers(uploaded_by=admin) == 0
    assert LotDocument.objects.count() == 2 * changed
