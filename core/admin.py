"""Django's, allauth's and axes' admins are registered before Nedra's apps load (they come
first in INSTALLED_APPS): give them the same guard as Nedra's own (core.admin_guard)."""

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.http import HttpRequest

from core.admin_guard import GuardedAdmin, guard_registered


class LostPhoneAuthenticatorAdmin(GuardedAdmin, AuthenticatorAdmin):
    """Staff may remove a second factor (a lost phone: the owner enrols again), never add or
    change one: whoever sets a known secret on someone's account could pass its factor."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, LostPhoneAuthenticatorAdmin)
guard_registered(admin.site)
