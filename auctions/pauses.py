"""Why an automatic pause happened, in words the public record keeps, and the staff alert.

Below the engine, so that the engine (a bid whose news could not be sent) and the presence
watch (participants dropping, the server's messaging or database failing) pause a lot with
the same words. A reason counts participants; it never says which ones dropped.
"""

import logging
from collections.abc import Sequence

from django.utils.translation import gettext as _

from auctions.models import LotPause

# Staff are alerted on this logger at WARNING (and on the live monitor, which lists the
# lots paused automatically): route it to the ministry's on-call channel in production.
logger = logging.getLogger("auctions.pauses")


def participants_dropped(*, lost: int, connected: int) -> str:
    """Return the public reason for a pause because participants lost their connection."""
    return _(
        "Paused automatically: %(lost)s of %(connected)s participants lost their connection. "
        "The time left is kept; the auction resumes when most of them are back, or when "
        "staff resume it."
    ) % {"lost": lost, "connected": connected}


def channel_layer_failed() -> str:
    """Return the public reason for a pause because the lot's news could not be sent."""
    return _(
        "Paused automatically: the server could not send the auction's news to the "
        "participants (its messaging failed). The time left is kept; staff resume the "
        "auction, or it resumes once the messaging works and the participants are connected."
    )


def database_failed(*, seconds: int) -> str:
    """Return the public reason for a pause after the database was unreachable."""
    return _(
        "Paused automatically: the server's database was unavailable for about %(seconds)s "
        "seconds, so no bid could be placed. The time left when it failed is kept; staff "
        "resume the auction, or it resumes once the participants are connected."
    ) % {"seconds": seconds}


def alert_staff(*, lot_id: int, cause: str, reason: str, awaiting: Sequence[int]) -> None:
    """Tell staff a lot paused by itself: a WARNING on the alert logger."""
    logger.warning(
        "Lot %s paused automatically (%s): %s Awaiting %s participant(s).",
        lot_id,
        LotPause.Cause(cause).label,
        reason,
        len(awaiting),
    )
