from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bidders.models import Company, CompanyDecision
from core.errors import DomainError


def _decide(*, company_id: int, status: str, reason: str, decided_by: AbstractBaseUser) -> Company:
    # Lock the company so two clerks deciding at once leave one consistent status and
    # a decision trail in the order the decisions took effect.
    company = Company.objects.select_for_update().get(pk=company_id)
    company.status = status
    company.status_reason = reason
    company.save(update_fields=["status", "status_reason"])
    CompanyDecision.objects.create(
        company=company, status=status, reason=reason, decided_by=decided_by
    )
    return company


@transaction.atomic
def approve_company(*, company_id: int, decided_by: AbstractBaseUser) -> Company:
    """Approve a company so its representatives may apply for lots; records the decision."""
    return _decide(
        company_id=company_id, status=Company.Status.APPROVED, reason="", decided_by=decided_by
    )


@transaction.atomic
def reject_company(*, company_id: int, reason: str, decided_by: AbstractBaseUser) -> Company:
    """Reject a company with a reason; raises DomainError('reason_required') without one."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", "A rejection needs a reason.")
    return _decide(
        company_id=company_id, status=Company.Status.REJECTED, reason=reason, decided_by=decided_by
    )


@transaction.atomic
def suspend_company(*, company_id: int, reason: str, decided_by: AbstractBaseUser) -> Company:
    """Suspend an approved company with a reason; raises DomainError otherwise."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", "A suspension needs a reason.")
    company = Company.objects.select_for_update().get(pk=company_id)
    if company.status != Company.Status.APPROVED:
        raise DomainError("not_approved", "Only an approved company can be suspended.")
    return _decide(
        company_id=company_id,
        status=Company.Status.SUSPENDED,
        reason=reason,
        decided_by=decided_by,
    )
