"""Lots that went through an auction, built row by row, and licences made from them."""

import uuid
from datetime import date, datetime
from decimal import Decimal

import factory
from django.utils import timezone

from auctions.models import Application, AuctionEvent, Bid, Lot, PublishedResult, Result
from auctions.tests.factories import LotFactory, admit
from bidders.models import Company
from bidders.tests.factories import CompanyFactory, UserFactory
from deposits.models import Deposit
from licensing.models import Licence


class BidFactory(factory.django.DjangoModelFactory):
    """A bid row as the engine appends it; the hash is random, these tests do not verify it."""

    class Meta:
        model = Bid

    lot = factory.LazyAttribute(lambda bid: bid.application.lot)
    participant_number = factory.LazyAttribute(lambda bid: bid.application.participant_number)
    sequence = factory.LazyAttribute(lambda bid: bid.lot.bids.count() + 1)
    placed_at = factory.LazyFunction(timezone.now)
    placed_by = factory.SubFactory(UserFactory)
    key = factory.LazyFunction(uuid.uuid4)
    prev_hash = "0" * 64
    hash = factory.LazyFunction(lambda: uuid.uuid4().hex + uuid.uuid4().hex)


def astana(*args: int) -> datetime:
    """Return an aware moment in Astana time."""
    return timezone.make_aware(datetime(*args))  # noqa: DTZ001 (made aware at once)


def auctioned_lot(
    bids: list[tuple[str, str]],
    *,
    companies: dict[str, Company] | None = None,
    closed_at: datetime | None = None,
    **lot_fields: object,
) -> tuple[Lot, dict[str, Application]]:
    """Return a lot closed after `bids` (company name, amount), awarded to the highest.

    Every named company is an admitted participant with its deposit received.
    """
    lot = LotFactory(**lot_fields)
    Deposit.objects.filter(pk=lot.deposit_id).update(status=Deposit.Status.OFFERED)
    companies = companies or {}
    applications: dict[str, Application] = {}
    for name, _amount in bids:
        if name not in applications:
            company = companies.get(name) or CompanyFactory(legal_name=name)
            applications[name] = admit(company, lot, len(applications) + 1)
    for name, amount in bids:
        BidFactory(application=applications[name], amount=Decimal(amount))
    close(lot, closed_at=closed_at)
    return lot, applications


def close(lot: Lot, *, closed_at: datetime | None = None) -> Result:
    """Close the lot as the engine does: awarded to the highest bid, or failed without bids."""
    closed_at = closed_at or astana(2026, 6, 1, 12, 0)
    top = lot.bids.order_by("-amount").first()
    if top is None:
        lot.status = Lot.Status.FAILED
        result = Result.objects.create(
            lot=lot, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=closed_at
        )
    else:
        lot.status = Lot.Status.CLOSED
        result = Result.objects.create(
            lot=lot,
            outcome=Result.Outcome.AWARDED,
            winner=top.application,
            winning_bonus=top.amount,
            bid_count=lot.bids.count(),
            closed_at=closed_at,
        )
    lot.save(update_fields=["status"])
    return result


class LicenceFactory(factory.django.DjangoModelFactory):
    """A licence in force, straight in the table (for registry and certificate tests)."""

    class Meta:
        model = Licence

    number = factory.Sequence(lambda n: f"KZ-E-2026-{n + 1:04d}")
    lot = factory.SubFactory(LotFactory, status=Lot.Status.CLOSED)
    holder = factory.SubFactory(CompanyFactory)
    deposit = factory.LazyAttribute(lambda licence: licence.lot.deposit)
    licence_type = factory.LazyAttribute(lambda licence: licence.lot.licence_type)
    term_years = factory.LazyAttribute(lambda licence: licence.lot.licence_term_years)
    area_km2 = Decimal("12.500")
    signature_bonus = Decimal("150000000.00")
    payment_deadline = date(2026, 6, 29)
    status = Licence.Status.ACTIVE
    issued_on = date(2026, 6, 15)
    expires_on = date(2032, 6, 15)

    @factory.post_generation
    def published(licence: Licence, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Publish the lot's result with its licence (the registry lists only those);
        `published=False` leaves the event unpublished."""
        if not create or extracted is False:
            return
        publish_lot_result(licence.lot, winner=licence.holder, bonus=licence.signature_bonus)


def publish_lot_result(lot: Lot, *, winner: Company, bonus: Decimal) -> PublishedResult:
    """Publish the event's results with the lot's result awarded to `winner`, straight in
    the tables (as publish_results would leave them)."""
    now = timezone.now()
    AuctionEvent.objects.filter(pk=lot.event_id, results_published_at__isnull=True).update(
        results_published_at=now
    )
    lot.event.refresh_from_db(fields=["results_published_at"])
    published, _created = PublishedResult.objects.get_or_create(
        lot=lot,
        defaults={
            "outcome": Result.Outcome.AWARDED,
            "winner_legal_name": winner.legal_name,
            "winner_country": winner.country,
            "winner_participant_number": 1,
            "winning_bonus": bonus,
            "bid_count": 1,
            "closed_at": now,
            "published_at": now,
        },
    )
    return published
