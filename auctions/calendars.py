"""A lot's schedule as an iCalendar file: its application deadline and its auction."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from auctions.models import Lot

PRODID = "-//Nedra//Subsoil-use auctions//EN"
# A day's warning leaves time to pay the fee and the deposit before applications close.
DEADLINE_REMINDER = timedelta(days=1)


def lot_calendar(*, lot: Lot, lot_url: str, domain: str) -> bytes:
    """Return a VCALENDAR with the lot's deadline and auction, in UTC, in the active language."""
    names = {"number": lot.number, "deposit": lot.deposit.name}
    now = timezone.now().astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")

    deadline = _event(
        uid=f"lot-{lot.pk}-deadline@{domain}",
        summary=_("Applications close: lot %(number)s, %(deposit)s") % names,
        # A moment, not a span: with no end, RFC 5545 makes the event end as it starts.
        start=lot.application_deadline,
        end=None,
        stamp=now,
        url=lot_url,
        description=_(
            "The last moment to apply for lot %(number)s (%(deposit)s) and pay its "
            "participation fee and guarantee deposit."
        )
        % names,
    )
    reminder = Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("trigger", -DEADLINE_REMINDER)
    reminder.add("description", _("Applications for lot %(number)s close in a day.") % names)
    deadline.add_component(reminder)
    calendar.add_component(deadline)

    calendar.add_component(
        _event(
            uid=f"lot-{lot.pk}-auction@{domain}",
            summary=_("Auction: lot %(number)s, %(deposit)s") % names,
            start=lot.starts_at,
            end=lot.ends_at,
            stamp=now,
            url=lot_url,
            description=_(
                "The online auction of lot %(number)s (%(deposit)s). Bids in its last "
                "minutes extend it, at the latest to %(hard_end)s UTC."
            )
            % {**names, "hard_end": lot.hard_end.astimezone(UTC).strftime("%Y-%m-%d %H:%M")},
        )
    )
    return calendar.to_ical()


def _event(
    *,
    uid: str,
    summary: str,
    start: datetime,
    end: datetime | None,
    stamp: datetime,
    url: str,
    description: str,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start.astimezone(UTC))
    if end is not None:
        event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", f"{description}\n{url}")
    event.add("url", url)
    return event
