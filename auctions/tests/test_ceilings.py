"""Bids backed by money: the ceiling rule, the engine's above_limit refusal, the bank
guarantee the ministry records, the API's view of a participant's own ceiling, and the
ceiling in force kept with the result."""

import csv
import io
import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from auctions import ceilings, engine, services
from auctions.models import Application, Bid, Lot, Payment, PublishedResult, Result
from auctions.protocol import protocol_facts, results_protocol
from auctions.tests.factories import LiveLotFactory, LotFactory, admitted_representative
from bidders.tests.factories import UserFactory
from core.errors import DomainError
from core.money import format_kzt

pytestmark = pytest.mark.django_db

DEPOSIT = Decimal("10000000.00")  # LotFactory's guarantee deposit
START = Decimal("100000000.00")
STEP = Decimal("5000000.00")
TWELVE = Decimal("12")
# Twelve times the deposit.
DEPOSIT_CEILING = Decimal("120000000.00")


def ceiling_lot(rule: str, multiple: Decimal | None = None, **fields: object) -> Lot:
    return LiveLotFactory(bid_ceiling=rule, bid_ceiling_multiple=multiple, **fields)


def bid(user: AbstractBaseUser, lot: Lot, amount: object) -> engine.BidOutcome:
    return engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


def refusal(user: AbstractBaseUser, lot: Lot, amount: object) -> DomainError:
    with pytest.raises(DomainError) as error:
        bid(user, lot, amount)
    return error.value


def application_of(user: AbstractBaseUser, lot: Lot) -> Application:
    return Application.objects.get(lot=lot, company__representatives__user=user)


def record(
    application: Application, amount: str, *, by: AbstractBaseUser | None = None
) -> Application:
    return ceilings.record_bank_guarantee(
        application_id=application.pk,
        amount=Decimal(amount),
        reference="No. 7/2025, Halyk Bank",
        recorded_by=by or UserFactory(is_staff=True),
    )


# --- The rule -------------------------------------------------------------------------------


def test_no_ceiling_allows_any_amount() -> None:
    assert ceilings.NO_CEILING.amount is None
    ceilings.check(Decimal("9999999999999.99"), ceilings.NO_CEILING)


@pytest.mark.parametrize(
    ("rule", "deposit", "guarantee", "expected"),
    [
        ("deposit", "10000000.00", "50000000.00", "120000000.00"),
        ("bank_guarantee", "10000000.00", "50000000.00", "50000000.00"),
        ("deposit_and_bank_guarantee", "10000000.00", "50000000.00", "170000000.00"),
        # What is not received or not recorded counts as nothing.
        ("deposit", None, "50000000.00", "0.00"),
        ("bank_guarantee", "10000000.00", None, "0.00"),
        ("deposit_and_bank_guarantee", None, "50000000.00", "50000000.00"),
        ("deposit_and_bank_guarantee", "10000000.00", None, "120000000.00"),
    ],
)
def test_the_ceiling_is_the_multiple_of_the_deposit_plus_the_guarantee_as_the_rule_counts(
    rule: str, deposit: str | None, guarantee: str | None, expected: str
) -> None:
    ceiling = ceilings.Ceiling(
        rule=rule,
        multiple=TWELVE,
        deposit=None if deposit is None else Decimal(deposit),
        bank_guarantee=None if guarantee is None else Decimal(guarantee),
    )
    assert ceiling.amount == Decimal(expected)


def test_a_fractional_multiple_rounds_the_ceiling_down_to_the_tiyn() -> None:
    ceiling = ceilings.Ceiling(
        rule="deposit", multiple=Decimal("1.33"), deposit=Decimal("0.07"), bank_guarantee=None
    )
    # 1.33 x 0.07 = 0.0931: never a fraction of a tiyn more than the money behind it.
    assert ceiling.amount == Decimal("0.09")


def test_an_amount_at_the_ceiling_passes_and_a_tiyn_above_is_above_limit() -> None:
    ceiling = ceilings.Ceiling(
        rule="deposit", multiple=TWELVE, deposit=DEPOSIT, bank_guarantee=None
    )
    ceilings.check(DEPOSIT_CEILING, ceiling)
    with pytest.raises(DomainError) as error:
        ceilings.check(DEPOSIT_CEILING + Decimal("0.01"), ceiling)
    assert error.value.code == "above_limit"
    assert format_kzt(DEPOSIT_CEILING) in error.value.message
    assert "larger guarantee deposit" in error.value.message


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("deposit", "only a larger guarantee deposit would raise it"),
        ("bank_guarantee", "a larger bank guarantee, recorded by the ministry, would raise it"),
        (
            "deposit_and_bank_guarantee",
            "a larger guarantee deposit, or a bank guarantee recorded by the ministry",
        ),
    ],
)
def test_the_refusal_says_what_would_raise_the_ceiling(rule: str, says: str) -> None:
    ceiling = ceilings.Ceiling(
        rule=rule, multiple=TWELVE, deposit=DEPOSIT, bank_guarantee=Decimal("1.00")
    )
    with pytest.raises(DomainError) as error:
        ceilings.check(Decimal("999999999.00"), ceiling)
    assert says in error.value.message


def test_the_refusal_is_written_in_the_users_language() -> None:
    ceiling = ceilings.Ceiling(
        rule="deposit", multiple=TWELVE, deposit=DEPOSIT, bank_guarantee=None
    )
    with translation.override("ru"), pytest.raises(DomainError) as error:
        ceilings.check(Decimal("999999999.00"), ceiling)
    # Amounts as Russian readers in Kazakhstan write them.
    assert format_kzt(DEPOSIT_CEILING, language="ru") in error.value.message
    assert "₸" in error.value.message


# --- The lot's rule, as staff set it ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "multiple", "field"),
    [
        ("deposit", None, "bid_ceiling_multiple"),
        ("deposit_and_bank_guarantee", Decimal("0"), "bid_ceiling_multiple"),
        ("bank_guarantee", Decimal("5"), "bid_ceiling_multiple"),
        ("none", Decimal("5"), "bid_ceiling_multiple"),
    ],
)
def test_a_lot_whose_multiple_does_not_fit_its_rule_is_refused_on_that_field(
    rule: str, multiple: Decimal | None, field: str
) -> None:
    lot = LotFactory.build(bid_ceiling=rule, bid_ceiling_multiple=multiple)
    with pytest.raises(ValidationError) as error:
        lot.clean()
    assert field in error.value.message_dict


def test_a_ceiling_tied_to_the_deposit_needs_a_lot_that_asks_one() -> None:
    lot = LotFactory.build(
        bid_ceiling="deposit", bid_ceiling_multiple=TWELVE, guarantee_deposit=Decimal("0")
    )
    with pytest.raises(ValidationError) as error:
        lot.clean()
    assert "bid_ceiling" in error.value.message_dict


def test_the_database_refuses_a_deposit_ceiling_without_a_multiple() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LotFactory(bid_ceiling="deposit", bid_ceiling_multiple=None)


# --- The engine -----------------------------------------------------------------------------


def test_a_bid_above_the_ceiling_is_above_limit_and_nothing_is_stored() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1)
    error = refusal(bidder, lot, DEPOSIT_CEILING + STEP)
    assert error.code == "above_limit"
    assert format_kzt(DEPOSIT_CEILING) in error.message
    lot.refresh_from_db()
    assert (lot.bid_count, lot.current_price, lot.version) == (0, None, 0)
    assert not Bid.objects.exists()


def test_a_bid_at_the_ceiling_is_accepted() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1)
    outcome = bid(bidder, lot, DEPOSIT_CEILING)
    assert outcome.created
    assert outcome.bid.amount == DEPOSIT_CEILING


def test_a_too_low_bid_is_told_too_low_even_above_a_ceiling_below_the_price() -> None:
    # A ceiling below the starting price: every bid is refused, each for its own reason.
    lot = ceiling_lot("deposit", Decimal("5"))
    bidder = admitted_representative(lot, 1)
    assert refusal(bidder, lot, START - STEP).code == "too_low"
    assert refusal(bidder, lot, START).code == "above_limit"


def credit(lot: Lot, amount: str, status: str) -> None:
    """Record the deposit's bank credit as `services.record_bank_payment` leaves it."""
    Payment.objects.filter(application__lot=lot, kind=Payment.Kind.GUARANTEE_DEPOSIT).update(
        status=status,
        amount_received=Decimal(amount),
        value_date=timezone.localdate(),
        bank_reference="BANK-1",
        received_at=timezone.now(),
    )


def test_a_deposit_not_yet_received_counts_for_nothing_and_the_bidder_may_not_bid() -> None:
    lot = ceiling_lot("deposit_and_bank_guarantee", TWELVE)
    bidder = admitted_representative(lot, 1, deposit_status=Payment.Status.AWAITING)
    application = application_of(bidder, lot)
    record(application, "150000000.00")
    # The ceiling counts only the guarantee; the deposit rule refuses the bid first.
    assert ceilings.of_application(lot=lot, application_id=application.pk).amount == Decimal(
        "150000000.00"
    )
    assert refusal(bidder, lot, START).code == "not_admitted"


def test_a_deposit_received_short_counts_for_nothing() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1, deposit_status=Payment.Status.AWAITING)
    credit(lot, "4000000.00", Payment.Status.SHORT)
    application = application_of(bidder, lot)
    assert ceilings.of_application(lot=lot, application_id=application.pk).amount == Decimal("0.00")


def test_the_deposit_counts_what_the_bank_credited() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1, deposit_status=Payment.Status.AWAITING)
    credit(lot, "12500000.00", Payment.Status.RECEIVED)
    # Twelve times the 12.5 million credited: 150 million.
    assert bid(bidder, lot, "150000000.00").created
    lot.refresh_from_db()
    rival = admitted_representative(lot, 2)
    assert refusal(rival, lot, "155000000.00").code == "above_limit"


def test_a_bank_guarantee_recorded_lets_a_bid_above_the_old_ceiling_through() -> None:
    lot = ceiling_lot("bank_guarantee", guarantee_deposit=Decimal("0"))
    bidder = admitted_representative(lot, 1)
    application = application_of(bidder, lot)
    # No guarantee recorded: a ceiling of nothing.
    assert refusal(bidder, lot, START).code == "above_limit"
    record(application, "110000000.00")
    assert refusal(bidder, lot, "115000000.00").code == "above_limit"
    record(application, "200000000.00")
    assert bid(bidder, lot, "115000000.00").created


def test_the_deposit_and_the_guarantee_add_up() -> None:
    lot = ceiling_lot("deposit_and_bank_guarantee", TWELVE)
    bidder = admitted_representative(lot, 1)
    assert refusal(bidder, lot, DEPOSIT_CEILING + STEP).code == "above_limit"
    record(application_of(bidder, lot), str(STEP))
    assert bid(bidder, lot, DEPOSIT_CEILING + STEP).created


def test_each_participant_has_its_own_ceiling() -> None:
    lot = ceiling_lot("bank_guarantee", guarantee_deposit=Decimal("0"))
    first = admitted_representative(lot, 1)
    second = admitted_representative(lot, 2)
    record(application_of(first, lot), "300000000.00")
    record(application_of(second, lot), "110000000.00")
    assert bid(first, lot, START).created
    assert bid(second, lot, "110000000.00").created
    assert bid(first, lot, "300000000.00").created
    assert refusal(second, lot, "305000000.00").code == "above_limit"


def test_a_ceiling_lot_bids_in_as_many_statements_as_a_plain_lot(settings: object) -> None:
    """The ceiling's inputs come with the bid's locked read: no statement is added."""
    counts = []
    for lot in (LiveLotFactory(), ceiling_lot("deposit_and_bank_guarantee", TWELVE)):
        bidder = admitted_representative(lot, 1)
        bid(bidder, lot, START)  # the first bid of a user pays for its budget holder
        rival = admitted_representative(lot, 2)
        bid(rival, lot, START + STEP)
        with CaptureQueriesContext(connection) as queries:
            bid(bidder, lot, START + 2 * STEP)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Recording a bank guarantee ---------------------------------------------------------------


def test_a_recorded_guarantee_says_who_recorded_it_and_when() -> None:
    lot = ceiling_lot("bank_guarantee", guarantee_deposit=Decimal("0"))
    application = application_of(admitted_representative(lot, 1), lot)
    clerk = UserFactory(is_staff=True)
    before = timezone.now()
    recorded = record(application, "250000000.00", by=clerk)
    recorded.refresh_from_db()
    assert recorded.bank_guarantee == Decimal("250000000.00")
    assert recorded.bank_guarantee_reference == "No. 7/2025, Halyk Bank"
    assert recorded.bank_guarantee_recorded_by == clerk
    assert recorded.bank_guarantee_recorded_at >= before


@pytest.mark.parametrize(
    ("rule", "status", "amount", "reference", "code"),
    [
        ("deposit", Lot.Status.LIVE, "1.00", "ref", "guarantee_not_counted"),
        ("none", Lot.Status.LIVE, "1.00", "ref", "guarantee_not_counted"),
        ("bank_guarantee", Lot.Status.CLOSED, "1.00", "ref", "lot_finished"),
        ("bank_guarantee", Lot.Status.LIVE, "-1.00", "ref", "invalid_amount"),
        ("bank_guarantee", Lot.Status.LIVE, "1.001", "ref", "invalid_amount"),
        ("bank_guarantee", Lot.Status.LIVE, "1.00", "   ", "reference_required"),
    ],
)
def test_a_guarantee_that_cannot_count_is_refused_and_nothing_recorded(
    rule: str, status: str, amount: str, reference: str, code: str
) -> None:
    multiple = TWELVE if rule == "deposit" else None
    lot = ceiling_lot(rule, multiple)
    application = application_of(admitted_representative(lot, 1), lot)
    Lot.objects.filter(pk=lot.pk).update(status=status)
    with pytest.raises(DomainError) as error:
        ceilings.record_bank_guarantee(
            application_id=application.pk,
            amount=Decimal(amount),
            reference=reference,
            recorded_by=UserFactory(is_staff=True),
        )
    assert error.value.code == code
    application.refresh_from_db()
    assert application.bank_guarantee is None


def test_a_rejected_application_gets_no_guarantee() -> None:
    lot = ceiling_lot("bank_guarantee", guarantee_deposit=Decimal("0"))
    application = application_of(admitted_representative(lot, 1), lot)
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.REJECTED, participant_number=None, rejection_reason="x"
    )
    with pytest.raises(DomainError) as error:
        record(application, "1.00")
    assert error.value.code == "application_not_live"


# --- The HTTP API ----------------------------------------------------------------------------


def api_client(user: AbstractBaseUser) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_the_api_refuses_a_bid_above_the_ceiling_with_409_above_limit() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1)
    response = api_client(bidder).post(
        reverse("api-lot-bids", args=[lot.pk]),
        {"amount": str(DEPOSIT_CEILING + STEP), "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "above_limit"
    assert format_kzt(DEPOSIT_CEILING) in response.json()["message"]
    response = api_client(bidder).post(
        reverse("api-lot-bids", args=[lot.pk]),
        {"amount": str(DEPOSIT_CEILING), "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_the_api_shows_a_participant_its_own_ceiling() -> None:
    lot = ceiling_lot("deposit_and_bank_guarantee", TWELVE)
    bidder = admitted_representative(lot, 1)
    record(application_of(bidder, lot), "30000000.00")
    response = api_client(bidder).get(reverse("api-lot-ceiling", args=[lot.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "type": "ceiling",
        "lot": lot.pk,
        "amount": "150000000.00",
        "basis": "deposit_and_bank_guarantee",
        "message": body["message"],
    }
    assert format_kzt(Decimal("150000000.00")) in body["message"]


def test_the_api_says_a_plain_lot_has_no_ceiling() -> None:
    lot = LiveLotFactory()
    bidder = admitted_representative(lot, 1)
    body = api_client(bidder).get(reverse("api-lot-ceiling", args=[lot.pk])).json()
    assert (body["amount"], body["basis"]) == (None, "none")


def test_the_api_shows_no_ceiling_to_staff_or_strangers(staff_clerk: AbstractBaseUser) -> None:
    lot = ceiling_lot("deposit", TWELVE)
    admitted_representative(lot, 1)
    stranger = admitted_representative(LiveLotFactory(), 1)
    url = reverse("api-lot-ceiling", args=[lot.pk])
    assert api_client(stranger).get(url).status_code == 403
    response = api_client(staff_clerk).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "not_admitted"
    assert Client().get(url).status_code == 403


# --- Results ---------------------------------------------------------------------------------


def close_now(lot: Lot) -> Lot:
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    return engine.close_lot(lot_id=lot.pk)


def test_the_result_records_the_rule_and_the_winners_ceiling_at_the_close() -> None:
    lot = ceiling_lot("deposit_and_bank_guarantee", TWELVE)
    winner = admitted_representative(lot, 1)
    record(application_of(winner, lot), "30000000.00")
    bid(winner, lot, "140000000.00")
    close_now(lot)
    result = Result.objects.get(lot=lot)
    assert result.bid_ceiling == "deposit_and_bank_guarantee"
    assert result.bid_ceiling_multiple == TWELVE
    assert result.winner_ceiling == Decimal("150000000.00")


def test_a_plain_lots_result_records_no_ceiling() -> None:
    lot = LiveLotFactory()
    winner = admitted_representative(lot, 1)
    bid(winner, lot, START)
    close_now(lot)
    result = Result.objects.get(lot=lot)
    assert (result.bid_ceiling, result.bid_ceiling_multiple, result.winner_ceiling) == (
        "none",
        None,
        None,
    )


def test_the_published_result_keeps_the_ceiling_in_force_and_the_api_shows_it(
    staff_clerk: AbstractBaseUser,
) -> None:
    lot = ceiling_lot("deposit", TWELVE)
    winner = admitted_representative(lot, 1)
    bid(winner, lot, "110000000.00")
    close_now(lot)
    services.publish_results(event_id=lot.event_id)
    published = PublishedResult.objects.get(lot=lot)
    assert (published.bid_ceiling, published.bid_ceiling_multiple, published.winner_ceiling) == (
        "deposit",
        TWELVE,
        DEPOSIT_CEILING,
    )
    # The guarantee or the deposit cannot change once the lot is over; the record holds.
    with pytest.raises(DomainError):
        record(application_of(winner, lot), "1.00")
    rows = Client().get(reverse("api-results")).json()["results"]
    (row,) = [row for row in rows if row["lot"]["id"] == lot.pk]
    assert row["bid_ceiling"] == {
        "rule": "deposit",
        "multiple": "12.00",
        "winner_ceiling": "120000000.00",
    }


def closed_ceiling_and_plain_lots() -> tuple[Lot, Lot]:
    """Return two closed lots of one event, each won by its one bid: one with a ceiling of
    12 x the deposit (the winner's: DEPOSIT_CEILING), one without a ceiling."""
    lot = ceiling_lot("deposit", TWELVE)
    plain = LiveLotFactory(event=lot.event)
    bid(admitted_representative(lot, 1), lot, "110000000.00")
    bid(admitted_representative(plain, 1), plain, START)
    return close_now(lot), close_now(plain)


def test_the_published_results_csv_records_the_ceiling_in_force() -> None:
    lot, plain = closed_ceiling_and_plain_lots()
    services.publish_results(event_id=lot.event_id)
    response = Client().get(reverse("auctions:event_results_csv", args=[lot.event.code]))
    rows = {
        row["lot_number"]: row
        for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    }
    ceiling = ("bid_ceiling", "bid_ceiling_multiple", "winner_ceiling_kzt")
    assert tuple(rows[str(lot.number)][name] for name in ceiling) == (
        "deposit",
        "12.00",
        "120000000.00",
    )
    assert tuple(rows[str(plain.number)][name] for name in ceiling) == ("none", "", "")


def test_the_published_protocol_records_the_ceiling_in_force(written: list[str]) -> None:
    lot, plain = closed_ceiling_and_plain_lots()
    # Before publication: the rule, not the winner's money secured.
    assert protocol_facts(lot)["bid_ceiling"] == ["deposit", "12.00", None]
    results_protocol(lot.pk).output()
    assert "Bid ceiling in force" in "\n".join(written)
    assert format_kzt(DEPOSIT_CEILING) not in "\n".join(written)
    written.clear()
    services.publish_results(event_id=lot.event_id)
    lot.refresh_from_db()
    plain.refresh_from_db()
    assert protocol_facts(lot)["bid_ceiling"] == ["deposit", "12.00", "120000000.00"]
    results_protocol(lot.pk).output()
    text = "\n".join(written)
    assert "Bid ceiling in force" in text
    assert "A multiple of the guarantee deposit received (\u00d7 12)" in text
    assert format_kzt(DEPOSIT_CEILING) in text
    # A plain lot's protocol says nothing of ceilings, and its facts (what an issued
    # protocol is matched by) are as they were.
    written.clear()
    assert "bid_ceiling" not in protocol_facts(plain)
    results_protocol(plain.pk).output()
    assert "ceiling" not in "\n".join(written).lower()


def test_the_published_results_page_shows_the_ceiling_in_force() -> None:
    lot, _ = closed_ceiling_and_plain_lots()
    services.publish_results(event_id=lot.event_id)
    page = Client().get(reverse("auctions:event_results", args=[lot.event.code]))
    text = page.content.decode()
    assert "Bid ceiling: a multiple of the guarantee deposit received (\u00d7 12)" in text
    assert f"the winner's was {format_kzt(DEPOSIT_CEILING)}" in text
    # The plain lot says nothing of ceilings.
    assert text.count("Bid ceiling:") == 1


# --- The room page -----------------------------------------------------------------------------


def room_page(user: AbstractBaseUser, lot: Lot) -> tuple[str, dict]:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("auctions:room", args=[lot.pk])).content.decode()
    found = re.search(r'<script id="room-config" type="application/json">(.*?)</script>', page)
    assert found is not None
    return page, json.loads(found[1])


def test_the_room_page_shows_the_participant_its_ceiling_beside_the_bid_box() -> None:
    lot = ceiling_lot("deposit", TWELVE)
    bidder = admitted_representative(lot, 1)
    page, config = room_page(bidder, lot)
    assert config["ceiling"]["amount"] == "120000000.00"
    assert config["ceiling"]["basis"] == "deposit"
    assert 'id="bid-ceiling"' in page
    assert "Your bid ceiling in this lot is" in page


def test_a_plain_lots_room_page_says_nothing_of_ceilings(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    page, config = room_page(admitted_bidder, live_lot)
    assert config["ceiling"] is None
    assert "Your bid ceiling" not in page


# --- For other callers (a maximum bid's automatic bids) ----------------------------------------


def test_an_applications_ceiling_is_read_in_one_query_and_none_without_a_rule() -> None:
    lot = ceiling_lot("deposit_and_bank_guarantee", TWELVE)
    application = application_of(admitted_representative(lot, 1), lot)
    record(application, "5000000.00")
    with CaptureQueriesContext(connection) as queries:
        ceiling = ceilings.for_application(
            rule=lot.bid_ceiling, multiple=lot.bid_ceiling_multiple, application_id=application.pk
        )
    assert len(queries) == 1
    assert ceiling.amount == DEPOSIT_CEILING + Decimal("5000000.00")
    with CaptureQueriesContext(connection) as queries:
        assert (
            ceilings.for_application(rule="none", multiple=None, application_id=application.pk)
            is ceilings.NO_CEILING
        )
    assert len(queries) == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)
def test_the_database_refuses_to_change_a_published_ceiling() -> None:
    from django.db import InternalError, transaction

    lot = ceiling_lot("deposit", TWELVE)
    bid(admitted_representative(lot, 1), lot, "110000000.00")
    close_now(lot)
    services.publish_results(event_id=lot.event_id)
    with pytest.raises(InternalError, match="published results are frozen"), transaction.atomic():
        PublishedResult.objects.filter(lot=lot).update(winner_ceiling=Decimal("999.00"))
    assert PublishedResult.objects.get(lot=lot).winner_ceiling == DEPOSIT_CEILING


# --- Maxima (proxy bids) stay within the ceiling ---------------------------------------------


def set_maximum(user: AbstractBaseUser, lot: Lot, amount: object) -> engine.MaximumOutcome:
    return engine.set_maximum(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


def test_a_maximum_above_the_ceiling_is_refused_above_limit() -> None:
    """The engine would bid it: a maximum is held to the ceiling as a bid is."""
    lot = ceiling_lot("deposit", TWELVE)
    user = admitted_representative(lot, 1)
    with pytest.raises(DomainError) as error:
        set_maximum(user, lot, DEPOSIT_CEILING + STEP)
    assert error.value.code == "above_limit"
    assert format_kzt(DEPOSIT_CEILING) in error.value.message
    set_maximum(user, lot, DEPOSIT_CEILING)


def test_a_maximum_bids_no_higher_than_a_ceiling_lowered_since_it_was_set() -> None:
    lot = ceiling_lot("bank_guarantee")
    owner, rival = admitted_representative(lot, 1), admitted_representative(lot, 2)
    record(application_of(owner, lot), "200000000.00")
    record(application_of(rival, lot), "500000000.00")
    set_maximum(owner, lot, "190000000.00")
    # The ministry lowers the owner's guarantee: its maximum may bid only up to it now.
    record(application_of(owner, lot), "130000000.00")
    bid(rival, lot, "125000000.00")
    lot.refresh_from_db()
    assert lot.current_price == Decimal("130000000.00")
    assert Bid.objects.filter(lot=lot).order_by("sequence").last().automatic
    # Outbid above its ceiling, the maximum answers no more.
    bid(rival, lot, "140000000.00")
    lot.refresh_from_db()
    assert (lot.current_price, lot.leader) == (
        Decimal("140000000.00"),
        application_of(rival, lot),
    )
    assert all(
        placed.amount <= Decimal("130000000.00")
        for placed in Bid.objects.filter(lot=lot, automatic=True)
    )
