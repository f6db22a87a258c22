from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail

from bidders.models import Company, CompanyDecision

SUBJECTS = {
    Company.Status.APPROVED: "Your company is approved to bid on Nedra",
    Company.Status.REJECTED: "Your company registration on Nedra was not approved",
    Company.Status.SUSPENDED: "Your company is suspended on Nedra",
}


def company_recipients(company: Company) -> list[str]:
    """Return the company's contact address and its representatives' addresses."""
    emails = {company.contact_email.lower()}
    emails.update(
        email.lower()
        for email in company.representatives.values_list("user__email", flat=True)
        if email
    )
    return sorted(emails)


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_company_decision(decision_id: int) -> None:
    """Tell a company's people about a staff decision on it."""
    decision = CompanyDecision.objects.select_related("company").get(pk=decision_id)
    company = decision.company
    lines = [f"{company.legal_name}: {decision.get_status_display()}."]
    if decision.reason:
        lines.append(f"Reason: {decision.reason}")
    if decision.status == Company.Status.REJECTED:
        lines.append("You can correct the registration and submit it again on your dashboard.")
    send_mail(
        subject=f"[Nedra] {SUBJECTS[decision.status]}",
        message="\n\n".join(lines),
        from_email=None,
        recipient_list=company_recipients(company),
    )
