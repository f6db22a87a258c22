"""Two-stage lots: the sealed round's one bid per participant, its close, and the ascending
round that starts from the highest sealed bid."""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import engine, live, sealed, tasks
from auctions.hashchain import GENESIS_HASH, bid_hash
from auctions.models import Bid, Lot, Result, SealedBid
from auctions.tests.factories import LiveLotFactory, SealedLotFactory, admitted_representative
from core.errors import DomainError

pytestmark = pytest.mark.django_db

START = Decimal("100000000.00")  # LotFactory's starting price
STEP = Decimal("5000000.00")


def submit(user: AbstractBaseUser, lot: Lot, amount: object, key: object = None) -> SealedBid:
    return engine.submit_sealed_bid(
        user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()) if key is None else key
    ).sealed_bid


def refusal(user: AbstractBaseUser, lot: Lot, amount: object, key: object = None) -> DomainError:
    with pytest.raises(DomainError) as error:
        submit(user, lot, amount, key)
    return error.value


def bidders(lot: Lot, count: int) -> list[AbstractBaseUser]:
    return [
        admitted_representative(lot, number, username=f"bidder{number}")
        for number in range(1, count + 1)
    ]


def end_sealed_round(lot: Lot) -> Lot:
    """Move the sealed round's end just past, and close it as its task would."""
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    engine.close_sealed_round(lot_id=lot.pk)
    lot.refresh_from_db()
    return lot


@contextmanager
def past_the_trigger() -> Iterator[None]:
    """Disable PostgreSQL's guard of sealed bids for the block, as a database owner could."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks on the table: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE auctions_sealedbid DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE auctions_sealedbid ENABLE TRIGGER USER")


@pytest.fixture
def sealed_lot() -> Lot:
    return SealedLotFactory()


# --- The lot's fields --------------------------------------------------------------------


def test_a_lot_is_ascending_unless_staff_choose_two_stages() -> None:
    lot = LiveLotFactory()
    assert lot.format == Lot.Format.ASCENDING
    assert live.lot_state(lot.pk)["format"] == "ascending"
    assert live.lot_state(lot.pk)["round"] == "ascending"
    assert live.lot_state(lot.pk)["sealed_bids"] is None


def test_a_two_stage_lot_without_the_sealed_rounds_end_is_a_form_error() -> None:
    lot = SealedLotFactory.build(sealed_round_ends_at=None)
    with pytest.raises(ValidationError) as error:
        lot.clean()
    assert "sealed_round_ends_at" in error.value.message_dict


@pytest.mark.parametrize(
    ("offset", "message"),
    [(timedelta(0), "after the auction start"), (timedelta(hours=2), "before the auction end")],
)
def test_the_sealed_round_must_end_between_the_start_and_the_end(
    offset: timedelta, message: str
) -> None:
    lot = SealedLotFactory.build()
    lot.sealed_round_ends_at = lot.starts_at + offset
    with pytest.raises(ValidationError) as error:
        lot.clean()
    assert message in " ".join(error.value.message_dict["sealed_round_ends_at"])


def test_fewer_than_two_advancing_is_a_form_error() -> None:
    lot = SealedLotFactory.build(sealed_advancing_minimum=1)
    with pytest.raises(ValidationError) as error:
        lot.clean()
    assert "sealed_advancing_minimum" in error.value.message_dict


def test_the_database_refuses_a_sealed_round_after_the_auction_end(sealed_lot: Lot) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=sealed_lot.pk).update(
            sealed_round_ends_at=sealed_lot.ends_at + timedelta(seconds=1)
        )


# --- One sealed bid each -----------------------------------------------------------------


def test_a_sealed_bid_is_stored_encrypted_with_a_commitment_and_no_amount(
    sealed_lot: Lot,
) -> None:
    (user,) = bidders(sealed_lot, 1)
    stored = submit(user, sealed_lot, "123456789.00")
    stored.refresh_from_db()
    assert stored.amount is None
    assert stored.rank is None
    assert stored.nonce == ""
    assert "123456789" not in stored.sealed_amount
    receipt = sealed.receipt(stored)
    expected = hashlib.sha256(
        f"{sealed_lot.pk}|1|123456789.00|{receipt['nonce']}".encode()
    ).hexdigest()
    assert receipt["commitment"] == stored.commitment == expected
    assert receipt["amount"] == "123456789.00"
    state = live.lot_state(sealed_lot.pk)
    assert (state["format"], state["round"], state["sealed_bids"]) == (
        "sealed_then_ascending",
        "sealed",
        1,
    )
    assert "123456789" not in str(state)
    assert not Bid.objects.exists()


def test_a_second_sealed_bid_is_refused_sealed_bid_exists(sealed_lot: Lot) -> None:
    (user,) = bidders(sealed_lot, 1)
    submit(user, sealed_lot, START)
    error = refusal(user, sealed_lot, START + STEP)
    assert error.code == "sealed_bid_exists"
    assert SealedBid.objects.count() == 1


def test_a_repeated_key_returns_the_first_sealed_bid_and_stores_nothing(sealed_lot: Lot) -> None:
    (user,) = bidders(sealed_lot, 1)
    key = str(uuid.uuid4())
    first = engine.submit_sealed_bid(user=user, lot_id=sealed_lot.pk, amount=START, key=key)
    again = engine.submit_sealed_bid(user=user, lot_id=sealed_lot.pk, amount=START * 2, key=key)
    assert first.created
    assert not again.created
    assert again.sealed_bid.pk == first.sealed_bid.pk
    sealed_lot.refresh_from_db()
    assert sealed_lot.sealed_bid_count == 1


def test_a_sealed_bid_below_the_starting_price_is_too_low(sealed_lot: Lot) -> None:
    (user,) = bidders(sealed_lot, 1)
    assert refusal(user, sealed_lot, START - Decimal("0.01")).code == "too_low"
    assert not SealedBid.objects.exists()


def test_a_sealed_bid_after_the_round_closed_is_refused_round_closed(sealed_lot: Lot) -> None:
    first, second, late = bidders(sealed_lot, 3)
    submit(first, sealed_lot, START)
    submit(second, sealed_lot, START)
    end_sealed_round(sealed_lot)
    assert refusal(late, sealed_lot, START).code == "round_closed"


def test_a_sealed_bid_once_the_rounds_end_passed_unclosed_is_refused_round_closed(
    sealed_lot: Lot,
) -> None:
    (user,) = bidders(sealed_lot, 1)
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=1)
    )
    assert refusal(user, sealed_lot, START).code == "round_closed"


def test_staff_and_strangers_submit_no_sealed_bid(
    sealed_lot: Lot, staff_clerk: AbstractBaseUser, bidder_user: AbstractBaseUser
) -> None:
    assert refusal(staff_clerk, sealed_lot, START).code == "not_admitted"
    assert refusal(bidder_user, sealed_lot, START).code == "not_admitted"


def test_a_plain_lot_takes_no_sealed_bid(admitted_bidder: AbstractBaseUser, live_lot: Lot) -> None:
    error = refusal(admitted_bidder, live_lot, START)
    assert error.code == "lot_not_live"
    assert "no sealed round" in error.message


def test_an_open_bid_during_the_sealed_round_is_refused_pointing_to_the_sealed_bid(
    sealed_lot: Lot,
) -> None:
    (user,) = bidders(sealed_lot, 1)
    with pytest.raises(DomainError) as error:
        engine.place_bid(user=user, lot_id=sealed_lot.pk, amount=START, key=str(uuid.uuid4()))
    assert error.value.code == "lot_not_live"
    assert "sealed bid" in error.value.message


# --- The round's close -------------------------------------------------------------------


def test_the_close_ranks_by_amount_and_the_best_half_but_at_least_two_advance(
    sealed_lot: Lot,
) -> None:
    users = bidders(sealed_lot, 5)
    amounts = [START, START * 3, START * 2, START * 5, START * 4]
    for user, amount in zip(users, amounts, strict=True):
        submit(user, sealed_lot, amount)
    lot = end_sealed_round(sealed_lot)
    ranking = list(SealedBid.objects.order_by("rank").values_list("participant_number", "rank"))
    assert ranking == [(4, 1), (5, 2), (2, 3), (3, 4), (1, 5)]
    # Half of five, rounded up.
    advanced = set(
        SealedBid.objects.filter(advanced=True).values_list("participant_number", flat=True)
    )
    assert advanced == {4, 5, 2}
    assert lot.sealed_round_closed_at is not None
    assert live.lot_state(lot.pk)["round"] == "ascending"


def test_at_least_two_advance_even_when_the_share_is_fewer() -> None:
    lot = SealedLotFactory(sealed_advancing_percent=10)
    for user in bidders(lot, 3):
        submit(user, lot, START)
    end_sealed_round(lot)
    assert SealedBid.objects.filter(advanced=True).count() == 2


def test_advancing_count_rounds_up_keeps_the_minimum_and_never_exceeds_the_bids() -> None:
    assert sealed.advancing_count(received=5, percent=50, minimum=2) == 3
    assert sealed.advancing_count(received=3, percent=10, minimum=2) == 2
    assert sealed.advancing_count(received=1, percent=50, minimum=2) == 1
    assert sealed.advancing_count(received=0, percent=50, minimum=2) == 0


def test_between_equal_sealed_bids_the_earlier_ranks_higher(sealed_lot: Lot) -> None:
    later_user, earlier_user, third = bidders(sealed_lot, 3)
    # Participant 2 submits first: the earlier submission, not the lower number, ranks higher.
    earlier = submit(earlier_user, sealed_lot, START * 2)
    later = submit(later_user, sealed_lot, START * 2)
    assert later.submitted_at > earlier.submitted_at
    submit(third, sealed_lot, START)
    lot = end_sealed_round(sealed_lot)
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.rank, later.rank) == (1, 2)
    assert lot.leader_id == earlier.application_id


def test_the_highest_sealed_bid_opens_the_chain_and_leads_the_ascending_round(
    sealed_lot: Lot,
) -> None:
    low, high = bidders(sealed_lot, 2)
    submit(low, sealed_lot, START)
    best = submit(high, sealed_lot, START * 2)
    lot = end_sealed_round(sealed_lot)
    first = Bid.objects.get(lot=lot)
    assert (first.sequence, first.amount, first.participant_number) == (1, START * 2, 2)
    assert first.key == best.key
    assert first.placed_by_id == high.pk
    assert first.prev_hash == GENESIS_HASH
    assert first.hash == bid_hash(
        prev_hash=GENESIS_HASH,
        lot_id=lot.pk,
        sequence=1,
        participant_number=2,
        amount=START * 2,
        placed_at=first.placed_at,
    )
    assert (lot.current_price, lot.leader_id, lot.bid_count, lot.last_bid_hash) == (
        START * 2,
        best.application_id,
        1,
        first.hash,
    )
    state = live.personal_state(live.lot_state(lot.pk), 2)
    assert state["leader"] == "you"
    assert state["min_next_bid"] == f"{START * 2 + STEP:.2f}"


def test_the_ascending_round_takes_bids_from_the_advanced_and_extends_the_chain(
    sealed_lot: Lot,
) -> None:
    low, high = bidders(sealed_lot, 2)
    submit(low, sealed_lot, START)
    submit(high, sealed_lot, START * 2)
    end_sealed_round(sealed_lot)
    outcome = engine.place_bid(
        user=low, lot_id=sealed_lot.pk, amount=START * 2 + STEP, key=str(uuid.uuid4())
    )
    assert outcome.bid.sequence == 2
    chain = list(Bid.objects.filter(lot=sealed_lot).order_by("sequence"))
    assert [later.prev_hash for later in chain[1:]] == [
        earlier.hash for earlier, _ in pairwise(chain)
    ]
    assert outcome.state is not None
    assert outcome.state["round"] == "ascending"


def test_those_not_advanced_are_refused_not_admitted_with_their_rank() -> None:
    lot = SealedLotFactory(sealed_advancing_percent=50)
    users = bidders(lot, 4)
    for offset, user in enumerate(users):
        submit(user, lot, START + STEP * offset)
    end_sealed_round(lot)
    with pytest.raises(DomainError) as error:
        engine.place_bid(user=users[0], lot_id=lot.pk, amount=START * 9, key=str(uuid.uuid4()))
    assert error.value.code == "not_admitted"
    assert "ranked 4" in error.value.message


def test_a_participant_without_a_sealed_bid_does_not_bid_in_the_ascending_round(
    sealed_lot: Lot,
) -> None:
    first, second, silent = bidders(sealed_lot, 3)
    submit(first, sealed_lot, START)
    submit(second, sealed_lot, START)
    end_sealed_round(sealed_lot)
    with pytest.raises(DomainError) as error:
        engine.place_bid(user=silent, lot_id=sealed_lot.pk, amount=START * 9, key=str(uuid.uuid4()))
    assert error.value.code == "not_admitted"
    assert "no sealed bid" in error.value.message


def test_with_no_further_bid_the_highest_sealed_bid_wins(sealed_lot: Lot) -> None:
    low, high = bidders(sealed_lot, 2)
    submit(low, sealed_lot, START)
    best = submit(high, sealed_lot, START * 3)
    end_sealed_round(sealed_lot)
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    lot = engine.close_lot(lot_id=sealed_lot.pk)
    result = Result.objects.get(lot=lot)
    assert (result.winner_id, result.winning_bonus, result.bid_count) == (
        best.application_id,
        START * 3,
        1,
    )


def test_a_round_without_sealed_bids_fails_the_lot(sealed_lot: Lot) -> None:
    bidders(sealed_lot, 2)
    lot = end_sealed_round(sealed_lot)
    assert lot.status == Lot.Status.FAILED
    assert Result.objects.get(lot=lot).outcome == Result.Outcome.FAILED


def test_closing_the_round_twice_changes_nothing_the_second_time(sealed_lot: Lot) -> None:
    for user in bidders(sealed_lot, 2):
        submit(user, sealed_lot, START)
    lot = end_sealed_round(sealed_lot)
    version = lot.version
    engine.close_sealed_round(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.version == version
    assert Bid.objects.count() == 1


def test_the_round_does_not_close_before_its_end(sealed_lot: Lot) -> None:
    for user in bidders(sealed_lot, 2):
        submit(user, sealed_lot, START)
    engine.close_sealed_round(lot_id=sealed_lot.pk)
    sealed_lot.refresh_from_db()
    assert sealed_lot.sealed_round_closed_at is None
    assert SealedBid.objects.filter(amount__isnull=False).count() == 0


def test_a_tampered_sealed_bid_stops_the_close_and_reveals_nothing(sealed_lot: Lot) -> None:
    first, second = bidders(sealed_lot, 2)
    submit(first, sealed_lot, START)
    other = submit(second, sealed_lot, START * 2)
    # Someone with the database owner's rights (past PostgreSQL's trigger) and the key
    # swaps in an encryption of another amount: the commitment no longer matches.
    forged = sealed.seal(lot_id=sealed_lot.pk, participant_number=2, amount=START * 9)
    with past_the_trigger():
        SealedBid.objects.filter(pk=other.pk).update(sealed_amount=forged.token)
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    with pytest.raises(sealed.SealedBidTampered):
        engine.close_sealed_round(lot_id=sealed_lot.pk)
    sealed_lot.refresh_from_db()
    assert sealed_lot.sealed_round_closed_at is None
    assert not SealedBid.objects.filter(amount__isnull=False).exists()


def test_a_tampered_sealed_bid_gives_its_owner_a_receipt_without_an_amount_not_an_error(
    sealed_lot: Lot, client: Client
) -> None:
    (owner,) = bidders(sealed_lot, 1)
    own = submit(owner, sealed_lot, START)
    forged = sealed.seal(lot_id=sealed_lot.pk, participant_number=1, amount=START * 9)
    with past_the_trigger():
        SealedBid.objects.filter(pk=own.pk).update(sealed_amount=forged.token)
    receipt = sealed.receipt(SealedBid.objects.select_related("lot").get(pk=own.pk))
    # Neither the amount it was sent with nor the one it now decrypts to.
    assert (receipt["amount"], receipt["nonce"]) == (None, None)
    assert receipt["commitment"] == own.commitment
    assert "integrity check" in receipt["message"]
    client.force_login(owner)
    page = client.get(reverse("auctions:room", args=[sealed_lot.pk]))
    assert page.status_code == 200
    assert "integrity check" in page.content.decode()
    api = client.get(f"/api/lots/{sealed_lot.pk}/sealed-bids/")
    assert api.status_code == 200
    assert api.json()["amount"] is None


def test_the_sweep_closes_a_due_round_before_the_lot_in_embedded_mode(sealed_lot: Lot) -> None:
    low, high = bidders(sealed_lot, 2)
    submit(low, sealed_lot, START)
    best = submit(high, sealed_lot, START * 2)
    # The beat was down past both ends: the sweep ranks the sealed bids, then closes.
    past = timezone.now() - timedelta(seconds=1)
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=past - timedelta(seconds=1), ends_at=past
    )
    tasks.sweep_lots()
    sealed_lot.refresh_from_db()
    assert sealed_lot.status == Lot.Status.CLOSED
    assert Result.objects.get(lot=sealed_lot).winner_id == best.application_id


def test_a_lot_in_its_sealed_round_is_not_closed_by_close_lot(sealed_lot: Lot) -> None:
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    lot = engine.close_lot(lot_id=sealed_lot.pk)
    assert lot.status == Lot.Status.LIVE


def test_a_pause_gives_the_sealed_round_back_its_time(sealed_lot: Lot) -> None:
    before = sealed_lot.sealed_round_ends_at
    engine.pause_lot(lot_id=sealed_lot.pk, reason="Power cut")
    Lot.objects.filter(pk=sealed_lot.pk).update(
        paused_remaining=sealed_lot.ends_at - timezone.now() + timedelta(minutes=10)
    )
    lot = engine.resume_lot(lot_id=sealed_lot.pk)
    assert lot.sealed_round_ends_at is not None
    assert before is not None
    assert lot.sealed_round_ends_at - before == lot.ends_at - sealed_lot.ends_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_keeps_a_sealed_bid_sealed_and_a_revealed_one_final(sealed_lot: Lot) -> None:
    first, second = bidders(sealed_lot, 2)
    stored = submit(first, sealed_lot, START)
    submit(second, sealed_lot, START * 2)
    forged = sealed.seal(lot_id=sealed_lot.pk, participant_number=1, amount=START * 9)
    with pytest.raises(InternalError, match="sealed"), transaction.atomic():
        SealedBid.objects.filter(pk=stored.pk).update(sealed_amount=forged.token)
    with pytest.raises(InternalError, match="kept"), transaction.atomic():
        SealedBid.objects.filter(pk=stored.pk).delete()
    end_sealed_round(sealed_lot)
    with pytest.raises(InternalError, match="sealed"), transaction.atomic():
        SealedBid.objects.filter(pk=stored.pk).update(rank=1)


def test_a_tampered_lot_does_not_stop_the_sweep_closing_other_lots(
    sealed_lot: Lot, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = bidders(sealed_lot, 2)
    submit(first, sealed_lot, START)
    other = submit(second, sealed_lot, START * 2)
    forged = sealed.seal(lot_id=sealed_lot.pk, participant_number=2, amount=START * 9)
    with past_the_trigger():
        SealedBid.objects.filter(pk=other.pk).update(sealed_amount=forged.token)
    Lot.objects.filter(pk=sealed_lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    plain = LiveLotFactory()
    Lot.objects.filter(pk=plain.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    tasks.sweep_lots()
    plain.refresh_from_db()
    sealed_lot.refresh_from_db()
    assert plain.status == Lot.Status.FAILED  # closed, without bids
    assert sealed_lot.sealed_round_closed_at is None
    assert "does not match its commitment" in caplog.text


# --- Maxima (proxy bids) on a two-stage lot ----------------------------------------------


def set_maximum(user: AbstractBaseUser, lot: Lot, amount: object) -> engine.MaximumOutcome:
    return engine.set_maximum(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


def test_no_maximum_is_set_during_the_sealed_round(sealed_lot: Lot) -> None:
    """A maximum bids openly, which the sealed round does not allow."""
    (user,) = bidders(sealed_lot, 1)
    with pytest.raises(DomainError) as error:
        set_maximum(user, sealed_lot, START * 2)
    assert error.value.code == "lot_not_live"
    assert "sealed bid" in error.value.message


def test_only_those_who_went_on_set_a_maximum_in_the_ascending_round() -> None:
    lot = SealedLotFactory(sealed_advancing_percent=50)
    users = bidders(lot, 4)
    for offset, user in enumerate(users):
        submit(user, lot, START + STEP * offset)
    end_sealed_round(lot)
    with pytest.raises(DomainError) as error:
        set_maximum(users[0], lot, START * 9)
    assert error.value.code == "not_admitted"
    assert "ranked 4" in error.value.message
    # The runner-up went on: its maximum outbids the highest sealed bid at once, for it.
    set_maximum(users[2], lot, START * 9)
    lot.refresh_from_db()
    assert lot.current_price == START + STEP * 4
    bid = Bid.objects.filter(lot=lot).order_by("sequence").last()
    assert (bid.participant_number, bid.automatic) == (3, True)


# --- Bid ceilings on a two-stage lot ------------------------------------------------------


def test_a_sealed_bid_above_the_ceiling_is_refused_above_limit() -> None:
    """The highest sealed bid becomes the ascending round's first bid: it is held to the
    bidder's ceiling as an open bid is."""
    lot = SealedLotFactory(bid_ceiling="deposit", bid_ceiling_multiple=Decimal("12"))
    (user,) = bidders(lot, 1)
    # LotFactory's guarantee deposit is 10,000,000: the ceiling is 120,000,000.
    error = refusal(user, lot, "900000000")
    assert error.code == "above_limit"
    assert not SealedBid.objects.filter(lot=lot).exists()
    submit(user, lot, "120000000")


def test_a_sealed_round_without_bids_records_the_lots_ceiling_rule() -> None:
    lot = SealedLotFactory(bid_ceiling="deposit", bid_ceiling_multiple=Decimal("12"))
    end_sealed_round(lot)
    result = Result.objects.get(lot=lot)
    assert (result.outcome, result.bid_ceiling, result.bid_ceiling_multiple) == (
        Result.Outcome.FAILED,
        "deposit",
        Decimal("12.00"),
    )
