"""Django's, allauth's and axes' admins are registered before Nedra's apps load (they come
first in INSTALLED_APPS): give them the same guard as Nedra's own (core.admin_guard), keep
the plumbing among them out of the clerks' menu, and put the clerks' work queue on the
admin's home page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise

from core.admin_guard import GuardedAdmin, guard_registered

# Apps whose records keep the machinery running (lockouts and access logs, e-mail
# addresses, second factors, sessions): superusers look after them, clerks never need them.
PLUMBING_APPS = frozenset({"axes", "account", "mfa", "sessions", "sites", "usersessions"})


class SuperusersOnlyInMenu:
    """Leave the model out of the admin's menu and home page for anyone but superusers."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class LostPhoneAuthenticatorAdmin(GuardedAdmin, SuperusersOnlyInMenu, AuthenticatorAdmin):
    """Staff may remove a second factor (a lost phone: the owner enrols again), never add or
    change one: whoever sets a known secret on someone's account could pass its factor."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False


def hide_plumbing(site: admin.AdminSite) -> None:
    """Re-register the plumbing apps' ModelAdmins so only superusers see them in the menu."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        if model._meta.app_label in PLUMBING_APPS and not issubclass(
            admin_class, SuperusersOnlyInMenu
        ):
            site.unregister(model)
            site.register(
                model,
                type(
                    admin_class.__name__,
                    (SuperusersOnlyInMenu, admin_class),
                    {"__module__": admin_class.__module__},
                ),
            )


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, LostPhoneAuthenticatorAdmin)
hide_plumbing(admin.site)
guard_registered(admin.site)


# --- The work queue on the admin's home page ---------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One kind of waiting work: how many there are and the list that shows them."""

    label: str | Promise
    count: int
    url: str


# Each app's admin adds the work it owns; each source reads its counts in one query and
# returns no rows to someone who may not view its model.
WorkQueueSource = Callable[[HttpRequest], list[QueueRow]]
work_queue_sources: list[WorkQueueSource] = []


def work_queue_source(source: WorkQueueSource) -> WorkQueueSource:
    """Register a function that returns rows of the admin home's work queue."""
    work_queue_sources.append(source)
    return source


def may_view(request: HttpRequest, model: type[Model]) -> bool:
    """Return whether the user may open the model's list in the admin."""
    model_admin = admin.site._registry.get(model)
    return model_admin is not None and model_admin.has_view_or_change_permission(request)


def work_queue(request: HttpRequest) -> list[QueueRow]:
    """Return the waiting work this user may see, in the order the apps added it."""
    return [row for source in work_queue_sources for row in source(request)]


_site_index = admin.site.index


def index_with_work_queue(
    request: HttpRequest, extra_context: dict[str, Any] | None = None
) -> TemplateResponse:
    """The admin's home page, with the work queue above the list of models."""
    return _site_index(request, {"work_queue": work_queue(request), **(extra_context or {})})


admin.site.index = index_with_work_queue  # type: ignore[method-assign]
