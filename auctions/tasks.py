from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail

from auctions.models import Application
from bidders.tasks import company_recipients


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5)
def send_application_decision(application_id: int) -> None:
    """Tell a company that its application for a lot was admitted or rejected."""
    application = Application.objects.select_related("lot", "lot__deposit", "company").get(
        pk=application_id
    )
    lot = application.lot
    if application.is_admitted:
        subject = f"Admitted to lot {lot.number}: {lot.deposit.name}"
        body = (
            f"Your company takes part in lot {lot.number} ({lot.deposit.name}) as "
            f"Participant {application.participant_number}. Other participants see you only "
            "by this number."
        )
    else:
        subject = f"Application for lot {lot.number} rejected"
        body = f"Reason: {application.rejection_reason}"
    send_mail(
        subject=f"[Nedra] {subject}",
        message=body,
        from_email=None,
        recipient_list=company_recipients(application.company),
    )
