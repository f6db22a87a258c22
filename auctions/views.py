"""The auction room page: a participant bids live, a clerk watches."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions import live
from auctions.models import Lot
from core.errors import DomainError


@never_cache
@login_required
@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the live auction room of a lot to its participants and to staff."""
    try:
        seat = live.take_seat(user=request.user, lot_id=pk)
    except DomainError as error:
        if error.code == "lot_not_found":
            raise Http404(error.message) from None
        raise PermissionDenied(error.message) from None
    lot = Lot.objects.select_related("deposit", "event").get(pk=pk)
    state = live.personal_state(live.lot_state(pk), seat.participant_number)
    return render(
        request,
        "auctions/room.html",
        {
            "lot": lot,
            "seat": seat,
            "state": state,
            "room": {
                "lot": lot.pk,
                "socket_path": f"/ws/lots/{lot.pk}/",
                "participant_number": seat.participant_number,
                "bid_step": f"{lot.bid_step:.2f}",
                "state": state,
            },
            "strings": room_strings(),
            "soft_close_minutes": int(lot.soft_close_window.total_seconds() // 60),
        },
    )


def room_strings() -> dict[str, object]:
    """Return the room script's texts in the page's language; %(name)s marks a value."""
    return {
        "participant": _("Participant %(number)s"),
        "you": _("You"),
        "noBids": _("No bids yet"),
        "noBidsRow": _("No bids yet."),
        "leading": _("You are leading."),
        "outbid": _("You have been outbid: Participant %(number)s leads."),
        "leaderIs": _("Participant %(number)s leads."),
        "openingBid": _("No bids yet: the first bid must be at least the starting price."),
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "extended": _("Extended: a late bid moved the end to %(time)s."),
        "startsIn": _("Starts in"),
        "timeLeft": _("Time left"),
        "ended": _("Bidding has ended. The result is published after the event."),
        "notStarted": _("The auction has not started yet."),
        "closedAwarded": _("The lot is closed. The result is published after the event."),
        "closedFailed": _("The lot failed: it had no valid bids or too few participants."),
        "closedCancelled": _("The lot was cancelled."),
        "paused": _(
            "The auction is paused by the ministry: %(reason)s The time left is kept and "
            "given back when it resumes."
        ),
        "confirm": _("%(amount)s is %(steps)s bid steps above the current price. Place it?"),
        "sending": _("Sending your bid…"),
        "accepted": _("Your bid of %(amount)s is accepted."),
        "invalid": _("Enter the amount in tenge as digits, e.g. 1250000000.00."),
        "statuses": {value: str(label) for value, label in Lot.Status.choices},
    }
