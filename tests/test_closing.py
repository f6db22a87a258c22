"""Lots open and close by themselves, exactly once, and a late bid is never lost."""

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from auctions import engine, tasks
from auctions.models import Bid, Lot, Payment, Result
from auctions.tests.factories import LotFactory, admitted_representative
from core.errors import DomainError
from core.tests.races import run_together
from deposits.models import Deposit
from licensing import tasks as licensing_tasks
from licensing.models import Licence

pytestmark = pytest.mark.django_db


def running_lot(**overrides: object) -> Lot:
    now = timezone.now()
    fields = {
        "status": Lot.Status.LIVE,
        "application_deadline": now - timedelta(days=2),
        "starts_at": now - timedelta(minutes=30),
        "ends_at": now + timedelta(minutes=30),
        "hard_end": now + timedelta(hours=1),
    }
    return LotFactory(**{**fields, **overrides})


def end_now(lot: Lot) -> None:
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))


def bid(user: AbstractBaseUser, lot: Lot, amount: str) -> Bid:
    return engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=uuid.uuid4()).bid


# --- Opening -----------------------------------------------------------------------------


def due_lot(**overrides: object) -> Lot:
    now = timezone.now()
    return LotFactory(
        **{
            "application_deadline": now - timedelta(days=1),
            "starts_at": now - timedelta(seconds=1),
            "ends_at": now + timedelta(hours=1),
            "hard_end": now + timedelta(hours=2),
            **overrides,
        }
    )


def test_a_published_lot_with_two_participants_goes_live_at_its_start() -> None:
    lot = due_lot()
    admitted_representative(lot, 1), admitted_representative(lot, 2)
    assert tasks.sweep_lots() == {"opened": 1, "closed": 0}
    lot.refresh_from_db()
    assert lot.status == Lot.Status.LIVE
    assert lot.version == 1


def test_a_lot_does_not_open_before_its_start() -> None:
    lot = due_lot(starts_at=timezone.now() + timedelta(minutes=1))
    admitted_representative(lot, 1), admitted_representative(lot, 2)
    engine.open_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PUBLISHED


def test_without_participants_the_lot_fails_and_frees_its_deposit() -> None:
    lot = due_lot()
    engine.open_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.FAILED
    assert "No participant was admitted" in lot.status_reason
    assert lot.result.outcome == Result.Outcome.FAILED
    assert lot.deposit.status == Deposit.Status.AVAILABLE


def test_a_single_participant_cancels_the_auction_under_the_cancel_rule() -> None:
    lot = due_lot(single_participant_rule=Lot.SingleParticipantRule.CANCEL)
    admitted_representative(lot, 1)
    engine.open_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CANCELLED
    assert "Only one participant" in lot.status_reason
    assert not Result.objects.filter(lot=lot).exists()


def test_a_single_participant_takes_the_licence_at_the_start_price_under_the_offer_rule() -> None:
    lot = due_lot(single_participant_rule=Lot.SingleParticipantRule.OFFER_AT_START)
    admitted_representative(lot, 1)
    engine.open_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    assert lot.result.outcome == Result.Outcome.AWARDED
    assert lot.result.winner.participant_number == 1
    assert lot.result.winning_bonus == lot.starting_price
    assert lot.result.bid_count == 0


# --- Closing -----------------------------------------------------------------------------


def test_the_highest_bid_wins_when_the_lot_ends() -> None:
    lot = running_lot()
    first, second = admitted_representative(lot, 1), admitted_representative(lot, 2)
    bid(first, lot, "100000000")
    winning = bid(second, lot, "130000000")
    end_now(lot)
    assert tasks.sweep_lots() == {"opened": 0, "closed": 1}
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    assert lot.result.outcome == Result.Outcome.AWARDED
    assert lot.result.winner_id == winning.application_id
    assert lot.result.winning_bonus == Decimal("130000000.00")
    assert lot.result.bid_count == 2


def test_a_lot_without_bids_fails() -> None:
    lot = running_lot()
    admitted_representative(lot, 1), admitted_representative(lot, 2)
    end_now(lot)
    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.FAILED
    assert lot.result.outcome == Result.Outcome.FAILED
    assert lot.result.winner is None
    assert lot.deposit.status == Deposit.Status.AVAILABLE


def test_closing_before_the_end_or_twice_changes_nothing() -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.LIVE

    end_now(lot)
    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    version = lot.version
    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.version == version
    assert Result.objects.filter(lot=lot).count() == 1


def test_a_close_that_fails_half_way_leaves_the_lot_live_and_a_retry_closes_it() -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    end_now(lot)
    with (
        mock.patch.object(Result.objects, "create", side_effect=RuntimeError("worker died")),
        pytest.raises(RuntimeError),
    ):
        engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.LIVE
    assert not Result.objects.filter(lot=lot).exists()

    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    assert lot.result.winning_bonus == Decimal("100000000.00")


def test_after_the_close_a_bid_is_refused() -> None:
    lot = running_lot()
    first, second = admitted_representative(lot, 1), admitted_representative(lot, 2)
    bid(first, lot, "100000000")
    end_now(lot)
    engine.close_lot(lot_id=lot.pk)
    with pytest.raises(DomainError) as refusal:
        bid(second, lot, "200000000")
    assert refusal.value.code == "lot_not_live"
    assert Bid.objects.filter(lot=lot).count() == 1


def test_the_close_is_broadcast_and_the_lot_settled_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    end_now(lot)
    with (
        mock.patch("auctions.live.broadcast_closed") as broadcast,
        mock.patch("licensing.tasks.settle_finished_lot.delay") as settle,
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            engine.close_lot(lot_id=lot.pk)
        broadcast.assert_not_called()
        for callback in callbacks:
            callback()
    broadcast.assert_called_once_with(lot.pk)
    settle.assert_called_once_with(lot.pk)


# --- Pause, resume, cancel -----------------------------------------------------------------


def test_a_paused_lot_takes_no_bids_and_resumes_with_its_time_left() -> None:
    lot = running_lot()
    first = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    engine.pause_lot(lot_id=lot.pk, reason="Data centre power failure")
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PAUSED
    left = lot.paused_remaining
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    with pytest.raises(DomainError) as refusal:
        bid(first, lot, "100000000")
    assert refusal.value.code == "lot_not_live"

    # Later, past the old end: a paused lot is never closed by the sweep.
    Lot.objects.filter(pk=lot.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    tasks.sweep_lots()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PAUSED

    hard_end_gap = lot.hard_end - lot.ends_at
    engine.resume_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.LIVE
    assert lot.ends_at - timezone.now() > left - timedelta(seconds=5)
    assert lot.hard_end - lot.ends_at == hard_end_gap
    assert bid(first, lot, "100000000").sequence == 1


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (lambda lot: engine.pause_lot(lot_id=lot.pk, reason=" "), "reason_required"),
        (lambda lot: engine.resume_lot(lot_id=lot.pk), "lot_not_paused"),
        (lambda lot: engine.cancel_lot(lot_id=lot.pk, reason=""), "reason_required"),
    ],
)
def test_pause_resume_and_cancel_refuse_what_does_not_apply(action, code: str) -> None:
    lot = running_lot()
    with pytest.raises(DomainError) as refusal:
        action(lot)
    assert refusal.value.code == code


def test_a_cancelled_lot_keeps_its_bids_and_frees_its_deposit() -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    engine.cancel_lot(lot_id=lot.pk, reason="Court order on the deposit")
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CANCELLED
    assert lot.status_reason == "Court order on the deposit"
    assert lot.deposit.status == Deposit.Status.AVAILABLE
    assert Bid.objects.filter(lot=lot).count() == 1
    with pytest.raises(DomainError) as refusal:
        engine.cancel_lot(lot_id=lot.pk, reason="again")
    assert refusal.value.code == "lot_finished"


# --- Races on PostgreSQL ------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs it there"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_closing_at_once_close_the_lot_once() -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    end_now(lot)
    outcomes = run_together(*[lambda: engine.close_lot(lot_id=lot.pk)] * 4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    lot.refresh_from_db()
    assert lot.status == Lot.Status.CLOSED
    assert Result.objects.filter(lot=lot).count() == 1
    assert lot.version == 2  # one bid, one close


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_bid_racing_the_close_is_in_the_result_or_refused_never_lost(settings: Any) -> None:
    # About the lock, not the rate: eight rounds of bids in quick succession.
    settings.BID_RATE_LIMIT = "1000000/s"
    for _round in range(8):
        # No soft close: the late bid must land either side of a fixed end.
        lot = running_lot(
            ends_at=timezone.now() + timedelta(milliseconds=300), soft_close_window=timedelta(0)
        )
        first, second = admitted_representative(lot, 1), admitted_representative(lot, 2)
        bid(first, lot, "100000000")

        def late_bid(lot: Lot = lot, user: AbstractBaseUser = second) -> Bid:
            while timezone.now() < lot.ends_at - timedelta(milliseconds=5):
                pass
            return bid(user, lot, "150000000")

        def close(lot: Lot = lot) -> Lot:
            while timezone.now() < lot.ends_at:
                pass
            return engine.close_lot(lot_id=lot.pk)

        late, closed = run_together(late_bid, close)
        assert isinstance(closed, Lot), closed
        lot.refresh_from_db()
        assert lot.status == Lot.Status.CLOSED
        result = lot.result
        if isinstance(late, Bid):
            assert result.winner_id == late.application_id
            assert result.winning_bonus == Decimal("150000000.00")
            assert result.bid_count == 2
        else:
            assert isinstance(late, DomainError)
            assert late.code == "lot_not_live"
            assert result.winning_bonus == Decimal("100000000.00")
            assert result.bid_count == 1
        assert Bid.objects.filter(lot=lot).count() == result.bid_count


def test_the_sweep_settles_a_lot_whose_settling_task_was_lost() -> None:
    lot = running_lot()
    winner, loser = admitted_representative(lot, 1), admitted_representative(lot, 2)
    bid(loser, lot, "100000000")
    bid(winner, lot, "105000000")
    end_now(lot)
    with mock.patch("licensing.tasks.settle_finished_lot.delay"):  # the broker was down
        tasks.sweep_lots()
    assert not Licence.objects.filter(lot=lot).exists()

    # Within the grace minute the sweep leaves it to the queued task; after it, it settles.
    licensing_tasks.settle_unsettled_lots()
    assert not Licence.objects.filter(lot=lot).exists()
    Result.objects.filter(lot=lot).update(closed_at=timezone.now() - timedelta(minutes=2))
    licensing_tasks.settle_unsettled_lots()
    licence = Licence.objects.get(lot=lot)
    assert licence.holder.representatives.get().user == winner
    statuses = dict(
        Payment.objects.filter(
            application__lot=lot, kind=Payment.Kind.GUARANTEE_DEPOSIT
        ).values_list("application__participant_number", "status")
    )
    assert statuses == {1: Payment.Status.APPLIED, 2: Payment.Status.REFUND_DUE}
    licensing_tasks.settle_unsettled_lots()
    assert Licence.objects.filter(lot=lot).count() == 1


def test_results_emails_whose_task_was_lost_go_out_with_the_next_publishing_run(
    mailoutbox: list,
) -> None:
    lot = running_lot()
    user = admitted_representative(lot, 1)
    admitted_representative(lot, 2)
    bid(user, lot, "100000000")
    end_now(lot)
    tasks.sweep_lots()
    with mock.patch("auctions.notices.send_results_notices.delay"):  # lost
        assert tasks.publish_finished_events() == [lot.event_id]
    assert not mailoutbox
    # The grace minute has passed (a published event's publication time is frozen, so the
    # clock's wait is shortened rather than the publication moved back).
    with mock.patch("auctions.tasks.LOST_TASK_GRACE", timedelta(0)):
        tasks.publish_finished_events()
    assert len(mailoutbox) == 2
    tasks.publish_finished_events()
    assert len(mailoutbox) == 2
