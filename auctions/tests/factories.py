import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Application, AuctionEvent, Bid, LicenceType, Lot, Payment, Result
from bidders.models import Company
from bidders.tests.factories import CompanyFactory, RepresentativeFactory, UserFactory
from deposits.tests.factories import DepositFactory


class AuctionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuctionEvent

    code = factory.Sequence(lambda n: f"event-{n}")
    name = factory.Sequence(lambda n: f"Solid minerals auction {n}")
    kzt_per_usd = Decimal("505.0000")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    event = factory.SubFactory(AuctionEventFactory)
    number = factory.Sequence(lambda n: n + 1)
    deposit = factory.SubFactory(DepositFactory)
    licence_type = LicenceType.EXPLORATION
    licence_term_years = 6
    area_km2 = Decimal("12.500")
    licensing_blocks = 5
    min_annual_work_expenditure = Decimal("25000000.00")
    starting_price = Decimal("100000000.00")
    bid_step = Decimal("5000000.00")
    participation_fee = Decimal("1000000.00")
    guarantee_deposit = Decimal("10000000.00")
    application_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    starts_at = factory.LazyAttribute(lambda lot: lot.application_deadline + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda lot: lot.starts_at + timedelta(hours=1))
    hard_end = factory.LazyAttribute(lambda lot: lot.ends_at + timedelta(minutes=30))
    status = Lot.Status.PUBLISHED


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    lot = factory.SubFactory(LotFactory)
    company = factory.SubFactory(CompanyFactory)
    terms_accepted_at = factory.LazyFunction(timezone.now)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    application = factory.SubFactory(ApplicationFactory)
    kind = Payment.Kind.GUARANTEE_DEPOSIT
    amount = Decimal("10000000.00")
    reference = factory.Sequence(lambda n: f"NDR-{n:08d}")


class LiveLotFactory(LotFactory):
    """A lot taking bids now: started a minute ago, ends in an hour, hard end an hour later."""

    status = Lot.Status.LIVE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    application_deadline = factory.LazyAttribute(lambda lot: lot.starts_at - timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda lot: lot.starts_at + timedelta(hours=1, minutes=1))
    hard_end = factory.LazyAttribute(lambda lot: lot.ends_at + timedelta(hours=1))
    soft_close_window = timedelta(minutes=5)


class SealedLotFactory(LiveLotFactory):
    """A two-stage lot in its sealed round: the round ends in half an hour, the ascending
    round half an hour later."""

    format = Lot.Format.SEALED_THEN_ASCENDING
    sealed_round_ends_at = factory.LazyAttribute(lambda lot: lot.starts_at + timedelta(minutes=31))


def admit(
    company: Company,
    lot: Lot,
    number: int,
    *,
    deposit_status: str = Payment.Status.RECEIVED,
) -> Application:
    """Make the company an admitted participant of the lot under `number`.

    Its participation fee is received; its guarantee deposit has `deposit_status`.
    Zero amounts are owed nothing, as `services.required_payments` says.
    """
    now = timezone.now()
    application = ApplicationFactory(
        lot=lot,
        company=company,
        status=Application.Status.ADMITTED,
        participant_number=number,
        decided_at=now,
    )
    if lot.participation_fee > 0:
        PaymentFactory(
            application=application,
            kind=Payment.Kind.PARTICIPATION_FEE,
            amount=lot.participation_fee,
            status=Payment.Status.RECEIVED,
            received_at=now,
        )
    if lot.guarantee_deposit > 0:
        PaymentFactory(
            application=application,
            kind=Payment.Kind.GUARANTEE_DEPOSIT,
            amount=lot.guarantee_deposit,
            status=deposit_status,
            received_at=None if deposit_status == Payment.Status.AWAITING else now,
        )
    return application


def admitted_representative(
    lot: Lot,
    number: int,
    *,
    username: str | None = None,
    deposit_status: str = Payment.Status.RECEIVED,
    second_factor: bool = True,
    **company: object,
) -> AbstractBaseUser:
    """Return a user who represents a new approved company admitted to the lot as `number`;
    with an authenticator app unless `second_factor` is False."""
    representative = RepresentativeFactory(
        company=CompanyFactory(**company),
        second_factor=second_factor,
        **({"user__username": username} if username else {}),
    )
    admit(representative.company, lot, number, deposit_status=deposit_status)
    return representative.user


class FinishedLotFactory(LotFactory):
    """A lot whose auction ran two hours ago; `place_bids` and `finish` give it a history."""

    status = Lot.Status.CLOSED
    application_deadline = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    ends_at = factory.LazyAttribute(lambda lot: lot.starts_at + timedelta(hours=1))


def place_bids(
    lot: Lot, offers: list[tuple[Application, str]], *, start: datetime | None = None
) -> list[Bid]:
    """Append bids to the lot's hash chain as the engine does, seconds apart, and move the
    lot's price, leader and chain head. Bids are only ever created, never changed."""
    start = start or lot.starts_at + timedelta(minutes=1)
    bids = []
    for offset, (application, amount) in enumerate(offers):
        sequence = lot.bid_count + 1
        prev_hash = lot.last_bid_hash or GENESIS_HASH
        placed_at = start + timedelta(seconds=7 * offset, microseconds=(123457 * offset) % 10**6)
        representative = application.company.representatives.select_related("user").first()
        bid = Bid.objects.create(
            lot=lot,
            application=application,
            participant_number=application.participant_number,
            sequence=sequence,
            amount=Decimal(amount),
            placed_at=placed_at,
            placed_by=representative.user if representative else UserFactory(),
            key=uuid.uuid4(),
            prev_hash=prev_hash,
            hash=bid_hash(
                prev_hash=prev_hash,
                lot_id=lot.pk,
                sequence=sequence,
                participant_number=application.participant_number,
                amount=Decimal(amount),
                placed_at=placed_at,
            ),
        )
        lot.bid_count, lot.last_bid_hash = sequence, bid.hash
        lot.current_price, lot.leader = bid.amount, application
        bids.append(bid)
    lot.save(update_fields=["bid_count", "last_bid_hash", "current_price", "leader"])
    return bids


def finish(lot: Lot) -> Result:
    """Record the lot's result as the engine's close does: the leader wins at the current
    price; without bids the lot fails."""
    closed_at = lot.ends_at
    if lot.leader_id is None:
        lot.status = Lot.Status.FAILED
        lot.save(update_fields=["status"])
        return Result.objects.create(
            lot=lot, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=closed_at
        )
    lot.status = Lot.Status.CLOSED
    lot.save(update_fields=["status"])
    return Result.objects.create(
        lot=lot,
        outcome=Result.Outcome.AWARDED,
        winner_id=lot.leader_id,
        winning_bonus=lot.current_price,
        bid_count=lot.bid_count,
        closed_at=closed_at,
    )


def pay_in_full(payment: Payment, recorded_by: AbstractBaseUser) -> Payment:
    """Record the bank crediting exactly what the payment owes, today."""
    return services.record_bank_payment(
        payment_id=payment.pk,
        recorded_by=recorded_by,
        amount=payment.amount,
        value_date=timezone.localdate(),
        bank_reference=f"BANK-{payment.reference}",
    )


def record_credit_in_admin(client: Client, payment: Payment, amount: Decimal | None = None):
    """Post one bank credit through the admin's record form, following the redirect."""
    return client.post(
        reverse("admin:auctions_payment_record", args=[payment.pk]),
        {
            "amount": str(payment.amount if amount is None else amount),
            "value_date": timezone.localdate().isoformat(),
            "bank_reference": f"BANK-{payment.reference}",
        },
        follow=True,
    )
