"""The database itself refuses rows that break the domain's rules."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from auctions.models import Application, Bid, Lot, Payment, Result
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory
from bidders.models import Company
from bidders.tests.factories import BeneficialOwnerFactory, CompanyFactory, UserFactory
from deposits.models import Reserve
from deposits.tests.factories import DepositFactory, ReserveFactory
from licensing.models import Licence

pytestmark = pytest.mark.django_db


def refused(factory_call: object) -> None:
    """Assert the database refuses what the callable writes."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory_call()


def test_deposit_centre_outside_kazakhstan_is_refused() -> None:
    refused(lambda: DepositFactory(latitude=Decimal("30.0")))
    refused(lambda: DepositFactory(longitude=Decimal("100.0")))


def test_reserve_quantity_must_be_positive() -> None:
    refused(lambda: ReserveFactory(quantity=Decimal("0")))


def test_reserve_grade_needs_a_unit_and_percent_stays_at_most_100() -> None:
    refused(lambda: ReserveFactory(grade=Decimal("2.5"), grade_unit=""))
    refused(lambda: ReserveFactory(grade=None, grade_unit="%"))
    refused(lambda: ReserveFactory(grade=Decimal("101"), grade_unit="%"))


def test_one_reserve_per_mineral_and_category_per_deposit() -> None:
    reserve = ReserveFactory()
    refused(
        lambda: ReserveFactory(
            deposit=reserve.deposit, mineral=reserve.mineral, category=reserve.category
        )
    )
    ReserveFactory(deposit=reserve.deposit, mineral=reserve.mineral, category=Reserve.Category.C2)


def test_lot_amounts_must_be_positive() -> None:
    refused(lambda: LotFactory(starting_price=Decimal("0")))
    refused(lambda: LotFactory(bid_step=Decimal("-1")))
    refused(lambda: LotFactory(guarantee_deposit=Decimal("-0.01")))


def test_production_licence_term_is_at_most_25_years() -> None:
    LotFactory(licence_type="production", licence_term_years=25)
    refused(lambda: LotFactory(licence_type="production", licence_term_years=26))


def test_exploration_licence_term_is_at_most_6_years() -> None:
    refused(lambda: LotFactory(licence_type="exploration", licence_term_years=7))
    refused(lambda: LotFactory(licence_type="exploration", licence_term_years=0))


def test_lot_schedule_must_run_in_order() -> None:
    now = timezone.now()
    refused(
        lambda: LotFactory(
            application_deadline=now + timedelta(days=5),
            starts_at=now + timedelta(days=4),
            ends_at=now + timedelta(days=6),
            hard_end=now + timedelta(days=6),
        )
    )
    refused(
        lambda: LotFactory(
            application_deadline=now,
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=2),
            hard_end=now + timedelta(days=1, hours=12),
        )
    )


def test_lot_number_is_unique_within_an_event() -> None:
    lot = LotFactory()
    refused(lambda: LotFactory(event=lot.event, number=lot.number))


def test_a_deposit_is_in_one_open_lot_at_a_time() -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    LotFactory(deposit=lot.deposit, status=Lot.Status.DRAFT)
    refused(lambda: LotFactory(deposit=lot.deposit, status=Lot.Status.LIVE))


def test_current_price_cannot_drop_below_the_starting_price() -> None:
    lot = LotFactory()
    refused(lambda: Lot.objects.filter(pk=lot.pk).update(current_price=Decimal("1.00")))


def test_participant_number_is_unique_per_lot() -> None:
    first = ApplicationFactory(status="admitted", participant_number=1)
    refused(lambda: ApplicationFactory(lot=first.lot, status="admitted", participant_number=1))


def test_participant_number_exactly_when_admitted() -> None:
    refused(lambda: ApplicationFactory(status="admitted", participant_number=None))
    refused(lambda: ApplicationFactory(status="submitted", participant_number=3))


def test_a_company_applies_once_per_lot() -> None:
    application = ApplicationFactory()
    refused(lambda: ApplicationFactory(lot=application.lot, company=application.company))


def test_rejections_need_a_reason() -> None:
    refused(lambda: ApplicationFactory(status="rejected", rejection_reason=""))
    refused(lambda: CompanyFactory(status=Company.Status.REJECTED, status_reason=""))


def test_payments_are_positive_and_one_of_each_kind() -> None:
    refused(lambda: PaymentFactory(amount=Decimal("0")))
    payment = PaymentFactory()
    refused(lambda: PaymentFactory(application=payment.application, kind=payment.kind))
    refused(lambda: PaymentFactory(status=Payment.Status.RECEIVED, received_at=None))


def test_beneficial_owner_share_is_within_0_and_100_percent() -> None:
    refused(lambda: BeneficialOwnerFactory(share_percent=Decimal("100.01")))
    refused(lambda: BeneficialOwnerFactory(share_percent=Decimal("0")))


def make_bid(application: Application, sequence: int, amount: str, **extra: object) -> Bid:
    return Bid.objects.create(
        lot=application.lot,
        application=application,
        participant_number=application.participant_number,
        sequence=sequence,
        amount=Decimal(amount),
        placed_at=timezone.now(),
        placed_by=UserFactory(),
        key=extra.pop("key", f"00000000-0000-0000-0000-{sequence:012d}"),
        prev_hash="0" * 64,
        hash=extra.pop("hash", f"{sequence:064d}"),
        **extra,
    )


def test_bid_sequence_and_key_are_unique_per_lot() -> None:
    application = ApplicationFactory(status="admitted", participant_number=1)
    make_bid(application, 1, "100000000.00")
    refused(lambda: make_bid(application, 1, "105000000.00", hash="f" * 64))
    refused(
        lambda: make_bid(application, 2, "105000000.00", key="00000000-0000-0000-0000-000000000001")
    )
    refused(lambda: make_bid(application, 3, "0.00"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_a_bid() -> None:
    application = ApplicationFactory(status="admitted", participant_number=1)
    bid = make_bid(application, 1, "100000000.00")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        Bid.objects.filter(pk=bid.pk).update(amount=Decimal("1"))
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        Bid.objects.filter(pk=bid.pk).delete()
    assert Bid.objects.get(pk=bid.pk).amount == Decimal("100000000.00")


def test_one_result_per_lot_and_an_award_has_a_winner() -> None:
    winner = ApplicationFactory(status="admitted", participant_number=1)
    now = timezone.now()
    refused(
        lambda: Result.objects.create(lot=winner.lot, outcome="awarded", bid_count=1, closed_at=now)
    )
    Result.objects.create(
        lot=winner.lot,
        outcome="awarded",
        winner=winner,
        winning_bonus=Decimal("1"),
        bid_count=1,
        closed_at=now,
    )
    refused(
        lambda: Result.objects.create(lot=winner.lot, outcome="failed", bid_count=0, closed_at=now)
    )


def make_licence(lot: Lot, **overrides: object) -> Licence:
    fields = {
        "number": f"KZ-E-2026-{Licence.objects.count() + 1:04d}",
        "lot": lot,
        "holder": CompanyFactory(),
        "deposit": lot.deposit,
        "licence_type": lot.licence_type,
        "term_years": lot.licence_term_years,
        "area_km2": lot.area_km2,
        "signature_bonus": Decimal("150000000.00"),
        "payment_deadline": timezone.localdate() + timedelta(days=28),
    }
    return Licence.objects.create(**{**fields, **overrides})


def test_production_licence_term_is_capped_at_25_years_in_the_registry() -> None:
    lot = LotFactory(licence_type="production", licence_term_years=25)
    refused(lambda: make_licence(lot, term_years=26))
    make_licence(lot)


def test_a_lot_has_one_standing_licence_but_may_pass_after_forfeit() -> None:
    lot = LotFactory()
    first = make_licence(lot)
    refused(lambda: make_licence(lot))
    Licence.objects.filter(pk=first.pk).update(status=Licence.Status.FORFEITED)
    make_licence(lot)


def test_active_licence_has_issue_and_later_expiry() -> None:
    lot = LotFactory()
    today = timezone.localdate()
    refused(lambda: make_licence(lot, status=Licence.Status.ACTIVE))
    refused(lambda: make_licence(lot, issued_on=today, expires_on=today))
    make_licence(
        lot, status=Licence.Status.ACTIVE, issued_on=today, expires_on=today + timedelta(days=1)
    )
