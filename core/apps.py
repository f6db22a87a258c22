from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Nedra"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        # Registers the check that refuses to start production without a signing key.
        # Connects the auth signals that close the websockets of an ended session.
        from core import (
            checks,  # noqa: F401
            session_sockets,  # noqa: F401
        )

        # allauth tells of a new authenticator only by this signal: the session that just
        # entered its code has passed it, and the admin need not ask for it again at once.
        authenticator_added.connect(_record_enrolment, dispatch_uid="nedra-mfa-enrolment")


def _record_enrolment(sender: type, *, request: Any, authenticator: Any, **kwargs: Any) -> None:
    from core.second_factor import record_enrolment

    if request is not None:
        record_enrolment(request, authenticator)
