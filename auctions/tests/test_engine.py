"""The bid engine's rules: every bid, from the websocket or the API, passes place_bid."""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from auctions import engine, live, signals
from auctions.engine import BidOutcome
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Application, Bid, Lot, Payment
from auctions.tests.factories import (
    ApplicationFactory,
    LiveLotFactory,
    PaymentFactory,
    admit,
    admitted_representative,
)
from bidders.models import Company
from bidders.tests.factories import RepresentativeFactory
from core.errors import DomainError
from core.money import format_kzt

pytestmark = pytest.mark.django_db

START = Decimal("100000000.00")  # LotFactory's starting price
STEP = Decimal("5000000.00")  # and its bid step


def bid(user: AbstractBaseUser, lot: Lot, amount: object, key: object = None) -> BidOutcome:
    return engine.place_bid(
        user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()) if key is None else key
    )


def refusal(user: AbstractBaseUser, lot: Lot, amount: object, key: object = None) -> DomainError:
    """Place a bid that must be refused; return the refusal."""
    with pytest.raises(DomainError) as error:
        bid(user, lot, amount, key)
    return error.value


def assert_lot_untouched(lot: Lot) -> None:
    """Nothing was stored and the lot's live state did not move."""
    before = (lot.current_price, lot.leader_id, lot.version, lot.bid_count, lot.ends_at)
    lot.refresh_from_db()
    assert (lot.current_price, lot.leader_id, lot.version, lot.bid_count, lot.ends_at) == before


def participant_of(user: AbstractBaseUser, lot: Lot) -> Application:
    return Application.objects.get(lot=lot, company__representatives__user=user)


# --- Price rules -----------------------------------------------------------------------


def test_first_bid_below_the_starting_price_is_too_low_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    error = refusal(admitted_bidder, live_lot, "99999999.99")
    assert error.code == "too_low"
    assert format_kzt(START) in error.message
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


def test_first_bid_at_exactly_the_starting_price_is_accepted(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    outcome = bid(admitted_bidder, live_lot, "100000000.00")
    assert outcome.created
    assert outcome.bid.amount == START
    assert outcome.bid.sequence == 1
    assert outcome.bid.participant_number == 1
    assert outcome.bid.placed_by == admitted_bidder
    assert Bid.objects.get().pk == outcome.bid.pk


def test_next_bid_below_current_price_plus_step_is_too_low_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    live_lot.refresh_from_db()
    error = refusal(rival_bidder, live_lot, START + STEP - Decimal("0.01"))
    assert error.code == "too_low"
    assert format_kzt(START + STEP) in error.message
    assert_lot_untouched(live_lot)
    assert Bid.objects.count() == 1


def test_next_bid_at_exactly_current_price_plus_step_is_accepted(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    outcome = bid(rival_bidder, live_lot, START + STEP)
    assert outcome.created
    assert outcome.bid.amount == START + STEP
    assert outcome.bid.participant_number == 2


def test_a_bid_may_jump_above_the_minimum(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    outcome = bid(rival_bidder, live_lot, "250000000.50")
    assert outcome.bid.amount == Decimal("250000000.50")
    live_lot.refresh_from_db()
    assert live_lot.minimum_next_bid == Decimal("255000000.50")


def test_a_bid_from_a_participant_already_leading_is_refused_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    live_lot.refresh_from_db()
    error = refusal(admitted_bidder, live_lot, START + 3 * STEP)
    assert error.code == "already_leading"
    assert_lot_untouched(live_lot)
    assert Bid.objects.count() == 1


def test_a_participant_outbid_may_bid_again(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    bid(admitted_bidder, live_lot, START)
    bid(rival_bidder, live_lot, START + STEP)
    outcome = bid(admitted_bidder, live_lot, START + 2 * STEP)
    assert outcome.created
    assert outcome.bid.sequence == 3


# --- Amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("-100000000", id="negative"),
        pytest.param(-100000000, id="negative-integer"),
        pytest.param("0", id="zero"),
        pytest.param("0.00", id="zero-with-decimals"),
        pytest.param(0, id="zero-integer"),
        pytest.param("100000000.001", id="three-decimals"),
        pytest.param(Decimal("100000000.001"), id="three-decimals-decimal"),
        pytest.param(100000000.0, id="float"),
        pytest.param(100000000.5, id="float-with-fraction"),
        pytest.param("1e8", id="exponent"),
        pytest.param("1E8", id="exponent-upper"),
        pytest.param("12345678901234567", id="seventeen-digits"),
        pytest.param("99999999999999999999999999.00", id="huge"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="whitespace"),
        pytest.param("100 000 000", id="grouped-with-spaces"),
        pytest.param("100,000,000", id="grouped-with-commas"),
        pytest.param("100000000,00", id="decimal-comma"),
        pytest.param("+100000000", id="plus-sign"),
        pytest.param("100000000.", id="trailing-point"),
        pytest.param("0x5f5e100", id="hexadecimal"),
        pytest.param("NaN", id="nan"),
        pytest.param("Infinity", id="infinity"),
        pytest.param(Decimal("NaN"), id="decimal-nan"),
        pytest.param(Decimal("Infinity"), id="decimal-infinity"),
        pytest.param("100000000 KZT", id="with-currency"),
        pytest.param(["100000000"], id="list"),
        pytest.param({"value": "100000000"}, id="object"),
    ],
)
def test_an_amount_that_is_not_tenge_with_two_decimals_is_invalid_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, amount: object
) -> None:
    assert refusal(admitted_bidder, live_lot, amount).code == "invalid_amount"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        pytest.param("100000000", Decimal("100000000.00"), id="whole-tenge"),
        pytest.param("100000000.5", Decimal("100000000.50"), id="one-decimal"),
        pytest.param(100000000, Decimal("100000000.00"), id="integer"),
        pytest.param(Decimal("100000000.25"), Decimal("100000000.25"), id="decimal"),
    ],
)
def test_an_amount_in_tenge_is_stored_with_exactly_two_decimals(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, amount: object, stored: Decimal
) -> None:
    outcome = bid(admitted_bidder, live_lot, amount)
    outcome.bid.refresh_from_db()
    assert outcome.bid.amount == stored
    assert str(outcome.bid.amount) == str(stored)


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("9999999999999999.99", id="sixteen-digits-the-pattern-limit"),
        pytest.param("1234567890123456.78", id="sixteen-digits"),
        pytest.param("12345678901234.56", id="fourteen-digits"),
        pytest.param("9999999999999.99", id="thirteen-digits"),
    ],
)
def test_a_large_amount_is_either_refused_or_stored_exactly_as_it_was_hashed(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, amount: str
) -> None:
    """A bid the engine accepts must read back as the amount its hash was computed over."""
    try:
        outcome = bid(admitted_bidder, live_lot, amount)
    except DomainError as error:
        # Either outcome is right; pytest.raises cannot say "maybe". This asserts which one.
        assert error.code == "invalid_amount"  # noqa: PT017
        assert not Bid.objects.exists()
        return
    stored = Bid.objects.get(pk=outcome.bid.pk)
    assert stored.amount == Decimal(amount)
    assert stored.hash == recomputed_hash(stored)
    live_lot.refresh_from_db()
    assert live_lot.current_price == Decimal(amount)


def test_an_invalid_amount_is_refused_before_the_key_is_looked_at(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refusal(admitted_bidder, live_lot, "ten", key="not-a-key").code == "invalid_amount"


# --- Keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("not-a-uuid", id="text"),
        pytest.param("1234", id="digits"),
        pytest.param(1234, id="integer"),
        pytest.param(uuid.uuid4().int, id="uuid-as-integer"),
        pytest.param([str(uuid.uuid4())], id="list"),
        pytest.param(True, id="bool"),
    ],
)
def test_a_bid_without_a_uuid_key_is_malformed_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, key: object
) -> None:
    assert refusal(admitted_bidder, live_lot, START, key=key).code == "malformed"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


def test_a_bid_with_no_key_at_all_is_malformed(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    with pytest.raises(DomainError) as error:
        engine.place_bid(user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=None)
    assert error.value.code == "malformed"
    assert not Bid.objects.exists()


def test_a_key_may_be_a_uuid_object(admitted_bidder: AbstractBaseUser, live_lot: Lot) -> None:
    key = uuid.uuid4()
    assert bid(admitted_bidder, live_lot, START, key=key).bid.key == key


# --- Idempotency -------------------------------------------------------------------------


def test_a_repeated_key_returns_the_first_bid_and_places_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = str(uuid.uuid4())
    first = bid(admitted_bidder, live_lot, START, key=key)
    live_lot.refresh_from_db()
    repeat = bid(admitted_bidder, live_lot, START, key=key)
    assert first.created
    assert not repeat.created
    assert not repeat.extended
    assert repeat.bid.pk == first.bid.pk
    assert Bid.objects.count() == 1
    assert_lot_untouched(live_lot)
    assert live_lot.version == 1
    assert live_lot.bid_count == 1


def test_a_repeated_key_with_another_amount_still_returns_the_first_bid(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = str(uuid.uuid4())
    first = bid(admitted_bidder, live_lot, START, key=key)
    repeat = bid(admitted_bidder, live_lot, START + 10 * STEP, key=key)
    assert not repeat.created
    assert repeat.bid.pk == first.bid.pk
    assert repeat.bid.amount == START
    live_lot.refresh_from_db()
    assert live_lot.current_price == START


def test_a_repeated_key_is_answered_even_after_the_lot_moved_on(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """A client retrying after a lost reply learns its bid went in, not that it is too low."""
    key = str(uuid.uuid4())
    first = bid(admitted_bidder, live_lot, START, key=key)
    bid(rival_bidder, live_lot, START + STEP)
    repeat = bid(admitted_bidder, live_lot, START, key=key)
    assert not repeat.created
    assert repeat.bid.pk == first.bid.pk
    assert Bid.objects.count() == 2


def test_the_key_is_compared_as_a_uuid_not_as_text(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = uuid.uuid4()
    first = bid(admitted_bidder, live_lot, START, key=str(key).upper())
    repeat = bid(admitted_bidder, live_lot, START, key=key.hex)
    assert not repeat.created
    assert repeat.bid.pk == first.bid.pk


def test_a_key_reused_by_another_bidder_is_malformed_and_nothing_stored(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = str(uuid.uuid4())
    bid(admitted_bidder, live_lot, START, key=key)
    live_lot.refresh_from_db()
    assert refusal(rival_bidder, live_lot, START + STEP, key=key).code == "malformed"
    assert_lot_untouched(live_lot)
    assert Bid.objects.count() == 1


# --- Which lots take bids ------------------------------------------------------------------


def lot_in_status(status: str) -> Lot:
    return LiveLotFactory(status=status)


def lot_not_started() -> Lot:
    return LiveLotFactory(starts_at=timezone.now() + timedelta(minutes=10))


def lot_past_its_end() -> Lot:
    """Live still, the close job not yet run, but its end time has passed."""
    return LiveLotFactory(
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )


@pytest.mark.parametrize(
    "make_lot",
    [
        pytest.param(lambda: lot_in_status(Lot.Status.PUBLISHED), id="published"),
        pytest.param(lambda: lot_in_status(Lot.Status.CLOSED), id="closed"),
        pytest.param(lambda: lot_in_status(Lot.Status.FAILED), id="failed"),
        pytest.param(lambda: lot_in_status(Lot.Status.CANCELLED), id="cancelled"),
        pytest.param(lambda: lot_in_status(Lot.Status.PAUSED), id="paused"),
        pytest.param(lot_not_started, id="before-its-start"),
        pytest.param(lot_past_its_end, id="after-its-end"),
    ],
)
def test_a_lot_that_is_not_live_now_takes_no_bid(make_lot: Callable[[], Lot]) -> None:
    lot = make_lot()
    user = admitted_representative(lot, 1)
    error = refusal(user, lot, START)
    assert error.code == "lot_not_live"
    assert str(lot.number) in error.message
    assert_lot_untouched(lot)
    assert not Bid.objects.exists()


def test_a_draft_lot_is_not_found(approved_company: Company, bidder_user: AbstractBaseUser) -> None:
    lot = LiveLotFactory(status=Lot.Status.DRAFT)
    admit(approved_company, lot, 1)
    assert refusal(bidder_user, lot, START).code == "lot_not_found"
    assert not Bid.objects.exists()


def test_an_unknown_lot_is_not_found(admitted_bidder: AbstractBaseUser) -> None:
    with pytest.raises(DomainError) as error:
        engine.place_bid(user=admitted_bidder, lot_id=987654, amount=START, key=str(uuid.uuid4()))
    assert error.value.code == "lot_not_found"


# --- Who may bid ---------------------------------------------------------------------------


def applied_not_admitted(lot: Lot) -> AbstractBaseUser:
    """An application still awaiting the staff's decision, both payments received."""
    representative = RepresentativeFactory()
    application = ApplicationFactory(lot=lot, company=representative.company)
    for kind, amount in [
        (Payment.Kind.PARTICIPATION_FEE, lot.participation_fee),
        (Payment.Kind.GUARANTEE_DEPOSIT, lot.guarantee_deposit),
    ]:
        PaymentFactory(
            application=application,
            kind=kind,
            amount=amount,
            status=Payment.Status.RECEIVED,
            received_at=timezone.now(),
        )
    return representative.user


def rejected(lot: Lot) -> AbstractBaseUser:
    user = applied_not_admitted(lot)
    Application.objects.filter(lot=lot).update(
        status=Application.Status.REJECTED, rejection_reason="Documents expired."
    )
    return user


def withdrawn(lot: Lot) -> AbstractBaseUser:
    user = applied_not_admitted(lot)
    Application.objects.filter(lot=lot).update(status=Application.Status.WITHDRAWN)
    return user


def deposit_refunded(lot: Lot) -> AbstractBaseUser:
    return admitted_representative(lot, 5, deposit_status=Payment.Status.REFUNDED)


def participant_of_another_lot(lot: Lot) -> AbstractBaseUser:
    return admitted_representative(LiveLotFactory(), 1)


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda lot: applied_not_admitted(lot), id="submitted-only"),
        pytest.param(rejected, id="rejected"),
        pytest.param(withdrawn, id="withdrawn"),
        pytest.param(deposit_refunded, id="deposit-refunded"),
        pytest.param(participant_of_another_lot, id="other-lot-participant"),
    ],
)
def test_a_company_that_is_not_an_admitted_participant_may_not_bid(
    live_lot: Lot, make_user: Callable[[Lot], AbstractBaseUser]
) -> None:
    user = make_user(live_lot)
    assert refusal(user, live_lot, START).code == "not_admitted"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.filter(lot=live_lot).exists()


def test_a_company_that_never_applied_may_not_bid(
    non_participant: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refusal(non_participant, live_lot, START).code == "not_admitted"
    assert not Bid.objects.exists()


def test_a_participant_whose_deposit_was_not_received_may_not_bid(
    bidder_without_deposit: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refusal(bidder_without_deposit, live_lot, START).code == "not_admitted"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


def test_a_participant_whose_company_was_suspended_may_not_bid(
    suspended_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refusal(suspended_bidder, live_lot, START).code == "not_admitted"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


def test_staff_who_represent_no_company_may_not_bid(
    staff_clerk: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refusal(staff_clerk, live_lot, START).code == "not_admitted"
    assert not Bid.objects.exists()


def test_a_lot_without_a_guarantee_deposit_needs_none_to_bid(bidder_user: AbstractBaseUser) -> None:
    lot = LiveLotFactory(guarantee_deposit=Decimal("0.00"))
    admit(bidder_user.representative.company, lot, 1)
    assert not Payment.objects.filter(kind=Payment.Kind.GUARANTEE_DEPOSIT).exists()
    assert bid(bidder_user, lot, START).created


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_linked_to_an_admitted_company_may_not_bid(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, flag: str
) -> None:
    """The engine refuses staff itself, whatever links the data holds.

    The flag is set on the object only: the database may (rightly) refuse to store a
    staff representative, and the engine must not rely on that alone.
    """
    setattr(admitted_bidder, flag, True)
    assert refusal(admitted_bidder, live_lot, START).code == "not_admitted"
    assert_lot_untouched(live_lot)
    assert not Bid.objects.exists()


def test_whether_the_lot_is_live_is_checked_before_admission(
    non_participant: AbstractBaseUser,
) -> None:
    """A lot that is over says so to everyone; its status is public anyway."""
    lot = lot_in_status(Lot.Status.CLOSED)
    assert refusal(non_participant, lot, START).code == "lot_not_live"


def test_a_bid_after_the_lot_closed_and_was_settled_is_lot_not_live_to_everyone(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    non_participant: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    """Settlement moves the deposits on, so the participant check would say not_admitted."""
    bid(admitted_bidder, live_lot, START)
    bid(rival_bidder, live_lot, START + STEP)
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    engine.close_lot(lot_id=live_lot.pk)
    # Whoever settles finished lots (licensing) answers this announcement.
    signals.lot_finished.send(sender=Lot, lot_id=live_lot.pk)
    assert (
        Payment.objects.filter(
            kind=Payment.Kind.GUARANTEE_DEPOSIT, status=Payment.Status.RECEIVED
        ).count()
        < 2
    ), "settlement no longer moves deposits on: this test proves nothing"
    for user in (admitted_bidder, rival_bidder, non_participant):
        assert refusal(user, live_lot, START + 10 * STEP).code == "lot_not_live"
    assert Bid.objects.count() == 2


# --- What an accepted bid changes --------------------------------------------------------


def test_an_accepted_bid_moves_the_price_leader_version_and_count(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    assert (live_lot.current_price, live_lot.leader, live_lot.version) == (None, None, 0)
    bid(admitted_bidder, live_lot, START)
    live_lot.refresh_from_db()
    assert live_lot.current_price == START
    assert live_lot.leader == participant_of(admitted_bidder, live_lot)
    assert live_lot.version == 1
    assert live_lot.bid_count == 1
    assert live_lot.minimum_next_bid == START + STEP

    bid(rival_bidder, live_lot, START + 2 * STEP)
    live_lot.refresh_from_db()
    assert live_lot.current_price == START + 2 * STEP
    assert live_lot.leader == participant_of(rival_bidder, live_lot)
    assert live_lot.version == 2
    assert live_lot.bid_count == 2


def test_bids_are_numbered_one_by_one_within_their_lot(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    other_lot = LiveLotFactory()
    admit(admitted_bidder.representative.company, other_lot, 1)
    bid(admitted_bidder, other_lot, START)
    for round_number in range(4):
        user = admitted_bidder if round_number % 2 == 0 else rival_bidder
        bid(user, live_lot, START + round_number * STEP)
    sequences = list(Bid.objects.filter(lot=live_lot).values_list("sequence", flat=True))
    assert sequences == [1, 2, 3, 4]
    assert Bid.objects.get(lot=other_lot).sequence == 1


def recomputed_hash(stored: Bid) -> str:
    return bid_hash(
        prev_hash=stored.prev_hash,
        lot_id=stored.lot_id,
        sequence=stored.sequence,
        participant_number=stored.participant_number,
        amount=stored.amount,
        placed_at=stored.placed_at,
    )


def test_every_bid_chains_to_the_one_before_it(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    for round_number in range(3):
        user = admitted_bidder if round_number % 2 == 0 else rival_bidder
        bid(user, live_lot, START + round_number * STEP)
    bids = list(Bid.objects.filter(lot=live_lot).order_by("sequence"))
    assert bids[0].prev_hash == GENESIS_HASH == "0" * 64
    for previous, current in pairwise(bids):
        assert current.prev_hash == previous.hash
    for stored in bids:
        assert stored.hash == recomputed_hash(stored)
    live_lot.refresh_from_db()
    assert live_lot.last_bid_hash == bids[-1].hash


def test_the_bid_hash_is_the_formula_anyone_can_recompute(
    bidder_user: AbstractBaseUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DESIGN.md section 4, by hand: sha256 of prev|lot|sequence|number|amount|UTC time."""
    # Placed at 09:30:15.000042 Astana time: the hash must use UTC, 04:30:15.000042Z.
    placed = datetime(2025, 6, 2, 9, 30, 15, 42, tzinfo=ZoneInfo("Asia/Almaty"))
    lot = LiveLotFactory(starts_at=placed - timedelta(minutes=1))
    admit(bidder_user.representative.company, lot, 7)
    monkeypatch.setattr(engine.timezone, "now", lambda: placed)

    outcome = bid(bidder_user, lot, "1250000000")

    text = f"{'0' * 64}|{lot.pk}|1|7|1250000000.00|2025-06-02T04:30:15.000042Z"
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stored = Bid.objects.get(pk=outcome.bid.pk)
    assert stored.hash == expected
    assert stored.prev_hash == "0" * 64
    assert stored.placed_at == placed
    assert stored.hash == stored.hash.lower()
    assert len(stored.hash) == 64


def test_a_tampered_amount_no_longer_matches_its_hash(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    stored = bid(admitted_bidder, live_lot, START).bid
    stored.amount += Decimal("0.01")
    assert recomputed_hash(stored) != stored.hash


# --- Soft close ----------------------------------------------------------------------------


def lot_ending_in(ends_in: timedelta, *, hard_end_in: timedelta) -> Lot:
    now = timezone.now()
    return LiveLotFactory(ends_at=now + ends_in, hard_end=now + hard_end_in)


def test_a_bid_inside_the_soft_close_window_moves_the_end_a_window_past_it(
    bidder_user: AbstractBaseUser,
) -> None:
    lot = lot_ending_in(timedelta(minutes=2), hard_end_in=timedelta(hours=1))
    admit(bidder_user.representative.company, lot, 1)
    outcome = bid(bidder_user, lot, START)
    assert outcome.extended
    lot.refresh_from_db()
    assert lot.ends_at == outcome.bid.placed_at + timedelta(minutes=5)


def test_a_bid_before_the_soft_close_window_leaves_the_end(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    ends_at = live_lot.ends_at
    outcome = bid(admitted_bidder, live_lot, START)
    assert not outcome.extended
    live_lot.refresh_from_db()
    assert live_lot.ends_at == ends_at


def test_an_extension_stops_at_the_hard_end(bidder_user: AbstractBaseUser) -> None:
    lot = lot_ending_in(timedelta(minutes=2), hard_end_in=timedelta(minutes=3))
    admit(bidder_user.representative.company, lot, 1)
    outcome = bid(bidder_user, lot, START)
    assert outcome.extended
    lot.refresh_from_db()
    assert lot.ends_at == lot.hard_end


def test_a_lot_already_at_its_hard_end_is_not_extended(bidder_user: AbstractBaseUser) -> None:
    lot = lot_ending_in(timedelta(minutes=2), hard_end_in=timedelta(minutes=2))
    admit(bidder_user.representative.company, lot, 1)
    ends_at = lot.ends_at
    outcome = bid(bidder_user, lot, START)
    assert not outcome.extended
    lot.refresh_from_db()
    assert lot.ends_at == ends_at == lot.hard_end


def test_a_lot_without_a_soft_close_window_is_never_extended(
    bidder_user: AbstractBaseUser,
) -> None:
    lot = LiveLotFactory(
        ends_at=timezone.now() + timedelta(seconds=30), soft_close_window=timedelta(0)
    )
    admit(bidder_user.representative.company, lot, 1)
    ends_at = lot.ends_at
    assert not bid(bidder_user, lot, START).extended
    lot.refresh_from_db()
    assert lot.ends_at == ends_at


def test_a_rejected_bid_in_the_window_does_not_extend(bidder_user: AbstractBaseUser) -> None:
    lot = lot_ending_in(timedelta(minutes=2), hard_end_in=timedelta(hours=1))
    admit(bidder_user.representative.company, lot, 1)
    assert refusal(bidder_user, lot, START - STEP).code == "too_low"
    assert_lot_untouched(lot)


# --- Broadcasts ----------------------------------------------------------------------------


@pytest.fixture
def broadcast(monkeypatch: pytest.MonkeyPatch) -> mock.Mock:
    """Stand in for the channel layer; record which lots were broadcast."""
    recorder = mock.Mock()
    monkeypatch.setattr(live, "broadcast_state", recorder)
    return recorder


def test_an_accepted_bid_is_broadcast_once_and_only_after_commit(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    broadcast: mock.Mock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bid(admitted_bidder, live_lot, START)
        broadcast.assert_not_called()
    assert len(callbacks) == 1
    broadcast.assert_called_once()
    assert broadcast.call_args.args[0] == live_lot.pk


def test_the_broadcast_state_is_built_in_the_bids_transaction_as_a_fresh_read_shows_it(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    live_lot: Lot,
    broadcast: mock.Mock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Twelve bids: the state shows the newest ten, the new one first.
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(12):
            bidder = admitted_bidder if index % 2 == 0 else rival_bidder
            bid(bidder, live_lot, START + STEP * index)
    sent = broadcast.call_args.args[1]
    read = live.lot_state(live_lot.pk)
    del sent["server_time"], read["server_time"]
    assert sent == read
    assert [each["sequence"] for each in sent["recent_bids"]] == list(range(12, 2, -1))
    assert sent["leader_number"] == 2
    assert sent["min_next_bid"] == f"{START + STEP * 12:.2f}"


@pytest.mark.parametrize(
    "amount",
    [pytest.param("99999999.99", id="too-low"), pytest.param("abc", id="invalid-amount")],
)
def test_a_rejected_bid_is_not_broadcast(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    broadcast: mock.Mock,
    django_capture_on_commit_callbacks: Any,
    amount: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refusal(admitted_bidder, live_lot, amount)
    assert callbacks == []
    broadcast.assert_not_called()


def test_a_repeated_key_is_not_broadcast_again(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    broadcast: mock.Mock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    key = str(uuid.uuid4())
    bid(admitted_bidder, live_lot, START, key=key)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not bid(admitted_bidder, live_lot, START, key=key).created
    assert callbacks == []
    broadcast.assert_not_called()


class Abort(Exception):
    pass


def test_a_bid_rolled_back_by_an_enclosing_transaction_is_never_broadcast(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    broadcast: mock.Mock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The bid and the abort together are the enclosing transaction that rolls back.
    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        bid(admitted_bidder, live_lot, START)
        raise Abort
    assert callbacks == []
    broadcast.assert_not_called()
    assert not Bid.objects.exists()


def test_a_failing_broadcast_does_not_undo_the_accepted_bid(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(live, "broadcast_state", mock.Mock(side_effect=ConnectionError))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bid(admitted_bidder, live_lot, START)
    assert Bid.objects.get().pk == outcome.bid.pk
    live_lot.refresh_from_db()
    assert live_lot.current_price == START


def test_the_broadcast_state_is_read_from_the_committed_lot(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(group: str, message: dict[str, Any]) -> None:
        sent.append((group, message))

    layer = mock.Mock(group_send=group_send)
    monkeypatch.setattr(live, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True):
        bid(admitted_bidder, live_lot, START)
    [(group, message)] = sent
    assert group == f"lot-{live_lot.pk}"
    # The group message carries the frames, encoded once: everyone's and the leader's own.
    assert message["type"] == "lot.state"
    assert message["version"] == 1
    assert message["leader_number"] == 1
    state = json.loads(message["frame"])
    assert state["version"] == 1
    assert state["bid_count"] == 1
    assert state["current_price"] == "100000000.00"
    assert state["min_next_bid"] == "105000000.00"
    assert state["leader"] == "Participant 1"
    assert state["recent_bids"][0]["sequence"] == 1
    assert datetime.fromisoformat(state["server_time"]).utcoffset() is not None
    assert json.loads(message["leader_frame"]) == {**state, "leader": "you"}
