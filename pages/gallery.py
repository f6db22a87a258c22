"""The public gallery: a live lot as anyone may watch it, without logging in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from auctions import live, selectors
from auctions.views import room_strings


@never_cache
@require_GET
def watch_lot(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a lot's auction to any visitor: the room's board and bids by participant number,
    kept live by the gallery's socket; no bid form, nobody is "you"."""
    lot = get_object_or_404(selectors.catalogue.offered_lots().select_related("deposit"), pk=pk)
    soft_close_minutes = int(lot.soft_close_window.total_seconds() // 60)
    if not lot.event.has_public_gallery:
        return render(
            request,
            "pages/gallery.html",
            {"lot": lot, "is_gallery_open": False, "soft_close_minutes": soft_close_minutes},
            status=403,
        )
    state = live.personal_state(live.gallery_state(lot.pk), None)
    return render(
        request,
        "pages/gallery.html",
        {
            "lot": lot,
            "is_gallery_open": True,
            "state": state,
            "room": {
                "lot": lot.pk,
                "socket_path": f"/ws/lots/{lot.pk}/gallery/",
                "participant_number": None,
                "bid_step": f"{lot.bid_step:.2f}",
                "state": state,
            },
            "strings": room_strings(),
            "soft_close_minutes": soft_close_minutes,
        },
    )
