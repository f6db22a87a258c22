"""Who of a live lot's participants is connected, and the pause when many drop at once.

Each participant's room socket is entered in the lot's presence register when it opens,
renewed with its socket slot (every LIVE_SESSION_CHECK_SECONDS) and removed when it closes;
an entry lapses after three missed renewals, so a crashed web process's sockets leave by
themselves. The register is one Redis sorted set per lot (member "number:channel", score
the moment it lapses) shared by every web process; embedded mode, one process, keeps it in
memory. Spectators and staff are never entered: only participants count.

`watch_lots` runs with every heartbeat (the beat's `send_heartbeats`, every
LIVE_HEARTBEAT_SECONDS; in embedded mode the same beat inside `runplatform`). It compares
who is connected with who was, in a history per lot kept in the cache, and pauses a lot by
itself (`engine.pause_automatically`) when within LIVE_DROP_WINDOW_SECONDS at least
LIVE_DROP_SHARE of the participants connected in that window, and at least
LIVE_DROP_MIN_PARTICIPANTS of them, lost their connection; it resumes such a pause once
LIVE_DROP_RESUME_SHARE of those are back. It pauses the same way when the heartbeat could
not be sent (the channel layer failed) and, once the database answers again, every lot
that was live while it did not.
"""

import logging
import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from auctions import engine, pauses
from auctions.models import Application, Lot, LotPause
from core.errors import DomainError
from core.process_cache import shared_cache

logger = logging.getLogger(__name__)
# What says the database is unreachable, rather than that one statement failed (an
# integrity or serialisation error must not pause every live lot).
DATABASE_OUTAGE = (OperationalError, InterfaceError)

# --- The register of connected participants ----------------------------------------------


def _register_key(lot_id: int) -> str:
    return f"presence:{lot_id}"


def _redis(key: str) -> Any:
    """Return the Redis client and the cache's full name of the key, or None without Redis.

    The process's one instance of the cache (`core.process_cache`): sockets enter and renew
    the register from contexts of their own, each of which would hold a connection."""
    backend = shared_cache()
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(key, write=True), backend.make_and_validate_key(key)


class _ProcessRegister:
    """The register in this process: embedded mode's, and the fallback while Redis fails."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lots: dict[int, dict[str, float]] = {}

    def enter(self, lot_id: int, member: str, lapses: float) -> None:
        with self.lock:
            self.lots.setdefault(lot_id, {})[member] = lapses

    def leave(self, lot_id: int, member: str) -> None:
        with self.lock:
            entries = self.lots.get(lot_id)
            if entries is not None:
                entries.pop(member, None)
                if not entries:
                    del self.lots[lot_id]

    def members(self, lot_id: int, now: float) -> list[str]:
        with self.lock:
            entries = self.lots.get(lot_id, {})
            for member in [member for member, lapses in entries.items() if lapses <= now]:
                del entries[member]
            return list(entries)

    def clear(self) -> None:
        with self.lock:
            self.lots.clear()


_local = _ProcessRegister()


def register_ttl() -> float:
    """Return how long an entry lasts unrenewed: three renewals, as a socket slot."""
    return settings.LIVE_SESSION_CHECK_SECONDS * 3


def enter(*, lot_id: int, participant_number: int, channel: str) -> None:
    """Enter (or renew) one participant socket in the lot's register: one Redis round trip."""
    member = f"{participant_number}:{channel}"
    ttl = register_ttl()
    lapses = time.time() + ttl
    try:
        found = _redis(_register_key(lot_id))
        if found is None:
            _local.enter(lot_id, member, lapses)
            return
        client, key = found
        pipeline = client.pipeline(transaction=False)
        pipeline.zadd(key, {member: lapses})
        # The set itself goes when nothing renews it: a lot nobody watches leaves no key.
        pipeline.expire(key, math.ceil(ttl) * 2)
        pipeline.execute()
    except Exception as error:
        logger.warning("The presence register is unavailable; kept in this process: %r", error)
        _local.enter(lot_id, member, lapses)


def leave(*, lot_id: int, participant_number: int, channel: str) -> None:
    """Remove one participant socket from the lot's register."""
    member = f"{participant_number}:{channel}"
    _local.leave(lot_id, member)
    try:
        found = _redis(_register_key(lot_id))
        if found is not None:
            client, key = found
            client.zrem(key, member)
    except Exception as error:
        # Its entry lapses by itself.
        logger.warning("The presence register is unavailable: %r", error)


def connected_numbers(lot_ids: Iterable[int]) -> dict[int, set[int]]:
    """Return, per lot, the participant numbers with at least one socket open now.

    Raises what the cache raises when Redis fails: the caller treats that as the
    channel layer failing (they are one Redis in production).
    """
    lot_ids = list(lot_ids)
    now = time.time()
    members: dict[int, list[str]] = {lot_id: _local.members(lot_id, now) for lot_id in lot_ids}
    found = _redis(_register_key(lot_ids[0])) if lot_ids else None
    if found is not None:
        client = found[0]
        pipeline = client.pipeline(transaction=False)
        for lot_id in lot_ids:
            key = shared_cache().make_and_validate_key(_register_key(lot_id))
            pipeline.zremrangebyscore(key, "-inf", now)
            pipeline.zrange(key, 0, -1)
        answers = pipeline.execute()
        for index, lot_id in enumerate(lot_ids):
            members[lot_id] += [
                member.decode() if isinstance(member, bytes) else member
                for member in answers[index * 2 + 1]
            ]
    return {
        lot_id: {int(member.partition(":")[0]) for member in found}
        for lot_id, found in members.items()
    }


# --- The drop rule -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drop:
    """Participants that lost their connection within the window, of those connected in it."""

    lost: tuple[int, ...]
    connected: int


def seen(history: Mapping[int, float], connected: Iterable[int], now: float) -> dict[int, float]:
    """Return the history (participant number: when last seen connected) updated with now."""
    updated = dict(history)
    updated.update(dict.fromkeys(connected, now))
    return updated


def drop_in_window(
    history: Mapping[int, float],
    connected: set[int],
    now: float,
    *,
    window: float,
    share: float,
    min_participants: int,
) -> Drop | None:
    """Return the drop that pauses the lot, or None.

    Counted are the participants seen connected within `window` seconds (those connected
    now included); a drop is at least `share` of them, and at least `min_participants`,
    that are not connected now. A participant back within the window is connected now and
    does not count; one that left before the window has gone already, not in this drop.
    """
    recent = {number for number, when in history.items() if now - when <= window} | connected
    lost = tuple(sorted(recent - connected))
    if not lost or len(lost) < max(min_participants, math.ceil(share * len(recent))):
        return None
    return Drop(lost=lost, connected=len(recent))


def enough_returned(awaiting: Iterable[int], connected: set[int], *, share: float) -> bool:
    """Say whether enough of the awaited participants are connected again (none awaited:
    nobody knows who to wait for, so staff decide)."""
    awaiting = set(awaiting)
    if not awaiting:
        return False
    return len(awaiting & connected) >= math.ceil(share * len(awaiting))


# --- The watch, run with every heartbeat ---------------------------------------------------

DATABASE_DOWN_KEY = "presence:database-down-since"


def _history_key(lot_id: int) -> str:
    return f"presence-history:{lot_id}"


def watch_lots(*, channel_layer_failed: bool = False) -> dict[str, int]:
    """Pause lots whose participants dropped (or whose news cannot be sent) and resume
    automatic pauses whose participants are back; return how many of each."""
    counts = {"paused": 0, "resumed": 0}
    try:
        pause_after_database_outage(counts)
        lots = list(
            Lot.objects.filter(status__in=[Lot.Status.LIVE, Lot.Status.PAUSED]).values_list(
                "pk", "status", "ends_at"
            )
        )
        open_pauses = {
            pause.lot_id: pause
            for pause in LotPause.objects.filter(
                ended_at__isnull=True, lot_id__in=[pk for pk, _, _ in lots]
            )
        }
    except DATABASE_OUTAGE as error:
        note_database_down(error)
        return counts
    if not lots:
        return counts
    try:
        connected = connected_numbers(pk for pk, _, _ in lots)
        histories: dict[str, dict[int, float]] = cache.get_many(
            [_history_key(pk) for pk, _, _ in lots]
        )
    except Exception as error:
        logger.warning("The presence register cannot be read: %r", error)
        connected, histories, channel_layer_failed = {}, {}, True
    kept: dict[str, dict[int, float]] = {}
    try:
        _watch(lots, open_pauses, connected, histories, kept, counts, channel_layer_failed)
    except DATABASE_OUTAGE as error:
        note_database_down(error)
    _save_histories(kept, [_history_key(pk) for pk, _, _ in lots if _history_key(pk) not in kept])
    return counts


def _watch(
    lots: list[tuple[int, str, datetime]],
    open_pauses: dict[int, LotPause],
    connected: dict[int, set[int]],
    histories: dict[str, dict[int, float]],
    kept: dict[str, dict[int, float]],
    counts: dict[str, int],
    channel_layer_failed: bool,
) -> None:
    now = time.time()
    moment = timezone.now()
    for lot_id, status, ends_at in lots:
        history = histories.get(_history_key(lot_id), {})
        here = connected.get(lot_id, set())
        if status == Lot.Status.PAUSED:
            if _resume_if_back(
                lot_id,
                open_pauses.get(lot_id),
                here,
                history,
                channel_layer_failed=channel_layer_failed,
            ):
                counts["resumed"] += 1
            # A resumed lot starts a fresh history: who was missing during the pause is
            # not a drop after it.
            continue
        if ends_at <= moment:
            continue
        if channel_layer_failed:
            if engine.pause_automatically(
                lot_id=lot_id,
                cause=LotPause.Cause.CHANNEL_LAYER,
                reason=pauses.channel_layer_failed(),
                awaiting=sorted(_recently_seen(history, here, now)),
            ):
                counts["paused"] += 1
            continue
        drop = drop_in_window(
            history,
            here,
            now,
            window=settings.LIVE_DROP_WINDOW_SECONDS,
            share=settings.LIVE_DROP_SHARE,
            min_participants=settings.LIVE_DROP_MIN_PARTICIPANTS,
        )
        if drop is not None and engine.pause_automatically(
            lot_id=lot_id,
            cause=LotPause.Cause.PARTICIPANTS_DROPPED,
            reason=pauses.participants_dropped(lost=len(drop.lost), connected=drop.connected),
            awaiting=drop.lost,
        ):
            counts["paused"] += 1
            continue
        kept[_history_key(lot_id)] = _trimmed(seen(history, here, now), now)


def _recently_seen(history: Mapping[int, float], connected: set[int], now: float) -> set[int]:
    window = settings.LIVE_DROP_WINDOW_SECONDS
    return {number for number, when in history.items() if now - when <= window} | connected


def _trimmed(history: dict[int, float], now: float) -> dict[int, float]:
    """Forget who left long before the window: the history stays as small as the lot."""
    window = settings.LIVE_DROP_WINDOW_SECONDS
    return {number: when for number, when in history.items() if now - when <= window * 2}


def _save_histories(kept: dict[str, dict[int, float]], forgotten: list[str]) -> None:
    try:
        if kept:
            cache.set_many(kept, timeout=max(60, int(settings.LIVE_DROP_WINDOW_SECONDS * 4)))
        if forgotten:
            cache.delete_many(forgotten)
    except Exception as error:
        logger.warning("The presence history cannot be saved: %r", error)


def _resume_if_back(
    lot_id: int,
    pause: LotPause | None,
    connected: set[int],
    history: Mapping[int, float],
    *,
    channel_layer_failed: bool,
) -> bool:
    """Resume an automatic pause once the failure is over and most awaited are back."""
    if pause is None or not pause.is_automatic:
        return False
    awaiting = pause.awaiting
    if not awaiting and pause.cause != LotPause.Cause.PARTICIPANTS_DROPPED:
        # Paused where nobody could read the register (a bid's news failed to go out):
        # wait for those the watch saw connected before it.
        seen_before = pause.started_at.timestamp()
        awaiting = sorted(
            number
            for number, when in history.items()
            if seen_before - when <= settings.LIVE_DROP_WINDOW_SECONDS
        )
        if not awaiting:
            # Nobody knows who was connected (the register was lost with Redis): most of
            # the lot's participants must be.
            awaiting = sorted(
                Application.objects.filter(
                    lot_id=lot_id, status=Application.Status.ADMITTED
                ).values_list("participant_number", flat=True)
            )
        # Kept on the pause: the history is forgotten after this check.
        LotPause.objects.filter(pk=pause.pk).update(awaiting=awaiting)
    if channel_layer_failed or not enough_returned(
        awaiting, connected, share=settings.LIVE_DROP_RESUME_SHARE
    ):
        return False
    try:
        engine.resume_lot(
            lot_id=lot_id, by=LotPause.Ending.PARTICIPANTS_RETURNED, pause_id=pause.pk
        )
    except DomainError:
        return False
    pauses.logger.warning(
        "Lot %s resumed automatically: %s of %s awaited participants are back.",
        lot_id,
        len(set(awaiting) & connected),
        len(awaiting),
    )
    return True


# --- The database failing ------------------------------------------------------------------


def note_database_down(error: Exception) -> None:
    """Remember when the database stopped answering, to pause its live lots once it is back.

    Nothing can be written meanwhile, not even a pause: bids are refused (the engine cannot
    reach the database either) while the lots' clocks run on in the database.
    """
    try:
        first = cache.add(DATABASE_DOWN_KEY, timezone.now().isoformat(), timeout=None)
    except Exception:
        first = True
    if first:
        pauses.logger.warning(
            "The database is unavailable: live lots take no bids and cannot be paused until "
            "it is back; they are paused then, with the time they had left. %r",
            error,
        )


def pause_after_database_outage(counts: dict[str, int] | None = None) -> int:
    """Pause every lot that was live while the database was unreachable, keeping the time
    it had left when the outage began; return how many. Called by the sweep before it
    closes anything, so a lot whose end passed in the outage is paused, not closed."""
    try:
        since_text = cache.get(DATABASE_DOWN_KEY)
    except Exception:
        return 0
    if since_text is None:
        return 0
    since = datetime.fromisoformat(since_text)
    live = list(
        Lot.objects.filter(status=Lot.Status.LIVE, ends_at__gt=since).values_list("pk", flat=True)
    )
    seconds = max(1, round((timezone.now() - since).total_seconds()))
    try:
        connected = connected_numbers(live)
    except Exception:
        connected = {}
    paused = 0
    for lot_id in live:
        if engine.pause_automatically(
            lot_id=lot_id,
            cause=LotPause.Cause.DATABASE,
            reason=pauses.database_failed(seconds=seconds),
            awaiting=sorted(connected.get(lot_id, set())),
            since=since,
        ):
            paused += 1
    cache.delete(DATABASE_DOWN_KEY)
    if counts is not None:
        counts["paused"] += paused
    return paused
