"""Account emails leave through Celery; failed logins count per address; staff skip email checks."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.lockout import client_address
from core.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    """Render allauth's emails in the request, send them from a worker.

    A slow or unreachable mail server must neither fail a signup nor hold its request.
    """

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                **context,
            },
        )
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, kind in alternatives if kind == "text/html"), "")
        fields = {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "html": html,
        }
        transaction.on_commit(lambda: send_email.delay(**fields), robust=True)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys its `login_failed` limit by the account alone, so anybody's wrong
        # passwords for a bidder's email locked that bidder out everywhere. Keyed by
        # account and address together, a guesser only ever locks out its own address.
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}@{client_address(request)}"

    def get_client_ip(self, request: HttpRequest) -> str:
        # One client address for allauth's limits and axes' lockouts alike.
        address = client_address(request)
        if not address:
            raise PermissionDenied(_("Unable to determine the client's address."))
        return address

    def get_login_stages(self) -> list[str]:
        return [
            "core.account_adapter.StaffAwareEmailVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]


class StaffAwareEmailVerificationStage(EmailVerificationStage):
    """Confirm a bidder's email address before its first login; never a staff account's.

    The ministry creates staff accounts itself (their address proves nothing it does not
    know); what guards a staff login is the second factor the admin demands.
    """

    def handle(self) -> tuple:
        user = self.login.user
        if user is not None and user.is_staff:
            return None, True
        return super().handle()
