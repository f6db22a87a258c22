"""A live lot pauses by itself when many of its participants drop at once, or when the
server's messaging or database fails, and resumes when they are back; every pause is on
the lot's record."""

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from celery import current_app
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from auctions import engine, presence, tasks
from auctions.models import Lot, LotPause
from auctions.tests.factories import LiveLotFactory
from core.embedded_beat import EmbeddedBeat

WINDOW = 10.0


def drop(history: dict[int, float], connected: set[int], now: float) -> presence.Drop | None:
    return presence.drop_in_window(
        history, connected, now, window=WINDOW, share=0.5, min_participants=2
    )


# --- The rule itself -------------------------------------------------------------------------


def test_half_of_the_connected_participants_dropping_within_the_window_is_a_drop() -> None:
    history = {1: 100.0, 2: 100.0, 3: 100.0, 4: 100.0, 5: 100.0, 6: 100.0}
    found = drop(history, {5, 6}, 104.0)
    assert found == presence.Drop(lost=(1, 2, 3, 4), connected=6)


def test_fewer_than_the_share_dropping_is_no_drop() -> None:
    history = dict.fromkeys(range(1, 7), 100.0)
    assert drop(history, {3, 4, 5, 6}, 104.0) is None
    assert drop(history, {4, 5, 6}, 104.0) is not None  # 3 of 6 is half


def test_participants_that_left_before_the_window_are_not_part_of_a_drop() -> None:
    # 1 and 2 left 30 s ago, one at a time; now 3 leaves: 1 of the 4 seen in the window.
    history = {1: 70.0, 2: 75.0, 3: 99.0, 4: 100.0, 5: 100.0, 6: 100.0}
    assert drop(history, {4, 5, 6}, 100.0) is None


def test_a_participant_back_inside_the_window_does_not_count() -> None:
    history = dict.fromkeys(range(1, 5), 100.0)
    # 1 and 2 dropped after the check at 100 and were back before the next one.
    assert drop(history, {1, 2, 3, 4}, 102.0) is None
    # Only 1 is still away: one of four.
    assert drop(history, {2, 3, 4}, 102.0) is None


def test_with_two_participants_one_dropping_does_not_pause_but_both_do() -> None:
    history = {1: 100.0, 2: 100.0}
    assert drop(history, {2}, 102.0) is None
    assert drop(history, set(), 102.0) == presence.Drop(lost=(1, 2), connected=2)


def test_participants_never_connected_are_not_counted() -> None:
    # Six admitted, only two ever connected; one of them drops.
    assert drop({1: 100.0, 2: 100.0}, {2}, 102.0) is None
    assert drop({}, set(), 102.0) is None


def test_most_of_the_awaited_participants_back_is_enough_to_resume() -> None:
    assert presence.enough_returned([1, 2, 3, 4], {1, 2, 3}, share=0.75)
    assert not presence.enough_returned([1, 2, 3, 4], {1, 2, 9}, share=0.75)
    assert presence.enough_returned([1, 2], {1, 2}, share=0.75)
    assert not presence.enough_returned([1, 2], {1}, share=0.75)
    # Nobody known to wait for: only staff resume.
    assert not presence.enough_returned([], {1, 2}, share=0.75)


# --- The watch, with the register and the lots ----------------------------------------------


class Clock:
    """The watch's and the register's clock (seconds), moved by the test."""

    def __init__(self) -> None:
        # From the real time: pauses are stamped with it.
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with mock.patch.object(presence, "time", fake):
        yield fake


def connect(lot: Lot, *numbers: int, socket: str = "a") -> None:
    for number in numbers:
        presence.enter(lot_id=lot.pk, participant_number=number, channel=f"{socket}{number}")


def disconnect(lot: Lot, *numbers: int, socket: str = "a") -> None:
    for number in numbers:
        presence.leave(lot_id=lot.pk, participant_number=number, channel=f"{socket}{number}")


def watch(clock: Clock, seconds: float = 2.0, **options: Any) -> dict[str, int]:
    clock.now += seconds
    return presence.watch_lots(**options)


@pytest.mark.django_db
def test_the_watch_pauses_when_most_drop_and_resumes_with_the_time_left_when_they_return(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2, 3)
    assert watch(clock) == {"paused": 0, "resumed": 0}
    disconnect(lot, 1, 3)
    with caplog.at_level(logging.WARNING, logger="auctions.pauses"):
        assert watch(clock)["paused"] == 1
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PAUSED
    assert lot.status_reason.startswith(
        "2 of 3 participants lost their connection at once; the platform paused the auction"
    )
    pause = lot.pauses.get()
    assert pause.cause == LotPause.Cause.PARTICIPANTS_DROPPED
    assert pause.is_automatic
    assert pause.awaiting == [1, 3]
    assert pause.ended_at is None
    assert f"Lot {lot.pk} paused automatically" in caplog.text
    left = lot.paused_remaining

    # One of the two back: not yet most of them.
    connect(lot, 1, socket="b")
    assert watch(clock)["resumed"] == 0
    connect(lot, 3, socket="b")
    assert watch(clock)["resumed"] == 1
    lot.refresh_from_db()
    pause.refresh_from_db()
    assert lot.status == Lot.Status.LIVE
    assert lot.status_reason == ""
    assert abs(lot.ends_at - timezone.now() - left) < timedelta(seconds=5)
    assert pause.ended_how == LotPause.Ending.PARTICIPANTS_RETURNED
    assert pause.ended_at is not None

    # After the resume the watch starts afresh: nobody is counted as dropped again.
    assert watch(clock) == {"paused": 0, "resumed": 0}


@pytest.mark.django_db
def test_a_reconnect_between_two_checks_is_no_drop(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    watch(clock)
    disconnect(lot, 1, 2)
    connect(lot, 1, 2, socket="b")
    assert watch(clock)["paused"] == 0
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.LIVE


@pytest.mark.django_db
def test_sockets_of_a_crashed_process_lapse_and_count_as_dropped(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    watch(clock)
    # Nothing renews them: the process died without closing them.
    assert watch(clock, presence.register_ttl() - 3)["paused"] == 0
    assert presence.connected_numbers([lot.pk]) == {lot.pk: {1, 2}}
    assert watch(clock, 4)["paused"] == 1
    assert presence.connected_numbers([lot.pk]) == {lot.pk: set()}


@pytest.mark.django_db
def test_a_participant_with_another_socket_open_is_still_connected(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    connect(lot, 1, 2, socket="second-tab")
    watch(clock)
    disconnect(lot, 1, 2)
    assert watch(clock)["paused"] == 0


@pytest.mark.django_db
def test_staff_resume_an_automatic_pause_and_the_record_says_so(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    watch(clock)
    disconnect(lot, 1, 2)
    watch(clock)
    engine.resume_lot(lot_id=lot.pk)
    pause = lot.pauses.get()
    assert pause.ended_how == LotPause.Ending.STAFF
    # Still away, but the watch counts from the resume: no second pause at once.
    assert watch(clock)["paused"] == 0
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.LIVE


@pytest.mark.django_db
def test_a_pause_by_staff_never_resumes_by_itself(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    watch(clock)
    engine.pause_lot(lot_id=lot.pk, reason="Power failure in the data centre")
    assert watch(clock)["resumed"] == 0
    pause = lot.pauses.get()
    assert pause.cause == LotPause.Cause.STAFF
    assert not pause.is_automatic
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.PAUSED


@pytest.mark.django_db
def test_an_automatic_resume_never_ends_a_pause_staff_made_since(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    watch(clock)
    disconnect(lot, 1, 2)
    watch(clock)
    automatic = lot.pauses.get()
    engine.resume_lot(lot_id=lot.pk)
    engine.pause_lot(lot_id=lot.pk, reason="Checking the bid log")
    with pytest.raises(engine.DomainError):
        engine.resume_lot(
            lot_id=lot.pk, by=LotPause.Ending.PARTICIPANTS_RETURNED, pause_id=automatic.pk
        )
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.PAUSED


@pytest.mark.django_db
def test_a_cancelled_lot_ends_its_open_pause() -> None:
    lot = LiveLotFactory()
    engine.pause_lot(lot_id=lot.pk, reason="Outage")
    engine.cancel_lot(lot_id=lot.pk, reason="Withdrawn by the ministry")
    assert lot.pauses.get().ended_how == LotPause.Ending.CANCELLED


@pytest.mark.django_db
def test_a_heartbeat_the_channel_layer_cannot_send_pauses_live_lots_until_it_works_again(
    clock: Clock,
) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2, 3)
    watch(clock)

    class FailingLayer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            raise ConnectionError("Redis is gone")

    clock.now += 2
    with mock.patch("auctions.live.get_channel_layer", return_value=FailingLayer()):
        tasks.send_heartbeats()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.PAUSED
    assert "its messaging failed" in lot.status_reason
    pause = lot.pauses.get()
    assert pause.cause == LotPause.Cause.CHANNEL_LAYER
    assert pause.awaiting == [1, 2, 3]
    # The layer works again and the participants are still connected: it resumes.
    clock.now += 2
    tasks.send_heartbeats()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.LIVE
    pause.refresh_from_db()
    assert pause.ended_how == LotPause.Ending.PARTICIPANTS_RETURNED


@pytest.mark.django_db
def test_a_bid_whose_news_cannot_be_sent_pauses_its_lot(
    admitted_bidder: Any, live_lot: Lot, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    connect(live_lot, 1, 2)
    watch(clock)
    with (
        mock.patch("auctions.live.broadcast_state", side_effect=ConnectionError("gone")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        engine.place_bid(
            user=admitted_bidder,
            lot_id=live_lot.pk,
            amount=str(live_lot.starting_price),
            key="5b0c4c1e-4bc4-4d8e-9f0e-2f8f3f6d1a01",
        )
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.PAUSED
    assert live_lot.bid_count == 1
    pause = live_lot.pauses.get()
    assert pause.cause == LotPause.Cause.CHANNEL_LAYER
    assert pause.awaiting == []
    # The watch fills in whom to wait for from who it saw connected, then resumes.
    watch(clock)
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.LIVE


@pytest.mark.django_db
def test_after_a_database_outage_the_sweep_pauses_live_lots_with_the_time_they_had_left(
    clock: Clock,
) -> None:
    now = timezone.now()
    running = LiveLotFactory(ends_at=now + timedelta(minutes=30))
    # Its end passed while the database was down: paused, not closed.
    overrun = LiveLotFactory(ends_at=now - timedelta(seconds=20))
    connect(running, 1, 2)
    with mock.patch.object(
        presence.Lot.objects, "filter", side_effect=presence.OperationalError("down")
    ):
        presence.watch_lots()
    outage_began = presence.datetime.fromisoformat(presence.cache.get(presence.DATABASE_DOWN_KEY))
    # The outage began a minute ago (the note is what the watch wrote then).
    outage_began -= timedelta(minutes=1)
    presence.cache.set(presence.DATABASE_DOWN_KEY, outage_began.isoformat(), timeout=None)

    tasks.sweep_lots()
    running.refresh_from_db()
    overrun.refresh_from_db()
    assert running.status == overrun.status == Lot.Status.PAUSED
    assert "database was unavailable for about 60 seconds, so no bid" in running.status_reason
    assert abs(running.paused_remaining - (running.ends_at - outage_began)) < timedelta(seconds=1)
    assert overrun.paused_remaining == overrun.ends_at - outage_began
    assert running.pauses.get().started_at == outage_began
    assert presence.cache.get(presence.DATABASE_DOWN_KEY) is None
    # Its participants are connected: the next watch resumes it; nobody awaited the other.
    watch(clock)
    assert Lot.objects.get(pk=running.pk).status == Lot.Status.LIVE
    assert Lot.objects.get(pk=overrun.pk).status == Lot.Status.PAUSED


@pytest.mark.django_db
def test_a_failed_statement_is_no_database_outage(clock: Clock) -> None:
    """Only an unreachable database pauses lots afterwards; one statement's error (an
    integrity or serialisation failure) is that statement's, and pauses nothing."""
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    with (
        mock.patch.object(presence.Lot.objects, "filter", side_effect=IntegrityError("one row")),
        pytest.raises(IntegrityError),
    ):
        presence.watch_lots()
    assert presence.cache.get(presence.DATABASE_DOWN_KEY) is None
    tasks.sweep_lots()
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.LIVE


@pytest.mark.django_db
@override_settings(LIVE_AUTOMATIC_PAUSES=False)
def test_automatic_pauses_can_be_turned_off(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    clock.now += 2
    tasks.send_heartbeats()
    disconnect(lot, 1, 2)
    clock.now += 2
    tasks.send_heartbeats()
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.LIVE


# The beat closes its connections after each job, as a server thread does: only a test
# that commits may lose its connection.
@pytest.mark.django_db(transaction=True)
def test_in_embedded_mode_the_beat_inside_the_process_runs_the_watch(clock: Clock) -> None:
    lot = LiveLotFactory()
    connect(lot, 1, 2)
    beat = EmbeddedBeat(current_app)
    beat.tick()
    disconnect(lot, 1, 2)
    clock.now += 2
    beat.last_run.clear()  # every entry due again, as two seconds later
    beat.tick()
    assert Lot.objects.get(pk=lot.pk).status == Lot.Status.PAUSED


@pytest.mark.django_db
def test_a_broadcast_failing_for_another_reason_is_logged_and_pauses_nothing(
    admitted_bidder: Any, live_lot: Lot, django_capture_on_commit_callbacks: Any
) -> None:
    # A fault of ours (here: called beside a running event loop), not the layer failing.
    with (
        mock.patch("auctions.live.broadcast_state", side_effect=RuntimeError("event loop")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        engine.place_bid(
            user=admitted_bidder,
            lot_id=live_lot.pk,
            amount=str(live_lot.starting_price),
            key="5b0c4c1e-4bc4-4d8e-9f0e-2f8f3f6d1a02",
        )
    assert Lot.objects.get(pk=live_lot.pk).status == Lot.Status.LIVE
    assert not LotPause.objects.exists()
