from collections.abc import Callable
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bidders.models import Company, CompanyDecision

SUBJECTS: dict[str, Promise] = {
    Company.Status.APPROVED: gettext_lazy("Your company is approved to bid on Nedra"),
    Company.Status.REJECTED: gettext_lazy("Your company registration on Nedra was not approved"),
    Company.Status.SUSPENDED: gettext_lazy("Your company is suspended on Nedra"),
}


def recipients_by_language(company: Company) -> dict[str, list[str]]:
    """Return the company's addresses grouped by the language each person last used.

    Whoever's language is unknown (a contact address that is nobody's login, a person not
    seen since languages were recorded) reads that of the first representative who has
    one, the registrant as a rule; English when nobody has.
    """
    people = list(company.representatives.order_by("pk").values_list("user__email", "language"))
    default = next((language for _email, language in people if language), settings.LANGUAGE_CODE)
    groups: dict[str, set[str]] = {}
    for email, language in people:
        if email:
            groups.setdefault(language or default, set()).add(email.lower())
    contact = company.contact_email.lower()
    if not any(contact in emails for emails in groups.values()):
        groups.setdefault(default, set()).add(contact)
    return {language: sorted(emails) for language, emails in sorted(groups.items())}


def company_emails(
    company: Company, write: Callable[[], tuple[str, str]]
) -> list[mail.EmailMessage]:
    """Write one email per language of the company's people: `write` returns the subject
    and body, and runs once in each language."""
    messages = []
    for language, recipients in recipients_by_language(company).items():
        with translation.override(language):
            subject, body = write()
        messages.append(mail.EmailMessage(subject=f"[Nedra] {subject}", body=body, to=recipients))
    return messages


def send_to_company(company: Company, write: Callable[[], tuple[str, str]]) -> None:
    """Send the company's people an email, each in the language they last used."""
    with mail.get_connection() as connection:
        connection.send_messages(company_emails(company, write))


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_company_decision(decision_id: int) -> None:
    """Tell a company's people about a staff decision on it."""
    decision = CompanyDecision.objects.select_related("company").get(pk=decision_id)
    company = decision.company

    def write() -> tuple[str, str]:
        lines = [f"{company.legal_name}: {decision.get_status_display()}."]
        if decision.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": decision.reason})
        if decision.status == Company.Status.REJECTED:
            lines.append(
                _("You can correct the registration and submit it again on your dashboard.")
            )
        return str(SUBJECTS[decision.status]), "\n\n".join(lines)

    send_to_company(company, write)
