"""Licensing's races, in real transactions on real threads (PostgreSQL's row locks)."""

from datetime import timedelta

import pytest
from django.db import connection

from bidders.tests.factories import UserFactory
from core.errors import DomainError
from core.tests.races import run_together
from licensing import services
from licensing.models import Licence, LicenceNumberSeries
from licensing.tests.factories import auctioned_lot

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs it there"
    ),
    pytest.mark.django_db(transaction=True),
]

LADDER = [("Ridgeline", "100000000.00"), ("Steppe", "105000000.00")]


def test_workers_settling_one_lot_at_once_offer_one_licence() -> None:
    lot, _ = auctioned_lot(LADDER)
    outcomes = run_together(*[lambda: services.settle_lot(lot_id=lot.pk)] * 4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Licence.objects.filter(lot=lot).count() == 1
    assert {o.pk for o in outcomes} == {Licence.objects.get(lot=lot).pk}
    assert LicenceNumberSeries.objects.get().last_number == 1


def test_lots_settled_at_once_take_distinct_numbers_in_sequence() -> None:
    lots = [auctioned_lot(LADDER)[0] for _ in range(6)]
    outcomes = run_together(
        *[lambda lot_id=lot.pk: services.settle_lot(lot_id=lot_id) for lot in lots]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    numbers = sorted(Licence.objects.values_list("number", flat=True))
    assert numbers == [f"KZ-E-2026-{n:04d}" for n in range(1, 7)]


def test_a_payment_recorded_while_the_job_forfeits_is_one_or_the_other() -> None:
    clerk = UserFactory(is_staff=True)
    for _round in range(5):
        lot, _ = auctioned_lot(LADDER)
        offer = services.settle_lot(lot_id=lot.pk)
        day_after = offer.payment_deadline + timedelta(days=1)
        paid, forfeited = run_together(
            lambda offer=offer: services.record_bonus_payment(
                licence_id=offer.pk, recorded_by=clerk
            ),
            lambda day=day_after: services.forfeit_overdue_licences(today=day),
        )
        offer.refresh_from_db()
        if isinstance(paid, Licence):
            assert offer.status == Licence.Status.ACTIVE
            assert forfeited == []
            assert Licence.objects.filter(lot=lot).count() == 1
        else:
            assert isinstance(paid, DomainError), paid
            assert paid.code == "licence_not_awaiting_payment"
            assert forfeited == [offer.pk]
            assert offer.status == Licence.Status.FORFEITED
            successor = Licence.objects.get(lot=lot, status=Licence.Status.AWAITING_PAYMENT)
            assert successor.holder.legal_name == "Ridgeline"
