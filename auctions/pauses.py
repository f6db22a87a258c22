"""Why an automatic pause happened, in words the public record keeps, and the staff alert.

Below the engine, so that the engine (a bid whose news could not be sent) and the presence
watch (participants dropping, the server's messaging or database failing) pause a lot with
the same words. A reason counts participants; it never says which ones dropped.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from auctions.models import LotPause

# What a channel layer raises when it cannot reach its server (channels-redis: Redis's
# errors; any layer: the socket's). Anything else is a fault of ours, not a failure to
# pause for.
CHANNEL_LAYER_FAILURES = (OSError, RedisError, TimeoutError)

# Staff are alerted on this logger at WARNING (and on the live monitor, which lists the
# lots paused automatically): route it to the ministry's on-call channel in production.
logger = logging.getLogger("auctions.pauses")


def participants_dropped(*, lost: int, connected: int) -> str:
    """Return the public reason for a pause because participants lost their connection."""
    return _(
        "%(lost)s of %(connected)s participants lost their connection at once; the platform "
        "paused the auction by itself. It resumes when most of them are back, or when staff "
        "resume it."
    ) % {"lost": lost, "connected": connected}


def channel_layer_failed() -> str:
    """Return the public reason for a pause because the lot's news could not be sent."""
    return _(
        "The platform could not send the auction's news to the participants (its messaging "
        "failed) and paused the auction by itself. It resumes once the messaging works and "
        "most participants are connected, or when staff resume it."
    )


def database_failed(*, seconds: int) -> str:
    """Return the public reason for a pause after the database was unreachable."""
    return _(
        "The platform's database was unavailable for about %(seconds)s seconds, so no bid "
        "could be placed; the platform paused the auction by itself with the time left when "
        "it failed. It resumes once most participants are connected, or when staff resume it."
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


def public_record(lot_id: int) -> list[dict[str, object]]:
    """Return the lot's pauses as the public record lists them, oldest first: when, why,
    automatic or by staff (never which official), and how each ended."""
    return [
        {
            "started_at": pause.started_at,
            "ended_at": pause.ended_at,
            "automatic": pause.is_automatic,
            "cause": pause.cause,
            "cause_label": pause.get_cause_display(),
            "reason": pause.reason,
            "ended_how": pause.ended_how or None,
            "ended_how_label": pause.get_ended_how_display() if pause.ended_how else "",
        }
        for pause in LotPause.objects.filter(lot_id=lot_id).order_by("started_at", "pk")
    ]


def record_for_download(lot_id: int) -> list[dict[str, object]]:
    """Return the lot's pauses for the published log's JSON: times in UTC, codes only."""
    return [
        {
            "started_at": _utc(pause["started_at"]),
            "ended_at": _utc(pause["ended_at"]),
            "automatic": pause["automatic"],
            "cause": pause["cause"],
            "reason": pause["reason"],
            "ended_how": pause["ended_how"],
        }
        for pause in public_record(lot_id)
    ]


def _utc(moment: object) -> str | None:
    if not isinstance(moment, datetime):
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
