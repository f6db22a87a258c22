"""Proxy (maximum) bids: a participant's private maximum, for which the engine bids.

The engine (`engine.place_bid`, `engine.set_maximum`) calls `duel` under the lot's lock
and appends the bids it answers as ordinary bids of the chain, marked automatic. A proxy
auction's outcome comes from two parties only: after every transaction no participant
but the leader holds a maximum that could outbid it (each `duel` leaves it so), hence a
bid by hand or a newly set maximum meets at most the leader's maximum (and, after a bid
by hand, the bidder's own). So the bid's locked read needs just those two rows, each one
index lookup, and a lot without maxima reads nothing more; only when the leader's maximum
could answer does the engine ask whether its owner may still bid.

Nobody sees a maximum but its owner: its amount travels only in the owner's own frame
(`maximum_frame`), never in the lot's state, the admin, an export or the API for staff.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions.models import Application, Lot, Maximum, next_minimum
from bidders.models import Representative
from core import session_sockets
from core.money import format_kzt


@dataclass(frozen=True)
class StandingMaximum:
    """A participant's current maximum as the bid's locked read returns it."""

    amount: Decimal
    # Its place among equal maxima: the earlier set wins a tie.
    order: int
    set_by: int


@dataclass(frozen=True)
class Stand:
    """How far a participant goes: its maximum, or the bid it holds if that is higher."""

    participant_id: int
    participant_number: int
    cap: Decimal
    # The order of the maximum behind `cap`; None when `cap` is a bid by hand (no maximum
    # above it), which needs no tie-break: a rival must bid at least a step above it.
    order: int | None
    # Whom the engine's bids for this maximum are placed by: who set it.
    set_by: int | None


def stand(
    *,
    participant_id: int,
    participant_number: int,
    holds: Decimal | None,
    maximum: StandingMaximum | None,
) -> Stand:
    """Return a participant's stand from the bid it holds (if it leads) and its maximum."""
    if maximum is not None and (holds is None or maximum.amount > holds):
        return Stand(
            participant_id=participant_id,
            participant_number=participant_number,
            cap=maximum.amount,
            order=maximum.order,
            set_by=maximum.set_by,
        )
    return Stand(
        participant_id=participant_id,
        participant_number=participant_number,
        cap=holds if holds is not None else Decimal(0),
        order=None,
        set_by=None,
    )


def duel(
    *,
    price: Decimal | None,
    starting_price: Decimal,
    bid_step: Decimal,
    leader: Stand | None,
    challenger: Stand,
) -> list[tuple[Stand, Decimal]]:
    """Return the automatic bids (whose, amount) that settle a challenger's maximum
    against the leader at `price`, in as few entries as is honest.

    Every bid is at least a step above the one before (the engine's rule for all bids).
    The loser's maximum is bid in full, or to the highest amount the winner can still top
    by a step, and the winner bids one step above it; when the loser cannot bid so, the
    winner bids only the minimum it needs (or nothing, if it leads already). A tie goes to
    the maximum set earlier.
    """
    minimum = next_minimum(current_price=price, starting_price=starting_price, bid_step=bid_step)
    if challenger.cap < minimum or challenger.order is None:
        return []
    if leader is None:
        return [(challenger, minimum)]
    challenger_wins = challenger.cap > leader.cap or (
        challenger.cap == leader.cap
        and leader.order is not None
        and challenger.order < leader.order
    )
    if challenger_wins:
        answer = min(leader.cap, challenger.cap - bid_step)
        if leader.order is not None and answer >= minimum + bid_step:
            return [(challenger, minimum), (leader, answer), (challenger, answer + bid_step)]
        return [(challenger, minimum)]
    answer = min(challenger.cap, leader.cap - bid_step)
    if answer >= minimum:
        return [(challenger, answer), (leader, answer + bid_step)]
    return []


def best_challenger(*, lot_id: int, leader_id: int, minimum: Decimal) -> Maximum | None:
    """Return the highest current maximum of a participant other than the leader that
    could bid now (the earlier of equals); asked only when the leader lowers its own."""
    return (
        Maximum.objects.filter(lot_id=lot_id, is_current=True, amount__gte=minimum)
        .exclude(application_id=leader_id)
        .order_by("-amount", "id")
        .first()
    )


def standing(maximum: Maximum | None) -> StandingMaximum | None:
    if maximum is None:
        return None
    return StandingMaximum(amount=maximum.amount, order=maximum.pk, set_by=maximum.set_by_id)


# --- The owner's own frame ----------------------------------------------------------------


def maximum_frame(*, user_id: int, lot_id: int) -> dict[str, Any]:
    """Return the user's company's maximum in the lot as its own sockets are told it:
    `{"type": "maximum", "lot", "amount" (null: none), "active", "set_at", "message"}`.

    Active: the maximum still bids for its owner (the owner leads and the price has not
    passed it). A participant not leading holds an exhausted maximum: outbid above it, or
    matched by an earlier maximum as high.
    """
    current = (
        Maximum.objects.filter(
            lot_id=lot_id,
            is_current=True,
            application__status=Application.Status.ADMITTED,
            # One filter call: the same representative row. Staff never see a maximum,
            # even from an account wrongly linked to a company.
            application__company__representatives__user_id=user_id,
            application__company__representatives__user__is_staff=False,
            application__company__representatives__user__is_superuser=False,
        )
        .select_related("lot")
        .first()
    )
    if current is None:
        return {
            "type": "maximum",
            "lot": lot_id,
            "amount": None,
            "active": False,
            "set_at": None,
            "message": "",
        }
    lot = current.lot
    amount = format_kzt(current.amount)
    leads = lot.leader_id == current.application_id
    active = (
        lot.status in (Lot.Status.LIVE, Lot.Status.PAUSED)
        and leads
        and lot.current_price is not None
        and current.amount >= lot.current_price
    )
    if lot.status in Lot.FINISHED_STATUSES:
        message = _("The auction is over; your maximum was %(amount)s.") % {"amount": amount}
    elif active:
        message = _(
            "Your maximum is %(amount)s: whenever you are outbid, the platform bids for you "
            "one step above, up to it."
        ) % {"amount": amount}
    else:
        message = _(
            "Your maximum of %(amount)s is used up: the price has passed it, or an earlier "
            "maximum as high stands. Set a higher one to go on bidding automatically."
        ) % {"amount": amount}
    return {
        "type": "maximum",
        "lot": lot_id,
        "amount": f"{current.amount:.2f}",
        "active": active,
        "set_at": current.set_at.isoformat(),
        "message": message,
    }


def accepted_frame(maximum: Maximum, *, created: bool) -> dict[str, Any]:
    """Return what the owner is told of a maximum it set (repeated: its key was seen)."""
    return {
        "type": "maximum_accepted",
        "key": str(maximum.key),
        "amount": f"{maximum.amount:.2f}",
        "set_at": maximum.set_at.isoformat(),
        "repeated": not created,
    }


def tell_owners(lot_id: int, participant_ids: list[int]) -> None:
    """Tell every socket of the participants' users that their maximum in the lot changed;
    each socket reads its own frame (the amount never travels through the layer)."""
    users = list(
        Representative.objects.filter(company__applications__in=participant_ids).values_list(
            "user_id", flat=True
        )
    )
    if not users:
        return
    layer = get_channel_layer()

    async def send_all() -> None:
        for user_id in users:
            await layer.group_send(
                session_sockets.user_group(user_id),
                {"type": "lot.maximum", "lot": lot_id, "at": timezone.now().isoformat()},
            )

    async_to_sync(send_all)()
