"""Templates ask whether the viewer has a second factor, e.g. to point a bidder at enrolment."""

from django import template
from django.contrib.auth.models import AnonymousUser, User

from core.second_factor import has_second_factor as user_has_second_factor

register = template.Library()


@register.filter
def has_second_factor(user: User | AnonymousUser) -> bool:
    """Say whether the user has enrolled an authenticator app or a security key."""
    return user_has_second_factor(user)
