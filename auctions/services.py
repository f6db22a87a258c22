import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from auctions import notices, selectors, signals
from auctions.models import (
    Application,
    AuctionEvent,
    Erratum,
    LicenceType,
    Lot,
    Payment,
    PublishedResult,
    Result,
)
from bidders.models import Company
from bidders.services import refuse_staff
from core.errors import DomainError
from core.money import CENT, DECIMAL_PLACES, MAX_DIGITS
from deposits.models import Deposit, Reserve

logger = logging.getLogger(__name__)

ADMISSION_LOT_STATUSES = (Lot.Status.PUBLISHED,)
# Participant numbers are drawn from 1..this (or more, for a lot with more applicants),
# however many have applied so far: a range that grew with the applications would hand the
# first admitted number 1, and numbers roughly in admission order.
PARTICIPANT_NUMBERS = 99
# The largest count of bids every database's integer column holds.
MAX_BID_COUNT = 2_147_483_647


def required_payments(lot: Lot) -> dict[Payment.Kind, Decimal]:
    """Return what an applicant for the lot must pay, by payment kind (zero means nothing)."""
    amounts = {
        Payment.Kind.PARTICIPATION_FEE: lot.participation_fee,
        Payment.Kind.GUARANTEE_DEPOSIT: lot.guarantee_deposit,
    }
    return {kind: amount for kind, amount in amounts.items() if amount > 0}


def payment_reference(application: Application, kind: str) -> str:
    """Return the reference a company quotes in its transfer: lot, application and kind."""
    suffixes: dict[str, str] = {
        Payment.Kind.PARTICIPATION_FEE: "F",
        Payment.Kind.GUARANTEE_DEPOSIT: "D",
    }
    suffix = suffixes[kind]
    return f"NDR-{application.lot_id:05d}-{application.pk:06d}-{suffix}"


@transaction.atomic
def apply_for_lot(*, user: User, lot_id: int, accept_terms: bool) -> Application:
    """Apply for a published lot for the user's company, with the payments it owes.

    Raises DomainError when the user is ministry staff, the terms are not accepted, the
    user represents no approved company, the lot is not open or past its deadline, or the
    company already applied.
    """
    refuse_staff(user)
    if not accept_terms:
        raise DomainError("terms_not_accepted", _("Accept the lot's terms to apply."))
    # Lock the company: a suspension at the same moment must not let this application in.
    company = Company.objects.select_for_update().filter(representatives__user=user).first()
    if company is None:
        raise DomainError("not_a_representative", _("Register your company first."))
    if not company.is_approved:
        raise DomainError(
            "company_not_approved",
            _("Your company is %(status)s; only approved companies may apply.")
            % {"status": company.get_status_display().lower()},
        )
    # Share-lock the lot: a clerk cancelling it must not interleave with this application.
    lot = Lot.objects.select_for_update().filter(pk=lot_id).first()
    if lot is None or lot.status == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", _("There is no such lot open to the public."))
    if lot.status != Lot.Status.PUBLISHED:
        raise DomainError(
            "lot_not_open",
            _("Lot %(number)s is not open for applications.") % {"number": lot.number},
        )
    now = timezone.now()
    if now >= lot.application_deadline:
        raise DomainError("deadline_passed", _("The application deadline for this lot has passed."))
    if Application.objects.filter(lot=lot, company=company).exists():
        raise DomainError("already_applied", _("Your company has already applied for this lot."))
    application = Application.objects.create(lot=lot, company=company, terms_accepted_at=now)
    Payment.objects.bulk_create(
        Payment(
            application=application,
            kind=kind,
            amount=amount,
            reference=payment_reference(application, kind),
        )
        for kind, amount in required_payments(lot).items()
    )
    return application


@transaction.atomic
def record_bank_payment(
    *,
    payment_id: int,
    recorded_by: User,
    amount: Decimal,
    value_date: date,
    bank_reference: str,
) -> Payment:
    """Record one bank credit against a payment, as the bank statement shows it.

    Credits add up: once they reach the amount owed the payment is received (admission
    counts it), and whatever exceeds it is flagged for refund (`Payment.excess`); below it
    the payment is received short, not counted, until a further credit makes up the rest.
    Raises DomainError: invalid_amount, bank_reference_required, value_date_in_future,
    value_date_before_application, application_closed, payment_not_awaited.

    This is the seam a bank feed plugs into: it calls this with each credit it reads.
    """
    bank_reference = (bank_reference or "").strip()
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise DomainError("invalid_amount", _("The amount received must be positive."))
    try:
        cents = amount.quantize(CENT)
    except ArithmeticError:  # beyond the decimal context's precision: absurdly large
        cents = None
    if cents is None or cents != amount or len(cents.as_tuple().digits) > MAX_DIGITS:
        raise DomainError(
            "invalid_amount", _("Write the amount received in tenge with at most two decimals.")
        )
    if not bank_reference:
        raise DomainError(
            "bank_reference_required",
            _("Give the bank's reference of the credit, as the bank statement shows it."),
        )
    if value_date > timezone.localdate():
        raise DomainError(
            "value_date_in_future",
            _("The value date %(date)s is in the future: record a credit once the bank made it.")
            % {"date": value_date.isoformat()},
        )
    # Lock so that a clerk and a bank feed recording credits at once add both, each once.
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=payment_id)
    )
    application = payment.application
    if value_date < timezone.localdate(application.submitted_at):
        raise DomainError(
            "value_date_before_application",
            _(
                "The value date %(date)s is before the application was made: this credit "
                "cannot pay it."
            )
            % {"date": value_date.isoformat()},
        )
    if application.status != Application.Status.SUBMITTED:
        raise DomainError(
            "application_closed",
            _("The application is %(status)s; its payments are settled by refund, not recorded.")
            % {"status": application.get_status_display().lower()},
        )
    if payment.status not in (Payment.Status.AWAITING, Payment.Status.SHORT):
        raise DomainError(
            "payment_not_awaited",
            _("Payment %(reference)s is already %(status)s.")
            % {"reference": payment.reference, "status": payment.get_status_display().lower()},
        )
    references = (
        [payment.bank_reference, bank_reference] if payment.bank_reference else [bank_reference]
    )
    joined = "; ".join(references)
    limit = Payment._meta.get_field("bank_reference").max_length
    if limit is not None and len(joined) > limit:
        raise DomainError(
            "bank_reference_too_long", _("The bank references of this payment are too long.")
        )
    payment.amount_received = (payment.amount_received or Decimal("0.00")) + amount
    payment.value_date = value_date
    payment.bank_reference = joined
    payment.status = (
        Payment.Status.RECEIVED
        if payment.amount_received >= payment.amount
        else Payment.Status.SHORT
    )
    payment.received_at = timezone.now()
    payment.recorded_by = recorded_by
    payment.save(
        update_fields=[
            "amount_received",
            "value_date",
            "bank_reference",
            "status",
            "received_at",
            "recorded_by",
        ]
    )
    logger.info(
        "Credit %s of %s recorded against payment %s by user %s: %s",
        bank_reference,
        amount,
        payment.reference,
        recorded_by.pk,
        payment.status,
    )
    return payment


@transaction.atomic
def record_refund(*, payment_id: int, recorded_by: User) -> Payment:
    """Record a guarantee deposit refunded to its payer.

    Raises DomainError payment_not_refund_due unless the deposit was due for refund.
    """
    # Lock the payment: two clerks recording the same refund record it once.
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != Payment.Status.REFUND_DUE:
        raise DomainError(
            "payment_not_refund_due",
            _("Payment %(reference)s is %(status)s, not due for refund.")
            % {"reference": payment.reference, "status": payment.get_status_display().lower()},
        )
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["status"])
    logger.info("Refund of payment %s recorded by user %s", payment.reference, recorded_by.pk)
    return payment


@transaction.atomic
def admit_application(*, application_id: int, decided_by: User) -> Application:
    """Admit an application and give it the lot's next participant number.

    Raises DomainError when the application was already decided, the company is not
    approved, a payment is still awaited, or the lot no longer takes participants.
    """
    lot_id = Application.objects.values_list("lot_id", flat=True).get(pk=application_id)
    # Lock the lot: two admissions at once would otherwise both take the same next number.
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    # Lock the application and its company: a rejection or a suspension racing this
    # admission must see it, or be seen by it.
    application = (
        Application.objects.select_for_update(of=("self", "company"))
        .select_related("company")
        .get(pk=application_id)
    )
    if application.status != Application.Status.SUBMITTED:
        raise DomainError(
            "already_decided",
            _("The application is already %(status)s.")
            % {"status": application.get_status_display().lower()},
        )
    if lot.status not in ADMISSION_LOT_STATUSES:
        raise DomainError(
            "lot_not_open",
            _("Lot %(number)s is %(status)s.")
            % {"number": lot.number, "status": lot.get_status_display().lower()},
        )
    if not application.company.is_approved:
        raise DomainError("company_not_approved", _("The company is not approved."))
    # Only payments received in full count: one received short still owes the difference.
    received = set(
        application.payments.filter(status=Payment.Status.RECEIVED).values_list("kind", flat=True)
    )
    missing = [
        str(Payment.Kind(kind).label) for kind in required_payments(lot) if kind not in received
    ]
    if missing:
        raise DomainError(
            "payment_missing",
            _("Not received in full yet: %(payments)s.") % {"payments": "; ".join(missing)},
        )
    application.status = Application.Status.ADMITTED
    application.participant_number = _draw_participant_number(lot)
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.save(update_fields=["status", "participant_number", "decided_at", "decided_by"])
    transaction.on_commit(
        lambda: notices.send_application_decision.delay(application.pk), robust=True
    )
    return application


def _draw_participant_number(lot: Lot) -> int:
    """Return a free participant number of the lot, drawn at random.

    Numbers are not given in admission order: whoever admits could otherwise tell which
    company bids as which number. Drawn from the same range whenever the admission comes
    (`PARTICIPANT_NUMBERS`, or the lot's applications if more), so neither the order nor
    the number of applications so far says anything; the caller holds the lot's lock.
    """
    applications = lot.applications.exclude(
        status__in=[Application.Status.REJECTED, Application.Status.WITHDRAWN]
    )
    taken = set(
        applications.filter(participant_number__isnull=False).values_list(
            "participant_number", flat=True
        )
    )
    ceiling = max(PARTICIPANT_NUMBERS, applications.count(), len(taken) + 1)
    free = [number for number in range(1, ceiling + 1) if number not in taken]
    return secrets.choice(free)


@transaction.atomic
def reject_application(*, application_id: int, reason: str, decided_by: User) -> Application:
    """Reject a submitted application with a reason; raises DomainError otherwise."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("A rejection needs a reason."))
    # Lock so a rejection cannot interleave with an admission of the same application.
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Application.Status.SUBMITTED:
        raise DomainError(
            "already_decided",
            _("The application is already %(status)s.")
            % {"status": application.get_status_display().lower()},
        )
    application.status = Application.Status.REJECTED
    application.rejection_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    transaction.on_commit(
        lambda: notices.send_application_decision.delay(application.pk), robust=True
    )
    return application


@transaction.atomic
def publish_lot(*, lot_id: int) -> Lot:
    """Open a draft lot for applications and mark its deposit offered.

    Raises DomainError when the lot is not a draft, its deadline has passed, the deposit
    is licensed or offered in another open lot, has no reserves recorded at all, or (for a
    production lot) no confirmed balance reserves.
    """
    # Lock the lot so a double click publishes once; the deposit row, so two lots of one
    # deposit cannot be published at the same time.
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    deposit = Deposit.objects.select_for_update().get(pk=lot.deposit_id)
    if lot.status != Lot.Status.DRAFT:
        raise DomainError(
            "not_draft",
            _("Lot %(number)s is already %(status)s.")
            % {"number": lot.number, "status": lot.get_status_display()},
        )
    if AuctionEvent.objects.filter(pk=lot.event_id, results_published_at__isnull=False).exists():
        raise DomainError(
            "results_published",
            _("The results of this lot's event are published: offer it in another event."),
        )
    if lot.application_deadline <= timezone.now():
        raise DomainError("deadline_passed", _("The application deadline has already passed."))
    if lot.is_auction_too_late:
        raise DomainError(
            "auction_too_late",
            _("The auction must be held at most two months after the application deadline."),
        )
    if deposit.status == Deposit.Status.LICENSED:
        raise DomainError(
            "deposit_licensed",
            _("%(deposit)s is already licensed.") % {"deposit": deposit.name},
        )
    # Licensing may still promise the deposit to a winner that has time to pay: it refuses
    # here, through the signal, as auctions never asks the layer above it.
    signals.lot_publishing.send(sender=Lot, lot=lot, deposit=deposit)
    if deposit.lots.exclude(pk=lot.pk).filter(status__in=Lot.OPEN_STATUSES).exists():
        raise DomainError(
            "deposit_offered",
            _("%(deposit)s is already offered in another lot.") % {"deposit": deposit.name},
        )
    # Bidders price a lot on its reserves: a deposit without any is nothing to bid on,
    # whatever the licence type.
    if not deposit.reserves.exists():
        raise DomainError(
            "no_reserves",
            _(
                "%(deposit)s has no reserves recorded. Add at least one reserve (any "
                "category) to the deposit before publishing lot %(number)s."
            )
            % {"deposit": deposit.name, "number": lot.number},
        )
    if (
        lot.licence_type == LicenceType.PRODUCTION
        and not deposit.reserves.filter(category__in=Reserve.BALANCE_CATEGORIES).exists()
    ):
        raise DomainError(
            "no_balance_reserves",
            _("A production licence needs confirmed balance reserves (A, B, C1 or C2)."),
        )
    lot.status = Lot.Status.PUBLISHED
    lot.save(update_fields=["status"])
    deposit.status = Deposit.Status.OFFERED
    deposit.save(update_fields=["status"])
    return lot


# --- Results ------------------------------------------------------------------------------


@transaction.atomic
def publish_results(
    *, event_id: int, published_by: User | None = None, early: bool = False
) -> AuctionEvent:
    """Publish an event's results and email its participants after commit.

    Publishes only once every offered (non-draft) lot has finished, unless staff ask
    `early`: lots still running then stay hidden until they finish. Raises DomainError:
    already_published, no_finished_lots, lots_unfinished.
    """
    # Lock the event: the beat job and a clerk publishing at the same moment must publish,
    # and email the participants, once.
    event = AuctionEvent.objects.select_for_update().get(pk=event_id)
    if event.are_results_published:
        raise DomainError(
            "already_published",
            _("The results of %(event)s are already published.") % {"event": event.name},
        )
    # No lock on the lots: a finished lot never reopens, so what is finished now stays so.
    statuses = dict(event.lots.exclude(status=Lot.Status.DRAFT).values_list("number", "status"))
    unfinished = sorted(
        number for number, status in statuses.items() if status not in Lot.FINISHED_STATUSES
    )
    if len(unfinished) == len(statuses):
        raise DomainError(
            "no_finished_lots",
            _("No lot of %(event)s has finished yet: there is nothing to publish.")
            % {"event": event.name},
        )
    if unfinished and not early:
        raise DomainError(
            "lots_unfinished",
            ngettext(
                "Lot %(numbers)s has not finished yet.",
                "Lots %(numbers)s have not finished yet.",
                len(unfinished),
            )
            % {"numbers": ", ".join(map(str, unfinished))},
        )
    event.results_published_at = timezone.now()
    event.save(update_fields=["results_published_at"])
    snapshot_finished_lots(event, published_at=event.results_published_at)
    logger.info(
        "Results of event %s published by %s%s",
        event.code,
        published_by or "the scheduled job",
        f" with lots {unfinished} unfinished" if unfinished else "",
    )
    transaction.on_commit(lambda: notices.send_results_notices.delay(event_id), robust=True)
    return event


def publish_finished_events() -> list[int]:
    """Publish the results of every unpublished event whose offered lots have all finished
    (at least one of them); return the ids published."""
    lots = Lot.objects.filter(event=OuterRef("pk")).exclude(status=Lot.Status.DRAFT)
    due = list(
        AuctionEvent.objects.filter(results_published_at__isnull=True)
        .filter(Exists(lots))
        .exclude(Exists(lots.exclude(status__in=Lot.FINISHED_STATUSES)))
        .values_list("pk", flat=True)
    )
    published = []
    for event_id in due:
        try:
            publish_results(event_id=event_id)
        except DomainError as refusal:
            # Staff published it since the query ran; the service re-checked under its lock.
            logger.info("Event %s not published: %s", event_id, refusal)
        else:
            published.append(event_id)
    publish_late_results()
    return published


def snapshot_finished_lots(event: AuctionEvent, *, published_at: datetime) -> list[PublishedResult]:
    """Write the published result of every finished lot of the published event that has
    none yet: its winner's name and country as they stand now, its bonus and bid count.

    The caller holds the event's lock, so two publishers never snapshot the same lot.
    """
    lots = list(
        Lot.objects.filter(
            event=event, status__in=Lot.FINISHED_STATUSES, published_result__isnull=True
        ).select_related("result", "result__winner", "result__winner__company")
    )
    participants: dict[int, list[dict[str, object]]] = {lot.pk: [] for lot in lots}
    for application in selectors.participants.admitted_participants_of_lots(
        [lot.pk for lot in lots]
    ):
        participants[application.lot_id].append(
            {
                "number": application.participant_number,
                "legal_name": application.company.legal_name,
                # django-countries' stubs leave the field a CharField (str) to the plugin;
                # the instance attribute is a Country.
                "country": application.company.country.code,  # type: ignore[attr-defined]
            }
        )
    snapshots = []
    for lot in lots:
        result = getattr(lot, "result", None)
        awarded = result is not None and result.outcome == Result.Outcome.AWARDED
        winner = result.winner if result is not None and awarded else None
        snapshots.append(
            PublishedResult(
                lot=lot,
                outcome=Result.Outcome.AWARDED if awarded else Result.Outcome.FAILED,
                winner_legal_name=winner.company.legal_name if winner else "",
                winner_country=winner.company.country.code if winner else "",
                winner_participant_number=winner.participant_number if winner else None,
                winning_bonus=result.winning_bonus if result is not None and awarded else None,
                bid_count=result.bid_count if result is not None else lot.bid_count,
                closed_at=result.closed_at if result is not None else None,
                participants=participants[lot.pk],
                published_at=published_at,
                # A lot closed before results recorded ceilings, or cancelled, has no Result
                # field to copy: its own rule, and no winner's ceiling.
                bid_ceiling=result.bid_ceiling if result is not None else lot.bid_ceiling,
                bid_ceiling_multiple=(
                    result.bid_ceiling_multiple if result is not None else lot.bid_ceiling_multiple
                ),
                winner_ceiling=result.winner_ceiling if result is not None and awarded else None,
            )
        )
    return PublishedResult.objects.bulk_create(snapshots)


def publish_late_results() -> int:
    """Publish the result of every lot that finished after its event was published early;
    return how many. The beat's publication job runs it every minute: a lot's result is
    public from its snapshot on, never from the live rows."""
    late_lots = Lot.objects.filter(
        event=OuterRef("pk"), status__in=Lot.FINISHED_STATUSES, published_result__isnull=True
    )
    due = AuctionEvent.objects.filter(results_published_at__isnull=False).filter(Exists(late_lots))
    published = 0
    for event_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            # Lock the event, as publish_results does: two runs snapshot each lot once.
            event = AuctionEvent.objects.select_for_update().get(pk=event_id)
            published += len(snapshot_finished_lots(event, published_at=timezone.now()))
    return published


@transaction.atomic
def publish_erratum(
    *,
    event_id: int,
    field: str,
    value: str,
    reason: str,
    published_by: User,
    lot_id: int | None = None,
) -> Erratum:
    """Correct one published figure of an event's results and publish why, at once.

    The erratum and the correction are one transaction; on PostgreSQL the corrected row
    lets the change through only for this erratum. Raises DomainError: reason_required,
    unknown_field, results_not_published, lot_required, lot_not_allowed,
    result_not_published, lot_not_awarded, invalid_value, nothing_to_correct.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("An erratum needs a reason."))
    if field not in Erratum.Field.values:
        raise DomainError("unknown_field", _("This figure cannot be corrected by an erratum."))
    # Lock the event: two errata at once must each see the other's correction as the value
    # it corrects, and a publication racing this one must be over first.
    event = AuctionEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None or not event.are_results_published:
        raise DomainError(
            "results_not_published",
            _("Only published results are corrected by an erratum; change the event instead."),
        )
    if field in Erratum.EVENT_FIELDS:
        if lot_id is not None:
            raise DomainError(
                "lot_not_allowed", _("The exchange rate is the event's, not a lot's.")
            )
        target: AuctionEvent | PublishedResult = event
        old = event.kzt_per_usd
    else:
        if lot_id is None:
            raise DomainError("lot_required", _("Say which lot's result is corrected."))
        published = (
            PublishedResult.objects.select_for_update()
            .filter(lot_id=lot_id, lot__event=event)
            .first()
        )
        if published is None:
            raise DomainError(
                "result_not_published",
                _("This lot of %(event)s has no published result.") % {"event": event.name},
            )
        if field != Erratum.Field.BID_COUNT and not published.is_awarded:
            raise DomainError(
                "lot_not_awarded", _("The lot was not awarded: it has no winner nor bonus.")
            )
        target = published
        old = getattr(target, field)
    new = _erratum_value(field, value)
    if str(new) == str(old):
        raise DomainError(
            "nothing_to_correct", _("The published value is already %(value)s.") % {"value": old}
        )
    erratum = Erratum.objects.create(
        event=event,
        lot_id=lot_id if field not in Erratum.EVENT_FIELDS else None,
        field=field,
        old_value="" if old is None else str(old),
        new_value=str(new),
        reason=reason,
        published_by=published_by,
        published_at=timezone.now(),
    )
    setattr(target, field, new)
    changed = [field]
    if isinstance(target, PublishedResult) and field in (
        Erratum.Field.WINNER_LEGAL_NAME,
        Erratum.Field.WINNER_COUNTRY,
    ):
        # The protocol names the winner among the participants: the same correction there.
        key = "legal_name" if field == Erratum.Field.WINNER_LEGAL_NAME else "country"
        target.participants = [
            {**entry, key: str(new)}
            if entry.get("number") == target.winner_participant_number
            else entry
            for entry in target.participants
        ]
        changed.append("participants")
    with _erratum_in_force(erratum):
        target.save(update_fields=changed)
    logger.info("Erratum %s to event %s published by %s", erratum.pk, event.code, published_by)
    return erratum


def _erratum_value(field: str, value: str) -> object:
    """Return an erratum's new value as the corrected field stores it; raise invalid_value."""
    value = (value or "").strip()
    try:
        if field == Erratum.Field.WINNER_LEGAL_NAME:
            if not value or len(value) > 255:
                raise ValueError
            return value
        if field == Erratum.Field.WINNER_COUNTRY:
            code = value.upper()
            if code not in countries:
                raise ValueError
            return code
        if field == Erratum.Field.BID_COUNT:
            count = int(value)
            # A count the database's integer column cannot hold is no count at all.
            if count < 0 or not value.isdecimal() or count > MAX_BID_COUNT:
                raise ValueError
            return count
        places = 4 if field == Erratum.Field.KZT_PER_USD else DECIMAL_PLACES
        amount = Decimal(value)
        if not amount.is_finite() or amount <= 0:
            raise ValueError
        quantized = amount.quantize(Decimal(1).scaleb(-places))
        if quantized != amount or len(quantized.as_tuple().digits) > (
            10 if places == 4 else MAX_DIGITS
        ):
            raise ValueError
        return quantized
    except (ValueError, ArithmeticError):
        raise DomainError(
            "invalid_value",
            _("%(value)s is not a valid %(field)s.")
            % {"value": value or "''", "field": Erratum.Field(field).label.lower()},
        ) from None


@contextmanager
def _erratum_in_force(erratum: Erratum) -> Iterator[None]:
    """Let the database's freeze (PostgreSQL triggers, migration 0009) pass the writes of
    this erratum, and only while they run: the setting is transaction-local, and cleared
    right after so nothing later in the same transaction rides on it. A failed write
    rolls the setting back with it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('nedra.erratum', %s, true)", [str(erratum.pk)])
        yield
        cursor.execute("SELECT set_config('nedra.erratum', '', true)")
