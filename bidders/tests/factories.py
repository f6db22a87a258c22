from decimal import Decimal

import factory
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model

from bidders.models import BeneficialOwner, Company, CompanyDocument, Representative
from core.second_factor import current_code, enrol_authenticator_app

TEST_PASSWORD = "correct-horse-battery-9"
# The authenticator-app secret of every test user given one (base32, as apps take it).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def second_factor(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Give staff an authenticator app, as the admin demands; `second_factor=False`
        makes staff who have not set one up yet."""
        if create and self.is_staff and extracted is not False:
            with_second_factor(self)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"Mining Company {n} LLC")
    country = "US"
    registration_number = factory.Sequence(lambda n: f"REG-{n:06d}")
    tax_number = factory.Sequence(lambda n: f"TAX-{n:06d}")
    address = "1 Main Street, Denver, CO"
    contact_name = "Jane Doe"
    contact_email = "jane@example.com"
    status = Company.Status.APPROVED


class BeneficialOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BeneficialOwner

    company = factory.SubFactory(CompanyFactory)
    full_name = factory.Sequence(lambda n: f"Owner {n}")
    country = "US"
    identifier = factory.Sequence(lambda n: f"P{n:08d}")
    share_percent = Decimal("60.00")


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)

    @factory.post_generation
    def second_factor(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Give the user an authenticator app, as every bidder needs before bidding;
        `second_factor=False` makes a representative who has not set one up."""
        if create and extracted is not False:
            with_second_factor(self.user)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class CompanyDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyDocument

    company = factory.SubFactory(CompanyFactory)
    kind = CompanyDocument.Kind.REGISTRATION_CERTIFICATE
    file = factory.django.FileField(filename="certificate.pdf", data=PDF_BYTES)
    original_name = "certificate.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory)


def with_all_documents(company: Company) -> Company:
    """Give a company every document its approval requires."""
    for kind in CompanyDocument.Kind:
        CompanyDocumentFactory(company=company, kind=kind)
    return company


def with_second_factor(user: object, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    """Give the user an authenticator app with `secret` (once; a second call keeps the first)."""
    return enrol_authenticator_app(user=user, secret=secret)


def totp_code(secret: str = TEST_TOTP_SECRET, *, steps_ahead: int = 0) -> str:
    """Return the code an authenticator app with `secret` shows now, or `steps_ahead` later."""
    return current_code(secret, steps_ahead=steps_ahead)
