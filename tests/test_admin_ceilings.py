"""Staff and bid ceilings: the lot's rule on the lot form, and the bank guarantee recorded
per application, with who and when, and clear form errors."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client, RequestFactory
from django.urls import reverse

from auctions.models import Application, Lot
from auctions.tests.factories import LiveLotFactory, LotFactory, admit, admitted_representative
from bidders.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_clerk: AbstractBaseUser) -> Client:
    client.force_login(staff_clerk)
    return client


def lot_form(lot: Lot, data: dict[str, str], user: AbstractBaseUser):
    """The admin's own lot form, limited to the ceiling's fields and the deposit."""
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[Lot]
    fields = ["guarantee_deposit", "bid_ceiling", "bid_ceiling_multiple"]
    form_class = model_admin.get_form(request, obj=lot, change=True, fields=fields)
    return form_class(data=data, instance=lot)


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        (
            {"guarantee_deposit": "10000000.00", "bid_ceiling": "deposit"},
            "bid_ceiling_multiple",
            "Give the multiple",
        ),
        (
            {
                "guarantee_deposit": "10000000.00",
                "bid_ceiling": "bank_guarantee",
                "bid_ceiling_multiple": "5",
            },
            "bid_ceiling_multiple",
            "leave it empty",
        ),
        (
            {
                "guarantee_deposit": "0",
                "bid_ceiling": "deposit",
                "bid_ceiling_multiple": "5",
            },
            "bid_ceiling",
            "asks no guarantee deposit",
        ),
        (
            {
                "guarantee_deposit": "10000000.00",
                "bid_ceiling": "deposit",
                "bid_ceiling_multiple": "0",
            },
            "bid_ceiling_multiple",
            "more than zero",
        ),
    ],
)
def test_the_lot_form_says_what_is_wrong_with_the_ceiling_on_its_field(
    staff_clerk: AbstractBaseUser, data: dict[str, str], field: str, says: str
) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    form = lot_form(lot, data, staff_clerk)
    assert not form.is_valid()
    assert says in " ".join(form.errors[field])


def test_the_lot_form_saves_a_ceiling_rule(staff_clerk: AbstractBaseUser) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    form = lot_form(
        lot,
        {
            "guarantee_deposit": "10000000.00",
            "bid_ceiling": "deposit_and_bank_guarantee",
            "bid_ceiling_multiple": "7.5",
        },
        staff_clerk,
    )
    assert form.is_valid(), form.errors
    form.save()
    lot.refresh_from_db()
    assert (lot.bid_ceiling, lot.bid_ceiling_multiple) == (
        "deposit_and_bank_guarantee",
        Decimal("7.50"),
    )


def test_the_lot_page_offers_the_ceiling_and_freezes_it_once_published(
    staff_client: Client,
) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[draft.pk]))
    assert 'name="bid_ceiling"' in page.content.decode()
    published = LotFactory(bid_ceiling="deposit", bid_ceiling_multiple=Decimal("10"))
    page = staff_client.get(reverse("admin:auctions_lot_change", args=[published.pk]))
    assert 'name="bid_ceiling"' not in page.content.decode()
    assert "A multiple of the guarantee deposit received" in page.content.decode()


def guarantee_url(application: Application) -> str:
    return reverse("admin:auctions_application_bank_guarantee", args=[application.pk])


def published_application(rule: str = "bank_guarantee") -> Application:
    lot = LotFactory(bid_ceiling=rule, guarantee_deposit=Decimal("0"))
    return admit(CompanyFactory(legal_name="Altyn Guarantee LLP"), lot, 4)


def test_staff_record_a_bank_guarantee_with_who_and_when(
    staff_client: Client, staff_clerk: AbstractBaseUser
) -> None:
    application = published_application()
    change = reverse("admin:auctions_application_change", args=[application.pk])
    assert guarantee_url(application) in staff_client.get(change).content.decode()
    response = staff_client.post(
        guarantee_url(application),
        {"amount": "250000000.00", "reference": "No. 12/345, Halyk Bank"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.bank_guarantee == Decimal("250000000.00")
    assert application.bank_guarantee_reference == "No. 12/345, Halyk Bank"
    assert application.bank_guarantee_recorded_by == staff_clerk
    assert application.bank_guarantee_recorded_at is not None
    assert LogEntry.objects.filter(
        object_id=str(application.pk), change_message="Bank guarantee recorded"
    ).exists()
    page = staff_client.get(change).content.decode()
    assert "No. 12/345, Halyk Bank" in page


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"amount": "-5", "reference": "ref"}, "amount", "greater than or equal to 0"),
        ({"amount": "abc", "reference": "ref"}, "amount", "Enter a number"),
        ({"amount": "1.001", "reference": "ref"}, "amount", "2 decimal places"),
        ({"amount": "100.00", "reference": ""}, "reference", "This field is required"),
    ],
)
def test_a_wrong_guarantee_is_a_form_error_and_nothing_is_recorded(
    staff_client: Client, data: dict[str, str], field: str, says: str
) -> None:
    application = published_application()
    response = staff_client.post(guarantee_url(application), data)
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors[field])
    application.refresh_from_db()
    assert application.bank_guarantee is None


def test_a_lot_that_ignores_guarantees_refuses_one_with_a_clear_error(
    staff_client: Client,
) -> None:
    lot = LotFactory(bid_ceiling="none")
    application = admit(CompanyFactory(), lot, 4)
    response = staff_client.post(
        guarantee_url(application), {"amount": "100.00", "reference": "ref"}
    )
    assert response.status_code == 200
    assert "does not count bank guarantees" in " ".join(response.context["form"].non_field_errors())
    application.refresh_from_db()
    assert application.bank_guarantee is None


def test_the_guarantee_page_of_a_running_lot_shows_no_company_nor_number(
    staff_client: Client,
) -> None:
    lot = LiveLotFactory(bid_ceiling="bank_guarantee", guarantee_deposit=Decimal("0"))
    admitted_representative(lot, 29317, legal_name="Hidden Steppe LLP")
    application = Application.objects.get(lot=lot)
    page = staff_client.get(guarantee_url(application)).content.decode()
    assert "Hidden Steppe LLP" not in page
    assert "29317" not in page
    response = staff_client.post(
        guarantee_url(application), {"amount": "100.00", "reference": "ref"}
    )
    assert response.status_code == 302


def test_an_auditor_reads_but_may_not_record_a_guarantee(
    client: Client, auditor: AbstractBaseUser, ministry_clerk: AbstractBaseUser
) -> None:
    application = published_application()
    client.force_login(auditor)
    assert client.get(guarantee_url(application)).status_code == 403
    response = client.post(guarantee_url(application), {"amount": "1.00", "reference": "ref"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.bank_guarantee is None
    # The clerk's role records it.
    client.force_login(ministry_clerk)
    response = client.post(guarantee_url(application), {"amount": "1.00", "reference": "ref"})
    assert response.status_code == 302
