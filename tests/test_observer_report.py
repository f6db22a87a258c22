"""The observer's report of a published event: per lot, bids over time, the share in the
last minutes and after extensions, participants who never bid, a forfeited winner and
participants sharing a beneficial owner; across events, companies that win by turns."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.models import Application, AuctionEvent, Lot
from auctions.tests.factories import AuctionEventFactory, LotFactory, admit, finish, place_bids
from bidders.models import Company
from bidders.tests.factories import BeneficialOwnerFactory, CompanyFactory, UserFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory, auctioned_lot
from pages.observer import bid_timing, event_report, rotation_pairs

pytestmark = pytest.mark.django_db

WINDOW = timedelta(minutes=5)


@dataclass
class Observed:
    """Solid minerals, June 2025, published. Lot 1 ran from 10:00, due to end at 11:00 with
    a five-minute soft close: Alpha bid at 10:10, Beta at 10:20, Alpha at 10:57 (extending
    to 11:02), Beta at 11:01 (extending to 11:06) and won; Gamma never bid; Delta shares
    an owner with Alpha and never bid either. Beta then forfeited, and the licence passed
    to Alpha."""

    event: AuctionEvent
    lot: Lot
    alpha: Company
    beta: Company
    gamma: Company
    delta: Company


@pytest.fixture
def observed() -> Observed:
    return observed_event()


def observed_event() -> Observed:
    """Build and publish the event `Observed` describes."""
    event = AuctionEventFactory(code="solid-june-2025", name="Solid minerals, June 2025")
    start = timezone.now().replace(microsecond=0) - timedelta(days=2)
    lot = LotFactory(
        event=event,
        number=1,
        application_deadline=start - timedelta(days=3),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        hard_end=start + timedelta(hours=2),
        soft_close_window=WINDOW,
        status=Lot.Status.LIVE,
    )
    alpha = CompanyFactory(legal_name="Alpha Mining LLP")
    beta = CompanyFactory(legal_name="Beta Resources JSC")
    gamma = CompanyFactory(legal_name="Gamma Metals LLP")
    delta = CompanyFactory(legal_name="Delta Holding Ltd")
    BeneficialOwnerFactory(company=alpha, country="KZ", identifier="N1234567")
    BeneficialOwnerFactory(company=delta, country="KZ", identifier="n1234567")
    BeneficialOwnerFactory(company=gamma, country="KZ", identifier="N7654321")
    applications = {
        company: admit(company, lot, number)
        for number, company in enumerate([alpha, beta, gamma, delta], start=1)
    }
    for minute, company, amount in [
        (10, alpha, "100000000.00"),
        (20, beta, "105000000.00"),
        (57, alpha, "110000000.00"),
        (61, beta, "115000000.00"),
    ]:
        place_bids(lot, [(applications[company], amount)], start=start + timedelta(minutes=minute))
    # The engine moved the end twice: 10:57 + 5 minutes, then 11:01 + 5 minutes.
    lot.ends_at = start + timedelta(minutes=66)
    lot.save(update_fields=["ends_at"])
    finish(lot)
    services.publish_results(event_id=event.pk)
    deadline = (timezone.now() - timedelta(days=1)).date()
    LicenceFactory(
        lot=lot,
        holder=beta,
        status=Licence.Status.FORFEITED,
        signature_bonus=Decimal("115000000.00"),
        payment_deadline=deadline,
        issued_on=None,
        expires_on=None,
    )
    LicenceFactory(
        lot=lot,
        holder=alpha,
        status=Licence.Status.AWAITING_PAYMENT,
        signature_bonus=Decimal("110000000.00"),
        issued_on=None,
        expires_on=None,
    )
    return Observed(event, lot, alpha, beta, gamma, delta)


def report_url(event: AuctionEvent, language: str = "") -> str:
    url = reverse("observer_report", args=[event.code])
    return f"/{language}{url}" if language else url


def test_lot_figures_on_a_constructed_event(observed: Observed) -> None:
    (report,) = event_report(observed.event, user=UserFactory())

    assert report.timing.bid_count == 4
    # 10:57 (within five minutes of 11:00) and 11:01 (within five of 11:02).
    assert report.timing.in_last_minutes == 2
    assert report.timing.last_minutes_percent == 50
    assert report.timing.after_extension == 1
    assert report.timing.after_extension_percent == 25
    assert report.timing.was_extended
    assert [participant.number for participant in report.never_bid] == [3, 4]
    assert report.forfeited_winner is not None
    assert report.forfeited_winner.number == 2
    assert report.forfeited_winner.name == "Beta Resources JSC"
    assert [participant.name for participant in report.duty_passed_to] == ["Alpha Mining LLP"]
    # One owner in two spellings of the same passport number.
    assert [[p.number for p in group] for group in report.shared_owners] == [[1, 4]]


def test_a_lot_without_extension_has_no_bid_in_the_last_minutes() -> None:
    start = timezone.now()
    placed = [start + timedelta(minutes=minute) for minute in (1, 2, 30)]

    timing = bid_timing(
        placed,
        ends_at=start + timedelta(hours=1),
        hard_end=start + timedelta(hours=2),
        window=WINDOW,
    )

    assert (timing.in_last_minutes, timing.after_extension, timing.was_extended) == (0, 0, False)


def test_a_run_capped_by_the_hard_end_still_counts_as_the_last_minutes() -> None:
    start = timezone.now()
    hard_end = start + timedelta(minutes=63)
    placed = [start + timedelta(minutes=minute) for minute in (10, 56, 59, 61)]

    timing = bid_timing(placed, ends_at=hard_end, hard_end=hard_end, window=WINDOW)

    assert (timing.in_last_minutes, timing.after_extension) == (3, 2)


def test_page_shows_the_figures_names_and_chart(client: Client, observed: Observed) -> None:
    response = client.get(report_url(observed.event))

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 (50%)" in html
    assert "1 (25%)" in html
    assert "Participant 3 (Gamma Metals LLP), Participant 4 (Delta Holding Ltd)" in html
    assert "Participant 2 (Beta Resources JSC) did not pay" in html
    assert "Participant 1 (Alpha Mining LLP), Participant 4 (Delta Holding Ltd)" in html
    # Owners' identities are the companies' own business: never on the page.
    assert "N1234567" not in html
    assert "n1234567" not in html
    assert html.count("<svg") == 1
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ' style="' not in html


def test_results_page_links_to_the_report(client: Client, observed: Observed) -> None:
    response = client.get(reverse("auctions:event_results", args=[observed.event.code]))

    assert report_url(observed.event) in response.content.decode()


def test_unpublished_event_has_no_report_and_its_names_stay_hidden(client: Client) -> None:
    event = AuctionEventFactory()
    auctioned_lot(
        [("Hidden Tenderer LLP", "150000000.00"), ("Secret Winner JSC", "170000000.00")],
        event=event,
    )

    assert client.get(report_url(event)).status_code == 404
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(report_url(event)).status_code == 404


def test_a_lot_still_running_after_an_early_publication_is_left_out(client: Client) -> None:
    event = AuctionEventFactory()
    auctioned_lot([("Steppe Mining LLP", "150000000.00")], event=event, number=1)
    running = LotFactory(event=event, number=2, status=Lot.Status.LIVE)
    admit(CompanyFactory(legal_name="Running Bidder LLP"), running, 1)
    services.publish_results(event_id=event.pk, early=True)

    html = client.get(report_url(event)).content.decode()

    assert "Running Bidder" not in html
    assert [report.lot.number for report in event_report(event, user=UserFactory())] == [1]


def test_companies_winning_by_turns_across_events_are_flagged(observed: Observed) -> None:
    later = AuctionEventFactory(code="solid-july-2025", name="Solid minerals, July 2025")
    auctioned_lot(
        [("Alpha Mining LLP", "100000000.00"), ("Beta Resources JSC", "120000000.00")],
        companies={"Alpha Mining LLP": observed.alpha, "Beta Resources JSC": observed.beta},
        event=later,
        number=1,
    )
    auctioned_lot(
        [("Beta Resources JSC", "100000000.00"), ("Alpha Mining LLP", "130000000.00")],
        companies={"Alpha Mining LLP": observed.alpha, "Beta Resources JSC": observed.beta},
        event=later,
        number=2,
    )
    services.publish_results(event_id=later.pk)

    pairs = rotation_pairs(later)
    # Alpha and Beta met in three lots: Beta won June's lot 1 and July's lot 1, Alpha
    # July's lot 2. Gamma and Delta met them in one lot only.
    (pair,) = pairs
    assert {pair.first, pair.second} == {"Alpha Mining LLP", "Beta Resources JSC"}
    assert pair.lot_count == 3
    wins = {pair.first: pair.first_wins, pair.second: pair.second_wins}
    assert wins["Alpha Mining LLP"] == ["Solid minerals, July 2025, lot 2"]
    assert len(wins["Beta Resources JSC"]) == 2
    assert rotation_pairs(observed.event) == pairs


def test_a_third_winner_breaks_the_rotation(observed: Observed) -> None:
    later = AuctionEventFactory()
    companies = {"Alpha": observed.alpha, "Beta": observed.beta, "Other": CompanyFactory()}
    auctioned_lot(
        [("Alpha", "100000000.00"), ("Beta", "110000000.00"), ("Other", "120000000.00")],
        companies=companies,
        event=later,
    )
    services.publish_results(event_id=later.pk)

    assert rotation_pairs(later) == []


def test_an_unpublished_event_counts_for_no_rotation(observed: Observed) -> None:
    later = AuctionEventFactory()
    auctioned_lot(
        [("Beta", "100000000.00"), ("Alpha", "130000000.00")],
        companies={"Alpha": observed.alpha, "Beta": observed.beta},
        event=later,
    )

    assert rotation_pairs(observed.event) == []


@pytest.mark.parametrize("language", ["en", "ru", "kk", "zh-hans"])
def test_report_renders_in_each_language(client: Client, observed: Observed, language: str) -> None:
    response = client.get(report_url(observed.event, "" if language == "en" else language))

    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert re.search(r'<html[^>]* lang="' + language, response.content.decode())
    assert "Alpha Mining LLP" in response.content.decode()


def test_admitted_application_keeps_number_without_name_while_names_are_not_public(
    observed: Observed,
) -> None:
    # The identity policy names participants only once the lot has finished: a lot whose
    # status said otherwise would show numbers only, whatever its snapshot holds.
    Lot.objects.filter(pk=observed.lot.pk).update(status=Lot.Status.LIVE)

    (report,) = event_report(observed.event, user=UserFactory(is_staff=True))

    assert not report.names_shown
    assert all(participant.name == "" for participant in report.never_bid)
    assert str(report.never_bid[0]) == "Participant 3"
    assert Application.objects.filter(lot=observed.lot).count() == 4
