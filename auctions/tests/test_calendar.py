"""A public lot's schedule as an iCalendar file: deadline and auction, in UTC, per language."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from auctions.models import Lot
from auctions.tests.factories import LotFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # 18:00 in Astana
STARTS = datetime(2026, 6, 12, 5, 0, tzinfo=UTC)  # 10:00 in Astana


@pytest.fixture
def lot() -> Lot:
    return LotFactory(
        number=7,
        deposit__name_en="Kuirektykol",
        deposit__name_ru="Куиректыколь",
        application_deadline=DEADLINE,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
        hard_end=STARTS + timedelta(hours=3),
    )


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_calendar_holds_the_deadline_and_the_auction_in_utc(client: Client, lot: Lot) -> None:
    response = client.get(f"/lots/{lot.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="nedra-lot-{lot.pk}.ics"'
    text = response.content.decode()
    # Times go out in UTC ("Z"), so no client needs our zone's rules.
    assert "DTSTART:20260601T130000Z" in text
    assert "DTSTART:20260612T050000Z" in text
    assert "DTEND:20260612T070000Z" in text

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]).startswith("-//Nedra//")
    events = events_by_uid(calendar)
    assert set(events) == {
        f"lot-{lot.pk}-deadline@testserver",
        f"lot-{lot.pk}-auction@testserver",
    }
    deadline = events[f"lot-{lot.pk}-deadline@testserver"]
    auction = events[f"lot-{lot.pk}-auction@testserver"]
    assert deadline.decoded("DTSTART") == DEADLINE
    # The deadline is a moment: an end equal to its start is invalid under RFC 5545.
    assert "DTEND" not in deadline
    assert auction.decoded("DTSTART") == STARTS
    assert auction.decoded("DTEND") == STARTS + timedelta(hours=2)
    for event in (deadline, auction):
        assert "DTSTAMP" in event
        assert str(event["URL"]) == f"http://testserver/lots/{lot.pk}/"
        assert "lot 7" in str(event["SUMMARY"])
        assert "Kuirektykol" in str(event["SUMMARY"])
    assert str(deadline["SUMMARY"]).startswith("Applications close")
    assert str(auction["SUMMARY"]).startswith("Auction")

    alarms = deadline.walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0].decoded("TRIGGER") == -timedelta(days=1)
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert auction.walk("VALARM") == []


def test_uids_stay_the_same_across_requests(client: Client, lot: Lot) -> None:
    first = client.get(f"/lots/{lot.pk}/calendar.ics").content
    second = client.get(f"/lots/{lot.pk}/calendar.ics").content
    assert set(events_by_uid(Calendar.from_ical(first))) == set(
        events_by_uid(Calendar.from_ical(second))
    )
    other = LotFactory()
    assert not set(events_by_uid(Calendar.from_ical(first))) & set(
        events_by_uid(Calendar.from_ical(client.get(f"/lots/{other.pk}/calendar.ics").content))
    )


def test_the_calendar_speaks_the_language_of_the_request(client: Client, lot: Lot) -> None:
    calendar = Calendar.from_ical(client.get(f"/ru/lots/{lot.pk}/calendar.ics").content)
    events = events_by_uid(calendar)
    auction = events[f"lot-{lot.pk}-auction@testserver"]
    assert "Куиректыколь" in str(auction["SUMMARY"])
    assert "Kuirektykol" not in str(auction["SUMMARY"])
    assert str(auction["URL"]) == f"http://testserver/ru/lots/{lot.pk}/"


def test_a_draft_lot_has_no_calendar(client: Client) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    assert client.get(f"/lots/{draft.pk}/calendar.ics").status_code == 404
    assert client.get("/lots/999999/calendar.ics").status_code == 404


def test_the_lot_page_links_its_calendar(client: Client, lot: Lot) -> None:
    page = client.get(f"/lots/{lot.pk}/").content.decode()
    assert f'href="/lots/{lot.pk}/calendar.ics"' in page
    assert "Add to calendar (ICS)" in page
