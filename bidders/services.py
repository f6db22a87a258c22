from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidders import tasks
from bidders.models import (
    BeneficialOwner,
    Company,
    CompanyDecision,
    CompanyDocument,
    Representative,
)
from core import session_sockets
from core.errors import DomainError
from core.roles import is_ministry_staff

# What a document may be: the extensions people use, and what its bytes must really be.
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
REQUIRED_DOCUMENTS = tuple(CompanyDocument.Kind)


@dataclass(frozen=True)
class CompanyDetails:
    legal_name: str
    country: str
    registration_number: str
    tax_number: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""


@dataclass(frozen=True)
class OwnerDetails:
    full_name: str
    country: str
    identifier: str
    share_percent: Decimal


def normalise_identifier(identifier: str) -> str:
    """Return a passport or registration number in the one form that comparisons use."""
    return "".join(identifier.split()).upper()


def _check_owners(owners: Sequence[OwnerDetails]) -> None:
    if not owners:
        raise DomainError("owners_required", _("List at least one beneficial owner."))
    if any(not 0 < owner.share_percent <= 100 for owner in owners):
        raise DomainError(
            "owner_shares", _("Each owner's share must be above 0% and at most 100%.")
        )
    if sum(owner.share_percent for owner in owners) > 100:
        raise DomainError("owner_shares", _("The owners' shares add up to more than 100%."))
    keys = [(owner.country, normalise_identifier(owner.identifier)) for owner in owners]
    if len(set(keys)) != len(keys):
        raise DomainError("owner_repeated", _("The same owner is listed twice."))


def _write_owners(company: Company, owners: Sequence[OwnerDetails]) -> None:
    company.beneficial_owners.all().delete()
    BeneficialOwner.objects.bulk_create(
        BeneficialOwner(
            company=company,
            full_name=owner.full_name.strip(),
            country=owner.country,
            identifier=normalise_identifier(owner.identifier),
            share_percent=owner.share_percent,
        )
        for owner in owners
    )


def _registration_taken(details: CompanyDetails, *, other_than: int | None = None) -> bool:
    same_registration = Company.objects.filter(
        country=details.country, registration_number=details.registration_number.strip()
    )
    if other_than is not None:
        same_registration = same_registration.exclude(pk=other_than)
    return same_registration.exists()


def staff_refusal(user: User | AnonymousUser) -> DomainError:
    """Return the refusal a ministry staff account gets from every bidder's action."""
    return DomainError(
        "staff_not_bidder",
        _(
            "%(username)s is a ministry staff account. Staff never represent a company, "
            "apply for lots or bid; a person who does both needs a separate account that "
            "is not staff."
        )
        % {"username": user.get_username()},
    )


def refuse_staff(user: User | AnonymousUser) -> None:
    """Raise DomainError('staff_not_bidder') when the user is ministry staff."""
    if is_ministry_staff(user):
        raise staff_refusal(user)


@transaction.atomic
def add_representative(
    *,
    user: User,
    company: Company,
    position: str = "",
    language: str = "",
) -> Representative:
    """Make the user a representative of the company: the one way to create one.

    Raises DomainError('staff_not_bidder') for a staff or superuser account and
    DomainError('already_registered') when the user already represents a company. The
    database refuses a staff representative too (a trigger), whatever writes the row.
    """
    # Lock the account: making it staff at the same moment waits for this transaction,
    # and the database's trigger then refuses that change, or this one sees it as staff.
    account = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    refuse_staff(account)
    if Representative.objects.filter(user=account).exists():
        raise DomainError(
            "already_registered",
            _("%(username)s already represents a company.") % {"username": user.get_username()},
        )
    try:
        with transaction.atomic():
            return Representative.objects.create(
                user=account, company=company, position=position.strip(), language=language
            )
    except IntegrityError:
        # The same user added twice at once: the unique user wins once.
        raise DomainError(
            "already_registered",
            _("%(username)s already represents a company.") % {"username": user.get_username()},
        ) from None


@transaction.atomic
def register_company(
    *,
    user: User,
    details: CompanyDetails,
    owners: Sequence[OwnerDetails],
    position: str = "",
    documents: Mapping[str, UploadedFile[bytes]] | None = None,
) -> Company:
    """Register a company for review with `user` as its representative and its documents.

    Raises DomainError when the user is ministry staff or already represents a company,
    the registration number is taken in that country, the owners are missing or exceed
    100%, or a document is refused; then nothing is kept, files included.
    """
    refuse_staff(user)
    if Representative.objects.filter(user=user).exists():
        raise DomainError("already_registered", _("You already represent a company."))
    _check_owners(owners)
    if _registration_taken(details):
        raise DomainError(
            "company_exists",
            _("A company with this registration number in this country is already registered."),
        )
    try:
        # Savepoint: a concurrent registration of the same company loses on the unique
        # constraint, and the loser gets the same clear error as above.
        with transaction.atomic():
            company = Company.objects.create(
                **{field: str(value).strip() for field, value in vars(details).items()}
            )
    except IntegrityError:
        raise DomainError(
            "company_exists",
            _("A company with this registration number in this country is already registered."),
        ) from None
    _write_owners(company, owners)
    add_representative(user=user, company=company, position=position)
    stored: list[CompanyDocument] = []
    try:
        for kind, upload in (documents or {}).items():
            stored.append(_store_document(company=company, kind=kind, upload=upload, user=user))
    except BaseException:
        # The transaction rolls the rows back; the files on disk are ours to remove.
        for document in stored:
            document.file.delete(save=False)
        raise
    return company


@transaction.atomic
def update_company(
    *,
    user: User,
    company_id: int,
    details: CompanyDetails,
    owners: Sequence[OwnerDetails],
) -> Company:
    """Correct a pending or rejected company; a rejected one goes back for review.

    Raises DomainError when the user does not represent it or it is approved or suspended.
    """
    # Lock: a clerk deciding while the bidder edits must see one version or the other.
    company = Company.objects.select_for_update().get(pk=company_id)
    _require_representative(user, company)
    if not company.is_editable_by_bidder:
        raise DomainError(
            "company_locked",
            _("The company is %(status)s; ask the ministry to change its details.")
            % {"status": company.get_status_display().lower()},
        )
    _check_owners(owners)
    if _registration_taken(details, other_than=company.pk):
        raise DomainError(
            "company_exists",
            _("A company with this registration number in this country is already registered."),
        )
    for field, value in vars(details).items():
        setattr(company, field, str(value).strip())
    if company.status == Company.Status.REJECTED:
        company.status = Company.Status.PENDING
        company.status_reason = ""
        company.submitted_at = timezone.now()
    company.save()
    _write_owners(company, owners)
    return company


def remember_language(*, user: User, language: str) -> None:
    """Record the language a representative uses on the site, so emails come in it."""
    if language not in dict(settings.LANGUAGES):
        return
    # Conditional: no write at all while the language stays the same, as on most visits.
    Representative.objects.filter(user_id=user.pk).exclude(language=language).update(
        language=language
    )


def _require_representative(user: User, company: Company) -> None:
    if not Representative.objects.filter(user=user, company=company).exists():
        raise DomainError("not_a_representative", _("You do not represent this company."))


def readable_size(size: int) -> str:
    """Return a byte count as people read it: '10 MB', '512 KB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def check_document(upload: UploadedFile[bytes]) -> str:
    """Return the upload's real content type; raise DomainError unless it is an allowed one."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_TYPES:
        raise DomainError("invalid_document", _("Upload a PDF, JPEG or PNG file."))
    if not upload.size:
        raise DomainError("invalid_document", _("The file is empty."))
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise DomainError(
            "invalid_document",
            _("The file is larger than %(size)s.")
            % {"size": readable_size(settings.DOCUMENT_MAX_BYTES)},
        )
    upload.seek(0)
    sniffed = filetype.guess_mime(upload.read(262))
    upload.seek(0)
    if sniffed != DOCUMENT_TYPES[extension]:
        raise DomainError(
            "invalid_document",
            _("The file's content is not the PDF, JPEG or PNG its name says."),
        )
    return DOCUMENT_TYPES[extension]


@transaction.atomic
def upload_document(
    *, user: User, company_id: int, kind: str, upload: UploadedFile[bytes]
) -> CompanyDocument:
    """Store a company document privately; raises DomainError for a bad file or user."""
    company = Company.objects.get(pk=company_id)
    _require_representative(user, company)
    if not company.is_editable_by_bidder:
        raise DomainError(
            "company_locked",
            _(
                "Documents of an approved or suspended company change only through the "
                "ministry, so that what was approved stays on file."
            ),
        )
    return _store_document(company=company, kind=kind, upload=upload, user=user)


def _store_document(
    *, company: Company, kind: str, upload: UploadedFile[bytes], user: User
) -> CompanyDocument:
    if kind not in CompanyDocument.Kind.values:
        raise DomainError("invalid_document", _("Unknown kind of document."))
    content_type = check_document(upload)
    document = CompanyDocument(
        company=company,
        kind=kind,
        original_name=(upload.name or "document")[-255:],
        content_type=content_type,
        size=len(upload),
        uploaded_by=user,
    )
    document.file.save(upload.name or "document", upload, save=False)
    document.save()
    return document


def missing_documents(company: Company) -> list[str]:
    """Return the labels of the required documents the company has not uploaded."""
    present = set(company.documents.values_list("kind", flat=True))
    return [str(kind.label) for kind in REQUIRED_DOCUMENTS if kind.value not in present]


def _lock_for_decision(company_id: int, *, allowed_from: set[str]) -> Company:
    # Lock the company so two clerks deciding at once leave one consistent status and
    # a decision trail in the order the decisions took effect.
    company = Company.objects.select_for_update().get(pk=company_id)
    if company.status not in allowed_from:
        raise DomainError(
            "already_decided",
            _("The company is already %(status)s.")
            % {"status": company.get_status_display().lower()},
        )
    return company


def _decide(*, company: Company, status: str, reason: str, decided_by: User) -> Company:
    company.status = status
    company.status_reason = reason
    company.save(update_fields=["status", "status_reason"])
    decision = CompanyDecision.objects.create(
        company=company, status=status, reason=reason, decided_by=decided_by
    )
    transaction.on_commit(lambda: tasks.send_company_decision.delay(decision.pk), robust=True)
    return company


@transaction.atomic
def approve_company(*, company_id: int, decided_by: User) -> Company:
    """Approve a company so its representatives may apply for lots; records the decision.

    Raises DomainError when a required document is missing.
    """
    # A suspended company is reinstated by approving it again.
    company = _lock_for_decision(
        company_id, allowed_from={Company.Status.PENDING, Company.Status.SUSPENDED}
    )
    missing = missing_documents(company)
    if missing:
        raise DomainError(
            "documents_missing",
            _("Documents missing: %(documents)s.") % {"documents": "; ".join(missing)},
        )
    return _decide(
        company=company, status=Company.Status.APPROVED, reason="", decided_by=decided_by
    )


@transaction.atomic
def reject_company(*, company_id: int, reason: str, decided_by: User) -> Company:
    """Reject a company with a reason; raises DomainError('reason_required') without one."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("A rejection needs a reason."))
    company = _lock_for_decision(company_id, allowed_from={Company.Status.PENDING})
    return _decide(
        company=company, status=Company.Status.REJECTED, reason=reason, decided_by=decided_by
    )


@transaction.atomic
def suspend_company(*, company_id: int, reason: str, decided_by: User) -> Company:
    """Suspend an approved company with a reason; raises DomainError otherwise."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("A suspension needs a reason."))
    company = Company.objects.select_for_update().get(pk=company_id)
    if company.status != Company.Status.APPROVED:
        raise DomainError("not_approved", _("Only an approved company can be suspended."))
    company = _decide(
        company=company,
        status=Company.Status.SUSPENDED,
        reason=reason,
        decided_by=decided_by,
    )
    # Its people leave every auction room at once: their sockets re-check their seats.
    user_ids = list(company.representatives.values_list("user_id", flat=True))
    transaction.on_commit(
        lambda: session_sockets.recheck_user_sockets(user_ids=user_ids), robust=True
    )
    return company
