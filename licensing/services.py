"""Licences: offering a won lot's licence, its bonus payment, forfeit and expiry.

Every service that touches a lot's licences locks the lot row first, then the licence:
one order everywhere, so they serialise per lot and never deadlock.
"""

import logging
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import engine
from auctions.models import Application, Bid, LicenceType, Lot, Payment, Result
from bidders.models import Company
from core.errors import DomainError
from deposits.models import Deposit
from licensing import notices
from licensing.models import Licence, LicenceNumberSeries
from licensing.workdays import add_working_days

logger = logging.getLogger(__name__)

# The winner pays the signature bonus within this many working days of the results protocol.
PAYMENT_WORKING_DAYS = 20
SERIES_LETTERS: dict[str, str] = {LicenceType.EXPLORATION: "E", LicenceType.PRODUCTION: "P"}
# Licences that hold the deposit: while one stands, the deposit is not free to offer.
STANDING_STATUSES = (Licence.Status.ACTIVE, Licence.Status.SUSPENDED)


def add_years(day: date, years: int) -> date:
    """Return the same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_licence_number(*, licence_type: str, year: int) -> str:
    """Take the next number of the type's series for the year, e.g. KZ-P-2026-0001.

    Call inside the transaction that stores the licence: a rollback gives the number back.
    """
    prefix = f"KZ-{SERIES_LETTERS[licence_type]}-{year}"
    # get_or_create survives two first licences of a year racing to create the series row.
    LicenceNumberSeries.objects.get_or_create(prefix=prefix)
    # Lock the series: two licences numbered at once would otherwise take the same number.
    series = LicenceNumberSeries.objects.select_for_update().get(prefix=prefix)
    series.last_number += 1
    series.save(update_fields=["last_number"])
    return f"{prefix}-{series.last_number:04d}"


@transaction.atomic
def settle_lot(*, lot_id: int) -> Licence | None:
    """Offer a won lot's licence to its winner and release the other guarantee deposits.

    A closed lot with an awarded result gets a licence awaiting payment of the winning
    bonus, due 20 working days after the results protocol; the winner's deposit is applied
    to the bonus, every other received deposit is due for refund. A failed or cancelled
    lot releases every received deposit. Repeatable: a settled lot changes nothing and
    returns its standing licence. Returns None when there is no licence to offer.
    """
    # Lock the lot: two workers settling it at once would both offer a licence, and the
    # forfeit job passing the licence on must not interleave with a late settlement.
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    if lot.status not in Lot.FINISHED_STATUSES:
        return None
    result = Result.objects.filter(lot=lot).first()
    if (
        lot.status != Lot.Status.CLOSED
        or result is None
        or result.outcome != Result.Outcome.AWARDED
        # Never true for an awarded result (Result's constraint); it tells the type checker.
        or result.winner_id is None
    ):
        _release_deposits(lot)
        return None
    if lot.licences.exists():
        # Settled before, perhaps passed on since: return the standing licence, if any.
        return lot.licences.exclude(status=Licence.Status.FORFEITED).first()
    winner = Application.objects.get(pk=result.winner_id)
    licence = _offer_licence(
        lot,
        winner,
        signature_bonus=result.winning_bonus,
        offered_on=timezone.localdate(result.closed_at),
    )
    _guarantee_deposits(lot).filter(application=winner, status=Payment.Status.RECEIVED).update(
        status=Payment.Status.APPLIED
    )
    _release_deposits(lot)
    licence_id = licence.pk
    transaction.on_commit(lambda: notices.send_licence_offer.delay(licence_id), robust=True)
    return licence


def refuse_deposit_awaiting_payment(*, deposit: Deposit) -> None:
    """Refuse to offer a deposit again while a winner still has time to pay for its licence.

    Until the licence is forfeited down the whole bid ladder, the deposit is promised.
    Raises DomainError deposit_licence_pending.
    """
    if deposit.licences.filter(status=Licence.Status.AWAITING_PAYMENT).exists():
        raise DomainError(
            "deposit_licence_pending",
            _("%(deposit)s was won at auction and its licence awaits payment.")
            % {"deposit": deposit.name},
        )


@transaction.atomic
def record_bonus_payment(*, licence_id: int, recorded_by: User) -> Licence:
    """Record the signature bonus paid: the licence is active from today for its term.

    The deposit becomes licensed. Raises DomainError licence_not_awaiting_payment when
    the licence was paid, forfeited or otherwise settled already.
    """
    lot_id = Licence.objects.values_list("lot_id", flat=True).get(pk=licence_id)
    # Lock the lot, then the licence (the forfeit job's order): a payment recorded while
    # the job forfeits this licence lands either first, and the job leaves the licence
    # alone, or after, and is refused here.
    Lot.objects.select_for_update().get(pk=lot_id)
    licence = Licence.objects.select_for_update().get(pk=licence_id)
    if licence.status != Licence.Status.AWAITING_PAYMENT:
        raise DomainError(
            "licence_not_awaiting_payment",
            _("Licence %(number)s is %(status)s; its bonus cannot be recorded.")
            % {"number": licence.number, "status": licence.get_status_display().lower()},
        )
    today = timezone.localdate()
    licence.status = Licence.Status.ACTIVE
    licence.issued_on = today
    licence.expires_on = add_years(today, licence.term_years)
    licence.bonus_recorded_at = timezone.now()
    licence.bonus_recorded_by = recorded_by
    licence.save(
        update_fields=[
            "status",
            "issued_on",
            "expires_on",
            "bonus_recorded_at",
            "bonus_recorded_by",
        ]
    )
    Deposit.objects.filter(pk=licence.deposit_id).update(status=Deposit.Status.LICENSED)
    transaction.on_commit(lambda: notices.send_licence_issued.delay(licence_id), robust=True)
    return licence


def forfeit_overdue_licences(*, today: date | None = None) -> list[int]:
    """Forfeit every licence whose bonus is unpaid past its deadline; return their ids.

    Each licence is forfeited in its own transaction (see `forfeit_licence`), so one
    failure leaves the others done; the job runs again and picks up what is left.
    """
    today = today or timezone.localdate()
    overdue = Licence.objects.filter(
        status=Licence.Status.AWAITING_PAYMENT, payment_deadline__lt=today
    ).values_list("pk", flat=True)
    forfeited = []
    for licence_id in list(overdue):
        try:
            forfeit_licence(licence_id=licence_id, today=today)
        except DomainError as error:
            # Paid or forfeited by someone else between the query and the lock.
            logger.info("Licence %s not forfeited: %s", licence_id, error)
        else:
            forfeited.append(licence_id)
    return forfeited


@transaction.atomic
def forfeit_licence(*, licence_id: int, today: date | None = None) -> Licence:
    """Forfeit a licence unpaid past its deadline and pass the duty to pay on.

    The holder's applied deposit is forfeited. The next-highest bidder that has not
    forfeited this lot is offered a licence at its own highest bid, due 20 working days
    from today; with nobody left the lot fails and its deposit may be offered again.
    Raises DomainError licence_not_overdue when the licence is not awaiting payment past
    its deadline.
    """
    today = today or timezone.localdate()
    lot_id = Licence.objects.values_list("lot_id", flat=True).get(pk=licence_id)
    # Lock the lot, then the licence: a bonus payment recorded at this moment, a second
    # run of the job, or a late settlement must see this forfeit whole, or be seen by it.
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    licence = Licence.objects.select_for_update().get(pk=licence_id)
    if licence.status != Licence.Status.AWAITING_PAYMENT or licence.payment_deadline >= today:
        raise DomainError(
            "licence_not_overdue",
            _("Licence %(number)s is not awaiting a payment past its deadline.")
            % {"number": licence.number},
        )
    licence.status = Licence.Status.FORFEITED
    licence.save(update_fields=["status"])
    _guarantee_deposits(lot).filter(
        application__company_id=licence.holder_id, status=Payment.Status.APPLIED
    ).update(status=Payment.Status.FORFEITED)
    transaction.on_commit(lambda: notices.send_licence_forfeited.delay(licence_id), robust=True)

    successor = _next_highest_bid(lot)
    if successor is not None:
        application_id, amount = successor
        offer = _offer_licence(
            lot,
            Application.objects.get(pk=application_id),
            signature_bonus=amount,
            offered_on=today,
        )
        offer_id = offer.pk
        transaction.on_commit(lambda: notices.send_licence_offer.delay(offer_id), robust=True)
        return licence

    _release_deposits(lot)
    engine.fail_unpaid_lot(lot_id=lot.pk)
    return licence


@transaction.atomic
def expire_licences(*, today: date | None = None) -> int:
    """Expire every active licence whose term has run out; return how many expired.

    A deposit left without a licence in force becomes available to offer again.
    """
    today = today or timezone.localdate()
    due = Licence.objects.filter(status=Licence.Status.ACTIVE, expires_on__lte=today)
    deposit_ids = set(due.values_list("deposit_id", flat=True))
    expired = due.update(status=Licence.Status.EXPIRED)
    (
        Deposit.objects.filter(pk__in=deposit_ids, status=Deposit.Status.LICENSED)
        .exclude(licences__status__in=STANDING_STATUSES)
        .update(status=Deposit.Status.AVAILABLE)
    )
    return expired


def _offer_licence(
    lot: Lot, application: Application, *, signature_bonus: Decimal, offered_on: date
) -> Licence:
    """Create the lot's licence for the applicant's company, awaiting its bonus."""
    return Licence.objects.create(
        number=next_licence_number(licence_type=lot.licence_type, year=offered_on.year),
        lot=lot,
        holder_id=application.company_id,
        deposit_id=lot.deposit_id,
        licence_type=lot.licence_type,
        term_years=lot.licence_term_years,
        area_km2=lot.area_km2,
        signature_bonus=signature_bonus,
        payment_deadline=add_working_days(offered_on, PAYMENT_WORKING_DAYS),
    )


def _guarantee_deposits(lot: Lot) -> QuerySet[Payment]:
    return Payment.objects.filter(application__lot=lot, kind=Payment.Kind.GUARANTEE_DEPOSIT)


def _release_deposits(lot: Lot) -> None:
    """Make every deposit of the lot still held (received in full or short, not applied)
    due for refund."""
    _guarantee_deposits(lot).filter(
        status__in=[Payment.Status.RECEIVED, Payment.Status.SHORT]
    ).update(status=Payment.Status.REFUND_DUE)


def _next_highest_bid(lot: Lot) -> tuple[int, Decimal] | None:
    """Return (application id, its highest bid) of the best bidder not yet offered the lot."""
    offered = Licence.objects.filter(lot=lot).values("holder_id")
    best = (
        Bid.objects.filter(
            lot=lot,
            application__status=Application.Status.ADMITTED,
            # A suspended company is offered nothing; the duty passes over it.
            application__company__status=Company.Status.APPROVED,
        )
        .exclude(application__company_id__in=offered)
        .values("application_id")
        .annotate(highest=Max("amount"))
        .order_by("-highest", "application_id")
        .first()
    )
    return None if best is None else (best["application_id"], best["highest"])
