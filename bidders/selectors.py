from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from bidders.models import Company, CompanyDocument


def company_of(user: User | AnonymousUser) -> Company | None:
    """Return the company the user represents, or None."""
    if not user.is_authenticated:
        return None
    return Company.objects.filter(representatives__user=user).first()


def documents_visible_to(user: User | AnonymousUser) -> QuerySet[CompanyDocument]:
    """Return the documents a user may open: their own company's, or all of them for staff."""
    if not user.is_authenticated:
        return CompanyDocument.objects.none()
    if user.is_staff and user.has_perm("bidders.view_companydocument"):
        return CompanyDocument.objects.all()
    return CompanyDocument.objects.filter(company__representatives__user=user)
