from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from auctions import tasks
from auctions.models import Application, LicenceType, Lot, Payment
from bidders.models import Company
from core.errors import DomainError
from deposits.models import Deposit, Reserve

ADMISSION_LOT_STATUSES = (Lot.Status.PUBLISHED,)


def required_payments(lot: Lot) -> dict[str, Decimal]:
    """Return what an applicant for the lot must pay, by payment kind (zero means nothing)."""
    amounts = {
        Payment.Kind.PARTICIPATION_FEE: lot.participation_fee,
        Payment.Kind.GUARANTEE_DEPOSIT: lot.guarantee_deposit,
    }
    return {kind: amount for kind, amount in amounts.items() if amount > 0}


def payment_reference(application: Application, kind: str) -> str:
    """Return the reference a company quotes in its transfer: lot, application and kind."""
    suffix = {Payment.Kind.PARTICIPATION_FEE: "F", Payment.Kind.GUARANTEE_DEPOSIT: "D"}[kind]
    return f"NDR-{application.lot_id:05d}-{application.pk:06d}-{suffix}"


@transaction.atomic
def apply_for_lot(*, user: AbstractBaseUser, lot_id: int, accept_terms: bool) -> Application:
    """Apply for a published lot for the user's company, with the payments it owes.

    Raises DomainError when the terms are not accepted, the user represents no approved
    company, the lot is not open or past its deadline, or the company already applied.
    """
    if not accept_terms:
        raise DomainError("terms_not_accepted", "Accept the lot's terms to apply.")
    # Lock the company: a suspension at the same moment must not let this application in.
    company = Company.objects.select_for_update().filter(representatives__user=user).first()
    if company is None:
        raise DomainError("not_a_representative", "Register your company first.")
    if not company.is_approved:
        raise DomainError(
            "company_not_approved",
            f"Your company is {company.get_status_display().lower()}; only approved "
            "companies may apply.",
        )
    # Share-lock the lot: a clerk cancelling it must not interleave with this application.
    lot = Lot.objects.select_for_update().filter(pk=lot_id).first()
    if lot is None or lot.status == Lot.Status.DRAFT:
        raise DomainError("lot_not_found", "There is no such lot open to the public.")
    if lot.status != Lot.Status.PUBLISHED:
        raise DomainError("lot_not_open", f"Lot {lot.number} is not open for applications.")
    now = timezone.now()
    if now >= lot.application_deadline:
        raise DomainError("deadline_passed", "The application deadline for this lot has passed.")
    if Application.objects.filter(lot=lot, company=company).exists():
        raise DomainError("already_applied", "Your company has already applied for this lot.")
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
def record_payment_received(
    *, payment_id: int, recorded_by: AbstractBaseUser, bank_reference: str = ""
) -> Payment:
    """Mark a payment as received now; raises DomainError unless it was awaited.

    This is the seam a bank feed plugs into: it calls this with its own reference.
    """
    # Lock so that a clerk and a bank feed recording the same payment record it once.
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=payment_id)
    )
    if payment.application.status != Application.Status.SUBMITTED:
        raise DomainError(
            "application_closed",
            f"The application is {payment.application.get_status_display().lower()}; "
            "its payments are settled by refund, not recorded.",
        )
    if payment.status != Payment.Status.AWAITING:
        raise DomainError(
            "payment_not_awaited",
            f"Payment {payment.reference} is already {payment.get_status_display().lower()}.",
        )
    payment.status = Payment.Status.RECEIVED
    payment.received_at = timezone.now()
    payment.recorded_by = recorded_by
    payment.bank_reference = bank_reference.strip()
    payment.save(update_fields=["status", "received_at", "recorded_by", "bank_reference"])
    return payment


@transaction.atomic
def admit_application(*, application_id: int, decided_by: AbstractBaseUser) -> Application:
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
            f"The application is already {application.get_status_display().lower()}.",
        )
    if lot.status not in ADMISSION_LOT_STATUSES:
        raise DomainError(
            "lot_not_open", f"Lot {lot.number} is {lot.get_status_display().lower()}."
        )
    if not application.company.is_approved:
        raise DomainError("company_not_approved", "The company is not approved.")
    received = set(
        application.payments.filter(status=Payment.Status.RECEIVED).values_list("kind", flat=True)
    )
    missing = [str(kind.label) for kind in required_payments(lot) if kind not in received]
    if missing:
        raise DomainError("payment_missing", "Not received yet: " + "; ".join(missing) + ".")
    last_number = lot.applications.aggregate(n=Max("participant_number"))["n"] or 0
    application.status = Application.Status.ADMITTED
    application.participant_number = last_number + 1
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.save(update_fields=["status", "participant_number", "decided_at", "decided_by"])
    transaction.on_commit(
        lambda: tasks.send_application_decision.delay(application.pk), robust=True
    )
    return application


@transaction.atomic
def reject_application(
    *, application_id: int, reason: str, decided_by: AbstractBaseUser
) -> Application:
    """Reject a submitted application with a reason; raises DomainError otherwise."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", "A rejection needs a reason.")
    # Lock so a rejection cannot interleave with an admission of the same application.
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Application.Status.SUBMITTED:
        raise DomainError(
            "already_decided",
            f"The application is already {application.get_status_display().lower()}.",
        )
    application.status = Application.Status.REJECTED
    application.rejection_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    transaction.on_commit(
        lambda: tasks.send_application_decision.delay(application.pk), robust=True
    )
    return application


@transaction.atomic
def publish_lot(*, lot_id: int) -> Lot:
    """Open a draft lot for applications and mark its deposit offered.

    Raises DomainError when the lot is not a draft, its deadline has passed, the deposit
    is licensed or offered in another open lot, or a production lot's deposit has no
    confirmed balance reserves.
    """
    # Lock the lot so a double click publishes once; the deposit row, so two lots of one
    # deposit cannot be published at the same time.
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    deposit = Deposit.objects.select_for_update().get(pk=lot.deposit_id)
    if lot.status != Lot.Status.DRAFT:
        raise DomainError("not_draft", f"Lot {lot.number} is already {lot.get_status_display()}.")
    if lot.application_deadline <= timezone.now():
        raise DomainError("deadline_passed", "The application deadline has already passed.")
    if lot.is_auction_too_late:
        raise DomainError(
            "auction_too_late",
            "The auction must be held at most two months after the application deadline.",
        )
    if deposit.status == Deposit.Status.LICENSED:
        raise DomainError("deposit_licensed", f"{deposit.name} is already licensed.")
    if (
        deposit.lots.exclude(pk=lot.pk)
        .filter(status__in=Lot.OPEN_STATUSES)
        .exists()
    ):
        raise DomainError("deposit_offered", f"{deposit.name} is already offered in another lot.")
    if (
        lot.licence_type == LicenceType.PRODUCTION
        and not deposit.reserves.filter(category__in=Reserve.BALANCE_CATEGORIES).exists()
    ):
        raise DomainError(
            "no_balance_reserves",
            "A production licence needs confirmed balance reserves (A, B, C1 or C2).",
        )
    lot.status = Lot.Status.PUBLISHED
    lot.save(update_fields=["status"])
    deposit.status = Deposit.Status.OFFERED
    deposit.save(update_fields=["status"])
    return lot
