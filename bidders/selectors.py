from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from bidders.models import Company


def company_of(user: AbstractBaseUser | AnonymousUser) -> Company | None:
    """Return the company the user represents, or None."""
    if not user.is_authenticated:
        return None
    return Company.objects.filter(representatives__user=user).first()
