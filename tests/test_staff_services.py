"""Staff decisions: approving companies, recording payments, admitting, publishing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Application, Lot, Payment
from auctions.tests.factories import ApplicationFactory, LotFactory, PaymentFactory, pay_in_full
from bidders import services as bidder_services
from bidders.models import Company, CompanyDecision, CompanyDocument
from bidders.services import CompanyDetails, OwnerDetails, register_company
from bidders.tests.factories import PDF_BYTES, UserFactory
from core.errors import DomainError
from deposits.models import Deposit, Reserve
from deposits.tests.factories import ReserveFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db


def receive_all(application: Application, clerk: object) -> None:
    for payment in application.payments.all():
        pay_in_full(payment, clerk)


def test_approving_a_company_records_who_decided(pending_company, staff_clerk) -> None:
    bidder_services.approve_company(company_id=pending_company.pk, decided_by=staff_clerk)
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.APPROVED
    decision = CompanyDecision.objects.get(company=pending_company)
    assert decision.decided_by == staff_clerk
    assert decision.status == Company.Status.APPROVED


def test_rejecting_a_company_without_a_reason_changes_nothing(pending_company, staff_clerk) -> None:
    with pytest.raises(DomainError) as error:
        bidder_services.reject_company(
            company_id=pending_company.pk, reason="   ", decided_by=staff_clerk
        )
    assert error.value.code == "reason_required"
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING
    assert not CompanyDecision.objects.exists()


def test_only_an_approved_company_can_be_suspended(pending_company, staff_clerk) -> None:
    with pytest.raises(DomainError):
        bidder_services.suspend_company(
            company_id=pending_company.pk, reason="Sanctions check", decided_by=staff_clerk
        )


def test_recording_a_payment_twice_is_refused(submitted_application, staff_clerk) -> None:
    payment = submitted_application.payments.first()
    pay_in_full(payment, staff_clerk)
    with pytest.raises(DomainError) as error:
        pay_in_full(payment, staff_clerk)
    assert error.value.code == "payment_not_awaited"


def test_admission_needs_both_payments(submitted_application, staff_clerk) -> None:
    fee = submitted_application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE)
    pay_in_full(fee, staff_clerk)
    with pytest.raises(DomainError) as error:
        auction_services.admit_application(
            application_id=submitted_application.pk, decided_by=staff_clerk
        )
    assert error.value.code == "payment_missing"
    assert "Guarantee deposit" in error.value.message
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.SUBMITTED
    assert submitted_application.participant_number is None


def _admit_three(lot: Lot, clerk: object) -> list[int]:
    applications = [ApplicationFactory(lot=lot) for _ in range(3)]
    numbers = []
    for application in applications:
        PaymentFactory(application=application, kind=Payment.Kind.PARTICIPATION_FEE)
        PaymentFactory(application=application, kind=Payment.Kind.GUARANTEE_DEPOSIT)
        receive_all(application, clerk)
        admitted = auction_services.admit_application(
            application_id=application.pk, decided_by=clerk
        )
        numbers.append(admitted.participant_number)
    return numbers


def test_admission_draws_each_participant_a_distinct_small_number(
    published_lot, staff_clerk
) -> None:
    numbers = _admit_three(published_lot, staff_clerk)
    assert len(set(numbers)) == 3
    assert all(1 <= number <= auction_services.PARTICIPANT_NUMBERS for number in numbers)


def test_participant_numbers_are_drawn_not_given_in_admission_order(
    published_lot, staff_clerk, monkeypatch
) -> None:
    # Whoever admits must not be able to tell the numbers from the order of admission:
    # the number comes from a random draw among the free ones, here forced to the highest.
    monkeypatch.setattr(auction_services.secrets, "choice", max)
    top = auction_services.PARTICIPANT_NUMBERS
    assert _admit_three(published_lot, staff_clerk) == [top, top - 1, top - 2]


def test_admission_needs_an_approved_company(submitted_application, staff_clerk) -> None:
    receive_all(submitted_application, staff_clerk)
    Company.objects.filter(pk=submitted_application.company_id).update(
        status=Company.Status.SUSPENDED, status_reason="Documents expired"
    )
    with pytest.raises(DomainError) as error:
        auction_services.admit_application(
            application_id=submitted_application.pk, decided_by=staff_clerk
        )
    assert error.value.code == "company_not_approved"


def test_an_application_is_decided_once(submitted_application, staff_clerk) -> None:
    receive_all(submitted_application, staff_clerk)
    auction_services.admit_application(
        application_id=submitted_application.pk, decided_by=staff_clerk
    )
    with pytest.raises(DomainError) as error:
        auction_services.reject_application(
            application_id=submitted_application.pk, reason="Late", decided_by=staff_clerk
        )
    assert error.value.code == "already_decided"
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.ADMITTED


def test_rejecting_an_application_needs_a_reason(submitted_application, staff_clerk) -> None:
    with pytest.raises(DomainError):
        auction_services.reject_application(
            application_id=submitted_application.pk, reason="", decided_by=staff_clerk
        )
    rejected = auction_services.reject_application(
        application_id=submitted_application.pk,
        reason="Power of attorney missing",
        decided_by=staff_clerk,
    )
    assert rejected.status == Application.Status.REJECTED
    assert rejected.decided_by == staff_clerk


def test_publishing_a_production_lot_needs_balance_reserves() -> None:
    lot = LotFactory(status=Lot.Status.DRAFT, licence_type="production", licence_term_years=25)
    ReserveFactory(deposit=lot.deposit, category=Reserve.Category.INFERRED)
    with pytest.raises(DomainError) as error:
        auction_services.publish_lot(lot_id=lot.pk)
    assert error.value.code == "no_balance_reserves"
    ReserveFactory(deposit=lot.deposit, category=Reserve.Category.C1)
    auction_services.publish_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PUBLISHED
    assert lot.deposit.status == Deposit.Status.OFFERED


def test_a_lot_on_a_deposit_without_reserves_cannot_be_published() -> None:
    lot = LotFactory(status=Lot.Status.DRAFT, licence_type="exploration")
    with pytest.raises(DomainError) as error:
        auction_services.publish_lot(lot_id=lot.pk)
    assert error.value.code == "no_reserves"
    assert f"{lot.deposit.name} has no reserves recorded" in error.value.message
    lot.refresh_from_db()
    assert lot.status == Lot.Status.DRAFT
    assert lot.deposit.status == Deposit.Status.AVAILABLE
    # An exploration lot needs some reserve, of any category; an inferred one will do.
    ReserveFactory(deposit=lot.deposit, category=Reserve.Category.INFERRED)
    auction_services.publish_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PUBLISHED


def test_a_deposit_is_offered_in_one_open_lot_at_a_time() -> None:
    open_lot = LotFactory(status=Lot.Status.PUBLISHED)
    draft = LotFactory(status=Lot.Status.DRAFT, deposit=open_lot.deposit)
    with pytest.raises(DomainError) as error:
        auction_services.publish_lot(lot_id=draft.pk)
    assert error.value.code == "deposit_offered"


def test_a_lot_past_its_deadline_cannot_be_published() -> None:
    now = timezone.now()
    lot = LotFactory(
        status=Lot.Status.DRAFT,
        application_deadline=now - timedelta(hours=1),
        starts_at=now + timedelta(days=1),
    )
    with pytest.raises(DomainError) as error:
        auction_services.publish_lot(lot_id=lot.pk)
    assert error.value.code == "deadline_passed"


def test_lot_validation_keeps_the_auction_within_two_months_of_the_deadline() -> None:
    lot = LotFactory.build()
    lot.starts_at = lot.application_deadline + timedelta(days=70)
    lot.ends_at = lot.starts_at + timedelta(hours=1)
    lot.hard_end = lot.ends_at
    with pytest.raises(ValidationError, match="two months"):
        lot.clean()


def test_a_company_is_decided_from_the_right_status_only(pending_company, staff_clerk) -> None:
    bidder_services.approve_company(company_id=pending_company.pk, decided_by=staff_clerk)
    for decide in (
        lambda: bidder_services.approve_company(
            company_id=pending_company.pk, decided_by=staff_clerk
        ),
        lambda: bidder_services.reject_company(
            company_id=pending_company.pk, reason="Late", decided_by=staff_clerk
        ),
    ):
        with pytest.raises(DomainError) as error:
            decide()
        assert error.value.code == "already_decided"
    assert CompanyDecision.objects.filter(company=pending_company).count() == 1


def test_a_suspended_company_is_reinstated_by_approval(pending_company, staff_clerk) -> None:
    bidder_services.approve_company(company_id=pending_company.pk, decided_by=staff_clerk)
    bidder_services.suspend_company(
        company_id=pending_company.pk, reason="Sanctions screening", decided_by=staff_clerk
    )
    reinstated = bidder_services.approve_company(
        company_id=pending_company.pk, decided_by=staff_clerk
    )
    assert reinstated.status == Company.Status.APPROVED
    assert reinstated.status_reason == ""


def test_payments_of_a_rejected_application_are_not_recorded(
    submitted_application, staff_clerk
) -> None:
    auction_services.reject_application(
        application_id=submitted_application.pk, reason="Late", decided_by=staff_clerk
    )
    payment = submitted_application.payments.first()
    with pytest.raises(DomainError) as error:
        pay_in_full(payment, staff_clerk)
    assert error.value.code == "application_closed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING


def test_a_refused_document_leaves_no_company_and_no_file(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    documents = {
        CompanyDocument.Kind.REGISTRATION_CERTIFICATE: SimpleUploadedFile("a.pdf", PDF_BYTES),
        CompanyDocument.Kind.OWNERSHIP_STRUCTURE: SimpleUploadedFile("b.pdf", PDF_BYTES),
        CompanyDocument.Kind.POWER_OF_ATTORNEY: SimpleUploadedFile("c.pdf", b"not a pdf"),
    }
    with pytest.raises(DomainError) as error:
        register_company(
            user=UserFactory(),
            details=CompanyDetails(
                legal_name="Steppe Lithium LLP",
                country="KZ",
                registration_number="250440009876",
                tax_number="250440009876",
                address="Astana, Mangilik El 55",
                contact_name="Aliya Sadykova",
                contact_email="aliya@steppe.example",
            ),
            owners=[OwnerDetails("Aliya Sadykova", "KZ", "N1234567", Decimal("100"))],
            documents=documents,
        )
    assert error.value.code == "invalid_document"
    assert not Company.objects.filter(registration_number="250440009876").exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_deposit_whose_licence_awaits_payment_cannot_be_offered_again() -> None:
    won = LicenceFactory(status=Licence.Status.AWAITING_PAYMENT, issued_on=None, expires_on=None)
    draft = LotFactory(status=Lot.Status.DRAFT, deposit=won.deposit)
    with pytest.raises(DomainError) as error:
        auction_services.publish_lot(lot_id=draft.pk)
    assert error.value.code == "deposit_licence_pending"
