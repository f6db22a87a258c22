"""Licences from won lots: the offer, its payment, forfeit down the bid ladder, expiry."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Application, LicenceType, Lot, Payment, Result
from auctions.tests.factories import LotFactory, admit
from bidders.models import Company
from bidders.tests.factories import CompanyFactory, RepresentativeFactory
from core.errors import DomainError
from deposits.models import Deposit
from licensing import services
from licensing.models import Licence, LicenceNumberSeries
from licensing.tests.factories import LicenceFactory, astana, auctioned_lot, close

pytestmark = pytest.mark.django_db

# Steppe wins at 120M; Ridgeline's own last bid was 115M; Altai's 110M.
LADDER = [
    ("Ridgeline", "100000000.00"),
    ("Steppe", "105000000.00"),
    ("Altai", "110000000.00"),
    ("Ridgeline", "115000000.00"),
    ("Steppe", "120000000.00"),
]
CLOSED_AT = astana(2026, 6, 1, 12, 0)  # a Monday; June 2026 has no public holiday
DEADLINE = date(2026, 6, 29)  # 20 working days later


def deposit_status(application: Application) -> str:
    return application.payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT).status


def fee_status(application: Application) -> str:
    return application.payments.get(kind=Payment.Kind.PARTICIPATION_FEE).status


@pytest.fixture
def won_lot() -> tuple[Lot, dict[str, Application]]:
    return auctioned_lot(LADDER, closed_at=CLOSED_AT)


@pytest.fixture
def settled(won_lot, django_capture_on_commit_callbacks) -> Licence:
    lot, _ = won_lot
    with django_capture_on_commit_callbacks(execute=True):
        return services.settle_lot(lot_id=lot.pk)


# --- Settling a closed lot ----------------------------------------------------------------


def test_the_winner_gets_a_licence_awaiting_payment_of_its_winning_bid(won_lot, settled) -> None:
    lot, applications = won_lot
    licence = settled
    assert licence.status == Licence.Status.AWAITING_PAYMENT
    assert licence.holder == applications["Steppe"].company
    assert licence.lot == lot
    assert licence.deposit == lot.deposit
    assert licence.number == "KZ-E-2026-0001"
    assert licence.licence_type == LicenceType.EXPLORATION
    assert licence.term_years == lot.licence_term_years == 6
    assert licence.area_km2 == lot.area_km2
    assert licence.signature_bonus == Decimal("120000000.00")
    assert licence.payment_deadline == DEADLINE
    assert licence.issued_on is None
    assert licence.expires_on is None


def test_the_deadline_counts_working_days_from_the_protocol_in_astana_time() -> None:
    # 19:30 UTC on 15 December is already 16 December (Independence Day) in Astana.
    closed_at = datetime(2026, 12, 15, 19, 30, tzinfo=UTC)
    lot, _ = auctioned_lot(LADDER[:2], closed_at=closed_at)
    licence = services.settle_lot(lot_id=lot.pk)
    # From Wed 16 Dec: 17, 18, 21-25, 28-31 (11); 1 and 2 January off, and Saturday the
    # 2nd moves to Monday the 4th; 5, 6, 8 (7th: Christmas), 11-15, 18 (20).
    assert licence.payment_deadline == date(2027, 1, 18)
    assert licence.number == "KZ-E-2026-0001"


def test_the_winners_deposit_counts_toward_the_bonus_and_the_others_are_refunded(
    won_lot, settled
) -> None:
    _, applications = won_lot
    assert deposit_status(applications["Steppe"]) == Payment.Status.APPLIED
    assert deposit_status(applications["Ridgeline"]) == Payment.Status.REFUND_DUE
    assert deposit_status(applications["Altai"]) == Payment.Status.REFUND_DUE
    # The participation fee is not refundable.
    assert fee_status(applications["Ridgeline"]) == Payment.Status.RECEIVED


def test_the_winner_is_emailed_what_to_pay_and_by_when(won_lot, settled) -> None:
    steppe = won_lot[1]["Steppe"].company
    RepresentativeFactory(company=steppe, user__email="cfo@steppe.example")
    mail.outbox.clear()
    from licensing.notices import send_licence_offer

    send_licence_offer(settled.pk)
    (message,) = mail.outbox
    assert "KZ-E-2026-0001" in message.subject
    assert "cfo@steppe.example" in message.to
    assert "29.06.2026" in message.body
    # 120M bonus less the 10M deposit.
    assert "KZT\u00a0110,000,000" in message.body


def test_settling_sends_the_offer_after_commit(won_lot, django_capture_on_commit_callbacks):
    lot, _ = won_lot
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.settle_lot(lot_id=lot.pk)
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[Nedra] Licence KZ-E-2026-0001")


def test_settling_twice_offers_one_licence(won_lot, settled) -> None:
    lot, applications = won_lot
    again = services.settle_lot(lot_id=lot.pk)
    assert again == settled
    assert Licence.objects.filter(lot=lot).count() == 1
    assert LicenceNumberSeries.objects.get(prefix="KZ-E-2026").last_number == 1
    assert deposit_status(applications["Steppe"]) == Payment.Status.APPLIED


def test_a_failed_lot_refunds_every_deposit_and_offers_no_licence() -> None:
    lot = LotFactory(status=Lot.Status.LIVE)
    applications = [admit(CompanyFactory(), lot, number) for number in (1, 2)]
    close(lot)
    assert lot.status == Lot.Status.FAILED
    assert services.settle_lot(lot_id=lot.pk) is None
    assert not Licence.objects.exists()
    assert [deposit_status(a) for a in applications] == [Payment.Status.REFUND_DUE] * 2


def test_a_cancelled_lot_refunds_every_deposit() -> None:
    lot = LotFactory(status=Lot.Status.CANCELLED)
    application = admit(CompanyFactory(), lot, 1)
    assert services.settle_lot(lot_id=lot.pk) is None
    assert deposit_status(application) == Payment.Status.REFUND_DUE


def test_a_lot_still_running_is_left_alone() -> None:
    lot = LotFactory(status=Lot.Status.LIVE)
    application = admit(CompanyFactory(), lot, 1)
    assert services.settle_lot(lot_id=lot.pk) is None
    assert deposit_status(application) == Payment.Status.RECEIVED


def test_a_single_applicant_under_the_offer_rule_takes_the_licence_at_the_start_price() -> None:
    lot = LotFactory(single_participant_rule=Lot.SingleParticipantRule.OFFER_AT_START)
    application = admit(CompanyFactory(), lot, 1)
    lot.status = Lot.Status.CLOSED
    lot.save(update_fields=["status"])
    Result.objects.create(
        lot=lot,
        outcome=Result.Outcome.AWARDED,
        winner=application,
        winning_bonus=lot.starting_price,
        bid_count=0,
        closed_at=CLOSED_AT,
    )
    licence = services.settle_lot(lot_id=lot.pk)
    assert licence.holder == application.company
    assert licence.signature_bonus == lot.starting_price


# --- Numbers --------------------------------------------------------------------------------


def test_numbers_run_in_sequence_per_licence_type_and_year() -> None:
    numbers = []
    for licence_type, term in [
        (LicenceType.EXPLORATION, 6),
        (LicenceType.PRODUCTION, 25),
        (LicenceType.EXPLORATION, 6),
        (LicenceType.EXPLORATION, 6),
    ]:
        lot, _ = auctioned_lot(
            LADDER[:2], closed_at=CLOSED_AT, licence_type=licence_type, licence_term_years=term
        )
        numbers.append(services.settle_lot(lot_id=lot.pk).number)
    lot, _ = auctioned_lot(LADDER[:2], closed_at=astana(2027, 2, 1, 12, 0))
    numbers.append(services.settle_lot(lot_id=lot.pk).number)
    assert numbers == [
        "KZ-E-2026-0001",
        "KZ-P-2026-0001",
        "KZ-E-2026-0002",
        "KZ-E-2026-0003",
        "KZ-E-2027-0001",
    ]


# --- Recording the bonus -------------------------------------------------------------------


def test_recording_the_bonus_issues_an_exploration_licence_for_six_years(
    settled, staff_clerk
) -> None:
    with mock.patch.object(timezone, "localdate", return_value=date(2026, 6, 20)):
        licence = services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    assert licence.status == Licence.Status.ACTIVE
    assert licence.issued_on == date(2026, 6, 20)
    assert licence.expires_on == date(2032, 6, 20)
    assert licence.bonus_recorded_by == staff_clerk
    assert licence.bonus_recorded_at is not None
    assert Deposit.objects.get(pk=licence.deposit_id).status == Deposit.Status.LICENSED


def test_a_production_licence_runs_twenty_five_years(staff_clerk) -> None:
    lot, _ = auctioned_lot(
        LADDER[:2],
        closed_at=CLOSED_AT,
        licence_type=LicenceType.PRODUCTION,
        licence_term_years=25,
    )
    offer = services.settle_lot(lot_id=lot.pk)
    with mock.patch.object(timezone, "localdate", return_value=date(2026, 6, 10)):
        licence = services.record_bonus_payment(licence_id=offer.pk, recorded_by=staff_clerk)
    assert licence.number == "KZ-P-2026-0001"
    assert licence.term_years == 25
    assert licence.expires_on == date(2051, 6, 10)


def test_a_licence_issued_on_29_february_expires_on_28_february() -> None:
    assert services.add_years(date(2028, 2, 29), 6) == date(2034, 2, 28)
    assert services.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_a_bonus_is_recorded_once(settled, staff_clerk) -> None:
    services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    with pytest.raises(DomainError) as error:
        services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    assert error.value.code == "licence_not_awaiting_payment"


def test_the_holder_is_emailed_when_its_licence_is_in_force(
    settled, staff_clerk, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    (message,) = mail.outbox
    assert message.subject == "[Nedra] Licence KZ-E-2026-0001 is in force"


# --- Forfeit and the next-highest bidder ----------------------------------------------------


def test_nothing_is_forfeited_on_the_deadline_day_itself(settled) -> None:
    assert services.forfeit_overdue_licences(today=DEADLINE) == []
    settled.refresh_from_db()
    assert settled.status == Licence.Status.AWAITING_PAYMENT


def test_an_unpaid_licence_passes_to_the_next_highest_bidder_at_its_own_last_bid(
    won_lot, settled, django_capture_on_commit_callbacks
) -> None:
    lot, applications = won_lot
    RepresentativeFactory(company=applications["Steppe"].company, user__email="a@steppe.kz")
    RepresentativeFactory(
        company=applications["Ridgeline"].company, user__email="b@ridgeline.example"
    )
    mail.outbox.clear()
    day_after = DEADLINE + timedelta(days=1)  # Tue 30 June 2026

    with django_capture_on_commit_callbacks(execute=True):
        assert services.forfeit_overdue_licences(today=day_after) == [settled.pk]

    settled.refresh_from_db()
    assert settled.status == Licence.Status.FORFEITED
    assert deposit_status(applications["Steppe"]) == Payment.Status.FORFEITED
    offer = Licence.objects.get(lot=lot, status=Licence.Status.AWAITING_PAYMENT)
    assert offer.holder == applications["Ridgeline"].company
    assert offer.signature_bonus == Decimal("115000000.00")
    assert offer.number == "KZ-E-2026-0002"
    # 20 working days from Tue 30 June 2026 (Capital Day, Mon 6 July, is off).
    assert offer.payment_deadline == date(2026, 7, 29)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"a@steppe.kz", "b@ridgeline.example"} <= recipients
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "[Nedra] Licence KZ-E-2026-0001 forfeited",
        "[Nedra] Licence KZ-E-2026-0002: pay the signature bonus by 2026-07-29",
    ]
    offer_email = next(m for m in mail.outbox if "0002" in m.subject)
    assert "next-highest bidder" in offer_email.body


def test_a_second_run_of_the_job_forfeits_nothing_more(settled) -> None:
    day_after = DEADLINE + timedelta(days=1)
    services.forfeit_overdue_licences(today=day_after)
    assert services.forfeit_overdue_licences(today=day_after) == []
    assert Licence.objects.count() == 2


def test_the_duty_walks_down_the_ladder_then_the_lot_fails(won_lot, settled) -> None:
    lot, applications = won_lot
    today = DEADLINE + timedelta(days=1)
    holders = []
    for _ in range(3):
        services.forfeit_overdue_licences(today=today)
        standing = Licence.objects.filter(lot=lot).exclude(status=Licence.Status.FORFEITED)
        holders.append([(lic.holder.legal_name, lic.signature_bonus) for lic in standing])
        today += timedelta(days=60)
    assert holders == [
        [("Ridgeline", Decimal("115000000.00"))],
        [("Altai", Decimal("110000000.00"))],
        [],
    ]
    lot.refresh_from_db()
    assert lot.status == Lot.Status.FAILED
    assert "did not pay" in lot.status_reason
    assert Deposit.objects.get(pk=lot.deposit_id).status == Deposit.Status.AVAILABLE
    assert deposit_status(applications["Steppe"]) == Payment.Status.FORFEITED
    # The others' deposits were released at settlement and are never taken back.
    assert deposit_status(applications["Ridgeline"]) == Payment.Status.REFUND_DUE
    assert deposit_status(applications["Altai"]) == Payment.Status.REFUND_DUE
    # Settling again after the lot failed changes nothing.
    assert services.settle_lot(lot_id=lot.pk) is None
    assert Licence.objects.filter(lot=lot).count() == 3


def test_a_single_applicant_that_does_not_pay_fails_the_lot() -> None:
    lot = LotFactory(single_participant_rule=Lot.SingleParticipantRule.OFFER_AT_START)
    application = admit(CompanyFactory(), lot, 1)
    Deposit.objects.filter(pk=lot.deposit_id).update(status=Deposit.Status.OFFERED)
    lot.status = Lot.Status.CLOSED
    lot.save(update_fields=["status"])
    Result.objects.create(
        lot=lot,
        outcome=Result.Outcome.AWARDED,
        winner=application,
        winning_bonus=lot.starting_price,
        bid_count=0,
        closed_at=CLOSED_AT,
    )
    licence = services.settle_lot(lot_id=lot.pk)
    services.forfeit_overdue_licences(today=licence.payment_deadline + timedelta(days=1))
    lot.refresh_from_db()
    assert lot.status == Lot.Status.FAILED
    assert Deposit.objects.get(pk=lot.deposit_id).status == Deposit.Status.AVAILABLE
    assert deposit_status(application) == Payment.Status.FORFEITED


def test_a_suspended_bidder_is_passed_over(won_lot, settled) -> None:
    lot, applications = won_lot
    Company.objects.filter(pk=applications["Ridgeline"].company_id).update(
        status=Company.Status.SUSPENDED, status_reason="Sanctions screening pending."
    )
    services.forfeit_overdue_licences(today=DEADLINE + timedelta(days=1))
    offer = Licence.objects.get(lot=lot, status=Licence.Status.AWAITING_PAYMENT)
    assert offer.holder == applications["Altai"].company


def test_a_bonus_recorded_before_the_job_runs_keeps_the_licence(settled, staff_clerk) -> None:
    services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    assert services.forfeit_overdue_licences(today=DEADLINE + timedelta(days=30)) == []
    settled.refresh_from_db()
    assert settled.status == Licence.Status.ACTIVE


def test_a_forfeited_licence_cannot_be_paid_and_a_current_one_not_forfeited(
    settled, staff_clerk
) -> None:
    with pytest.raises(DomainError) as not_overdue:
        services.forfeit_licence(licence_id=settled.pk, today=DEADLINE)
    assert not_overdue.value.code == "licence_not_overdue"
    services.forfeit_licence(licence_id=settled.pk, today=DEADLINE + timedelta(days=1))
    with pytest.raises(DomainError) as not_awaiting:
        services.record_bonus_payment(licence_id=settled.pk, recorded_by=staff_clerk)
    assert not_awaiting.value.code == "licence_not_awaiting_payment"


# --- Expiry ---------------------------------------------------------------------------------


def test_licences_expire_on_their_expiry_date_and_free_the_deposit() -> None:
    due = LicenceFactory(issued_on=date(2020, 6, 1), expires_on=date(2026, 6, 1))
    Deposit.objects.filter(pk=due.deposit_id).update(status=Deposit.Status.LICENSED)
    running = LicenceFactory(issued_on=date(2020, 6, 2), expires_on=date(2026, 6, 2))
    Deposit.objects.filter(pk=running.deposit_id).update(status=Deposit.Status.LICENSED)

    assert services.expire_licences(today=date(2026, 6, 1)) == 1

    due.refresh_from_db()
    running.refresh_from_db()
    assert due.status == Licence.Status.EXPIRED
    assert running.status == Licence.Status.ACTIVE
    assert Deposit.objects.get(pk=due.deposit_id).status == Deposit.Status.AVAILABLE
    assert Deposit.objects.get(pk=running.deposit_id).status == Deposit.Status.LICENSED
    assert services.expire_licences(today=date(2026, 6, 1)) == 0


def test_the_expiry_task_runs_the_service() -> None:
    from licensing import tasks

    LicenceFactory(issued_on=date(2000, 1, 1), expires_on=date(2006, 1, 1))
    assert tasks.expire_licences.delay().get() == 1


# --- Refunds --------------------------------------------------------------------------------


def test_a_deposit_due_for_refund_is_recorded_refunded_once(won_lot, settled, staff_clerk):
    _, applications = won_lot
    payment = applications["Altai"].payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    auction_services.record_refund(payment_id=payment.pk, recorded_by=staff_clerk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    with pytest.raises(DomainError) as error:
        auction_services.record_refund(payment_id=payment.pk, recorded_by=staff_clerk)
    assert error.value.code == "payment_not_refund_due"


def test_the_winners_applied_deposit_is_not_refunded(won_lot, settled, staff_clerk) -> None:
    _, applications = won_lot
    payment = applications["Steppe"].payments.get(kind=Payment.Kind.GUARANTEE_DEPOSIT)
    with pytest.raises(DomainError):
        auction_services.record_refund(payment_id=payment.pk, recorded_by=staff_clerk)


def test_when_nobody_is_left_the_lots_sockets_are_told_it_failed(
    won_lot, settled, django_capture_on_commit_callbacks
) -> None:
    lot, _ = won_lot
    today = DEADLINE + timedelta(days=1)
    for _round in range(2):
        services.forfeit_overdue_licences(today=today)
        today += timedelta(days=60)
    with (
        mock.patch("auctions.live.broadcast_closed") as broadcast,
        mock.patch("licensing.tasks.settle_finished_lot.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.forfeit_overdue_licences(today=today)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.FAILED
    broadcast.assert_called_once_with(lot.pk)
