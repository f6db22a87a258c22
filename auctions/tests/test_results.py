"""Results: published per event, once, by the beat job or early by staff; totals in KZT and
USD; participants emailed their outcome once; nothing public before publication."""

from dataclasses import dataclass
from decimal import Decimal
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import notices, selectors, services, tasks
from auctions.models import Application, AuctionEvent, Lot, Result
from auctions.protocol import results_protocol
from auctions.tests.factories import (
    AuctionEventFactory,
    FinishedLotFactory,
    LiveLotFactory,
    LotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company
from core.errors import DomainError

pytestmark = pytest.mark.django_db


@dataclass
class June:
    """Solid minerals, June 2025: gold awarded to Ridgeline over Steppe, tungsten failed
    without bids, copper cancelled with a single applicant, one lot still a draft."""

    event: AuctionEvent
    gold: Lot
    tungsten: Lot
    copper: Lot
    draft: Lot
    ridgeline: Application
    steppe: Application
    steppe_user: AbstractBaseUser
    altai_user: AbstractBaseUser
    caspian_user: AbstractBaseUser


@pytest.fixture
def june(approved_company: Company, bidder_user: AbstractBaseUser) -> June:
    event = AuctionEventFactory(
        code="solid-june-2025", name="Solid minerals, June 2025", kzt_per_usd=Decimal("505.25")
    )
    gold = FinishedLotFactory(event=event, number=1, deposit__name="Akbakai")
    ridgeline = admit(approved_company, gold, 1)
    steppe_user = admitted_representative(
        gold, 2, username="steppe", legal_name="Steppe Lithium LLP", country="KZ"
    )
    steppe = Application.objects.get(lot=gold, participant_number=2)
    place_bids(
        gold,
        [
            (ridgeline, "100000000.00"),
            (steppe, "105000000.00"),
            (ridgeline, "1250000000.00"),
        ],
    )
    finish(gold)
    tungsten = FinishedLotFactory(event=event, number=2, deposit__name="Boguty")
    altai_user = admitted_representative(
        tungsten, 1, username="altai", legal_name="Altai Tungsten LLP", country="KZ"
    )
    finish(tungsten)
    copper = FinishedLotFactory(
        event=event,
        number=3,
        deposit__name="Kounrad",
        status=Lot.Status.CANCELLED,
        status_reason="Only one participant was admitted.",
    )
    caspian_user = admitted_representative(
        copper, 1, username="caspian", legal_name="Caspian Copper Ltd", country="GB"
    )
    draft = LotFactory(event=event, number=4, status=Lot.Status.DRAFT, deposit__name="Draftia")
    return June(
        event=event,
        gold=gold,
        tungsten=tungsten,
        copper=copper,
        draft=draft,
        ridgeline=ridgeline,
        steppe=steppe,
        steppe_user=steppe_user,
        altai_user=altai_user,
        caspian_user=caspian_user,
    )


def text(response) -> str:
    return response.content.decode()


def refreshed(event: AuctionEvent) -> AuctionEvent:
    return AuctionEvent.objects.get(pk=event.pk)


# --- Publishing --------------------------------------------------------------------------


def test_an_event_whose_lots_have_all_finished_is_published(june: June) -> None:
    event = services.publish_results(event_id=june.event.pk)
    assert event.results_published_at is not None
    assert refreshed(june.event).are_results_published


def test_an_event_with_a_running_lot_is_not_published_without_staff_asking(june: June) -> None:
    LiveLotFactory(event=june.event, number=5)
    with pytest.raises(DomainError) as refusal:
        services.publish_results(event_id=june.event.pk)
    assert refusal.value.code == "lots_unfinished"
    assert "Lot 5 has not finished yet" in refusal.value.message
    assert not refreshed(june.event).are_results_published


def test_staff_may_publish_early_and_a_running_lot_stays_hidden(june: June, client: Client) -> None:
    live = LiveLotFactory(event=june.event, number=5, deposit__name="Still running")
    admitted_representative(live, 1, legal_name="Secret Bidder LLP")
    services.publish_results(event_id=june.event.pk, early=True)

    page = text(client.get(reverse("auctions:event_results", args=[june.event.code])))
    assert "Still running" in page
    assert "Not finished yet" in page
    assert "Secret Bidder LLP" not in page
    assert client.get(reverse("auctions:bid_log", args=[live.pk])).status_code == 404
    assert client.get(reverse("auctions:protocol", args=[live.pk])).status_code == 404


def test_results_are_published_once(june: June) -> None:
    services.publish_results(event_id=june.event.pk)
    first = refreshed(june.event).results_published_at
    with pytest.raises(DomainError) as refusal:
        services.publish_results(event_id=june.event.pk, early=True)
    assert refusal.value.code == "already_published"
    assert refreshed(june.event).results_published_at == first


def test_an_event_without_a_finished_lot_has_nothing_to_publish() -> None:
    lot = LiveLotFactory()
    with pytest.raises(DomainError) as refusal:
        services.publish_results(event_id=lot.event_id, early=True)
    assert refusal.value.code == "no_finished_lots"


def test_the_job_publishes_only_finished_events_and_each_once(june: June) -> None:
    running = LiveLotFactory().event
    FinishedLotFactory(event=running, status=Lot.Status.FAILED)
    already = FinishedLotFactory(status=Lot.Status.FAILED).event
    already.results_published_at = published_at = timezone.now()
    already.save()
    only_drafts = LotFactory(status=Lot.Status.DRAFT).event

    assert services.publish_finished_events() == [june.event.pk]
    assert services.publish_finished_events() == []
    assert not refreshed(running).are_results_published
    assert not refreshed(only_drafts).are_results_published
    assert refreshed(already).results_published_at == published_at


def test_the_beat_runs_the_publication_job_every_minute(june: June) -> None:
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "auctions.tasks.publish_finished_events"
    )
    assert entry["schedule"] == 60.0
    assert tasks.publish_finished_events.delay().get() == [june.event.pk]


# --- Emails ------------------------------------------------------------------------------


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def test_publishing_emails_each_participant_its_outcome_once(
    june: June, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(event_id=june.event.pk)

    assert len(mail.outbox) == 4
    (won,) = mails_to("ridgeline@example.com")
    assert won.subject == "[Nedra] You won Lot 1 (Akbakai)"
    assert "Participant 1" in won.body
    assert "KZT\u00a01,250,000,000" in won.body
    (lost,) = mails_to("steppe@example.com")
    assert "Participant 1 won Lot 1 (Akbakai)" in lost.body
    assert "Ridgeline" not in lost.body
    (failed,) = mails_to("altai@example.com")
    assert "did not award a licence" in failed.body
    (cancelled,) = mails_to("caspian@example.com")
    assert "Only one participant was admitted." in cancelled.body
    assert all("/results/solid-june-2025/" in message.body for message in mail.outbox)
    assert refreshed(june.event).results_notified_at is not None

    # A retried or repeated task sends nothing more.
    assert notices.send_results_notices.delay(june.event.pk).get() == 0
    assert notices.notify_results(event_id=june.event.pk) == 0
    assert len(mail.outbox) == 4


def test_nothing_is_emailed_before_publication(june: June) -> None:
    assert notices.notify_results(event_id=june.event.pk) == 0
    assert mail.outbox == []
    assert refreshed(june.event).results_notified_at is None


def test_a_failed_send_leaves_the_emails_due_for_the_retry(
    june: June, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.publish_results(event_id=june.event.pk)

    def refuse(self: EmailBackend, messages: list) -> int:
        raise SMTPException("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        with pytest.raises(SMTPException):
            notices.notify_results(event_id=june.event.pk)
    assert refreshed(june.event).results_notified_at is None

    assert notices.notify_results(event_id=june.event.pk) == 4
    assert len(mail.outbox) == 4


def test_after_an_early_publication_a_running_lots_participants_hear_it_is_not_finished(
    june: June,
) -> None:
    live = LiveLotFactory(event=june.event, number=5, deposit__name="Still running")
    admitted_representative(live, 1, username="late")
    services.publish_results(event_id=june.event.pk, early=True)
    notices.notify_results(event_id=june.event.pk)
    (pending,) = mails_to("late@example.com")
    assert "has not finished yet" in pending.body


# --- Totals ------------------------------------------------------------------------------


def test_totals_count_lots_and_bonuses_in_kzt_and_usd(
    june: June, django_assert_num_queries
) -> None:
    second = FinishedLotFactory(event=june.event, number=6)
    bidder = admit(Company.objects.get(legal_name="Steppe Lithium LLP"), second, 1)
    place_bids(second, [(bidder, "2100000000.55")])
    finish(second)
    # Closed without an award (the winner's duty lapsed, say): it counts as failed.
    unpaid = FinishedLotFactory(event=june.event, number=7)
    Result.objects.create(
        lot=unpaid, outcome=Result.Outcome.FAILED, bid_count=0, closed_at=unpaid.ends_at
    )

    with django_assert_num_queries(1):
        totals = selectors.results.event_totals(june.event.pk)

    assert (totals.lots_offered, totals.lots_awarded, totals.lots_failed) == (5, 2, 3)
    assert totals.lots_unfinished == 0
    assert totals.bonus_kzt == Decimal("3350000000.55")
    # 3 350 000 000.55 / 505.25 = 6 630 381.0005…, rounded half up to the cent.
    assert totals.bonus_usd == Decimal("6630381.00")


def test_totals_without_a_rate_have_no_dollar_figure(june: June, client: Client) -> None:
    june.event.kzt_per_usd = None
    june.event.save()
    assert selectors.results.event_totals(june.event.pk).bonus_usd is None
    services.publish_results(event_id=june.event.pk)
    page = text(client.get(reverse("auctions:event_results", args=[june.event.code])))
    assert "No exchange rate was set for this event." in page


def test_an_event_without_awards_totals_zero() -> None:
    lot = FinishedLotFactory(status=Lot.Status.FAILED)
    totals = selectors.results.event_totals(lot.event_id)
    assert totals.bonus_kzt == Decimal("0.00")
    assert totals.bonus_usd == Decimal("0.00")
    assert (totals.lots_offered, totals.lots_awarded, totals.lots_failed) == (1, 0, 1)


# --- Pages -------------------------------------------------------------------------------


def test_the_public_sees_nothing_of_unpublished_results(june: June, client: Client) -> None:
    assert "Solid minerals, June 2025" not in text(client.get(reverse("auctions:results")))
    response = client.get(reverse("auctions:event_results", args=[june.event.code]))
    assert response.status_code == 404
    lot_page = text(client.get(reverse("lot", args=[june.gold.pk])))
    assert "Ridgeline" not in lot_page
    assert "Winning signature bonus" not in lot_page
    assert client.get(reverse("auctions:protocol", args=[june.gold.pk])).status_code == 404


def test_staff_preview_unpublished_results_under_a_banner(
    june: June, client: Client, staff_clerk: AbstractBaseUser
) -> None:
    client.force_login(staff_clerk)
    page = text(client.get(reverse("auctions:event_results", args=[june.event.code])))
    assert "Preview for ministry staff" in page
    assert "Ridgeline Critical Minerals Inc." in page


def test_a_bidder_cannot_preview_results(june: June, client: Client) -> None:
    client.force_login(june.steppe_user)
    response = client.get(reverse("auctions:event_results", args=[june.event.code]))
    assert response.status_code == 404


def test_published_results_show_totals_and_each_lots_outcome(june: June, client: Client) -> None:
    services.publish_results(event_id=june.event.pk)

    index = text(client.get(reverse("auctions:results")))
    assert "Solid minerals, June 2025" in index
    assert "KZT\u00a01,250,000,000" in index
    assert "$2,474,022.76" in index

    page = text(client.get(reverse("auctions:event_results", args=[june.event.code])))
    assert "Preview" not in page
    assert "Ridgeline Critical Minerals Inc." in page
    assert "Participant 1" in page
    for deposit in ("Akbakai", "Boguty", "Kounrad"):
        assert deposit in page
    assert "Draftia" not in page
    assert "Cancelled" in page
    assert reverse("auctions:bid_log", args=[june.gold.pk]) in page
    assert reverse("auctions:protocol", args=[june.gold.pk]) in page
    # Losers stay numbers: only the winner is named.
    assert "Steppe Lithium LLP" not in page


def test_the_lot_page_shows_its_result_once_published(june: June, client: Client) -> None:
    services.publish_results(event_id=june.event.pk)
    page = text(client.get(reverse("lot", args=[june.gold.pk])))
    assert "Ridgeline Critical Minerals Inc." in page
    assert "Winning signature bonus" in page
    assert reverse("auctions:bid_log_json", args=[june.gold.pk]) in page
    failed = text(client.get(reverse("lot", args=[june.tungsten.pk])))
    assert "Winning signature bonus" not in failed
    assert reverse("auctions:bid_log", args=[june.tungsten.pk]) in failed


def test_results_pages_take_a_bounded_number_of_queries(
    june: June, client: Client, django_assert_max_num_queries
) -> None:
    services.publish_results(event_id=june.event.pk)
    for number in range(10, 30):
        lot = FinishedLotFactory(event=june.event, number=number)
        place_bids(
            lot,
            [(admit(Company.objects.get(legal_name="Steppe Lithium LLP"), lot, 1), "200000000.00")],
        )
        finish(lot)
        FinishedLotFactory(status=Lot.Status.FAILED, event__results_published_at=timezone.now())
    with django_assert_max_num_queries(3):
        assert client.get(reverse("auctions:results")).status_code == 200
    # The event, its lots, their minerals, the two breakdowns of the charts, and the lots'
    # chain heads for the event's root hash.
    with django_assert_max_num_queries(6):
        assert (
            client.get(reverse("auctions:event_results", args=[june.event.code])).status_code == 200
        )


# --- Results protocol --------------------------------------------------------------------


def test_the_protocol_before_publication_shows_participants_by_number_only(
    june: June, written: list[str]
) -> None:
    results_protocol(june.gold.pk).output()
    everything = "\n".join(written)
    assert "Results not yet published" in everything
    assert "Ridgeline" not in everything
    assert "Steppe" not in everything
    assert "Participant 1" in everything
    assert "KZT\u00a01,250,000,000" in everything
    assert june.gold.bids.get(sequence=3).hash in everything
    # Times are named in words: "AST" reads as Atlantic or Arabia time.
    assert "Astana time (UTC+5)" in everything
    assert " AST" not in everything


def test_the_published_protocol_names_the_participants(june: June, written: list[str]) -> None:
    services.publish_results(event_id=june.event.pk)
    results_protocol(june.gold.pk).output()
    everything = "\n".join(written)
    assert "Ridgeline Critical Minerals Inc. (US)" in everything
    assert "Steppe Lithium LLP (KZ)" in everything
    assert "Participant 1: Ridgeline Critical Minerals Inc." in everything


def test_the_protocol_goes_to_staff_and_participants_before_publication(
    june: June, client: Client, staff_clerk: AbstractBaseUser
) -> None:
    url = reverse("auctions:protocol", args=[june.gold.pk])
    assert client.get(url).status_code == 404
    client.force_login(june.altai_user)  # took part in another lot only
    assert client.get(url).status_code == 404
    client.force_login(june.steppe_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(staff_clerk)
    assert client.get(url).status_code == 200


def test_the_protocol_is_public_after_publication(june: June, client: Client) -> None:
    services.publish_results(event_id=june.event.pk)
    for lot in (june.gold, june.tungsten, june.copper):
        response = client.get(reverse("auctions:protocol", args=[lot.pk]))
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
    assert (
        "results-protocol-solid-june-2025-lot-1.pdf"
        in client.get(reverse("auctions:protocol", args=[june.gold.pk]))["Content-Disposition"]
    )


def test_the_protocol_takes_a_bounded_number_of_queries(
    june: June, client: Client, django_assert_max_num_queries
) -> None:
    services.publish_results(event_id=june.event.pk)
    offers = [
        ((june.ridgeline, june.steppe)[n % 2], f"{1300000000 + n * 5000000}.00") for n in range(40)
    ]
    place_bids(june.gold, offers)
    # The first download issues the protocol (renders, signs and stores it); later ones
    # serve the stored file. Neither grows with the 40 bids.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("auctions:protocol", args=[june.gold.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        again = client.get(reverse("auctions:protocol", args=[june.gold.pk]))
    assert again.content == response.content


def test_an_unfinished_lot_has_no_protocol_even_for_staff(
    client: Client, staff_clerk: AbstractBaseUser
) -> None:
    client.force_login(staff_clerk)
    live = LiveLotFactory()
    assert client.get(reverse("auctions:protocol", args=[live.pk])).status_code == 404


# --- Admin -------------------------------------------------------------------------------


def test_the_admin_action_publishes_early_and_reports_refusals(
    june: June, client: Client, staff_clerk: AbstractBaseUser, django_capture_on_commit_callbacks
) -> None:
    LiveLotFactory(event=june.event, number=5)
    nothing_finished = LiveLotFactory().event
    client.force_login(staff_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:auctions_auctionevent_changelist"),
            {"action": "publish_results", "_selected_action": [june.event.pk, nothing_finished.pk]},
            follow=True,
        )
    page = text(response)
    assert "Results published: 1." in page
    assert "nothing to publish" in page
    assert refreshed(june.event).are_results_published
    assert not refreshed(nothing_finished).are_results_published
    assert len(mail.outbox) == 4  # the running lot has no participants to tell


def test_the_admin_event_page_shows_the_totals(
    june: June, client: Client, staff_clerk: AbstractBaseUser
) -> None:
    client.force_login(staff_clerk)
    page = text(client.get(reverse("admin:auctions_auctionevent_change", args=[june.event.pk])))
    assert "awarded: 1" in page
    assert "KZT\u00a01,250,000,000" in page
    assert reverse("auctions:event_results", args=[june.event.code]) in page
