"""Every pause, automatic or by staff, is in the lot's public record: its page, its
published bid log and the API; staff are alerted on the live monitor and the work queue."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import engine, pauses
from auctions.models import Lot, LotPause
from auctions.tests.factories import LiveLotFactory, admit, finish, place_bids
from bidders.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

DROPPED = pauses.participants_dropped(lost=2, connected=3)


def paused_twice(lot: Lot) -> None:
    """A pause by staff, resumed by staff; then one by the platform, resumed on return."""
    engine.pause_lot(lot_id=lot.pk, reason="Power failure in the data centre")
    engine.resume_lot(lot_id=lot.pk)
    engine.pause_automatically(
        lot_id=lot.pk,
        cause=LotPause.Cause.PARTICIPANTS_DROPPED,
        reason=DROPPED,
        awaiting=[4, 9],
    )
    engine.resume_lot(lot_id=lot.pk, by=LotPause.Ending.PARTICIPANTS_RETURNED)


def test_the_lot_page_lists_every_pause_with_its_reason_and_who_paused(client: Client) -> None:
    lot = LiveLotFactory()
    paused_twice(lot)
    engine.pause_lot(lot_id=lot.pk, reason="Checking the bid log")
    page = client.get(reverse("lot", args=[lot.pk])).content.decode()
    assert "Pauses of the auction" in page
    assert "Power failure in the data centre" in page
    assert "2 of 3 participants lost their connection at once" in page
    assert page.count("Paused by staff") == 2
    assert "Paused automatically" in page
    assert "Resumed when participants returned" in page
    assert "still paused" in page


def test_a_lot_never_paused_shows_no_pauses(client: Client) -> None:
    lot = LiveLotFactory()
    assert "Pauses of the auction" not in client.get(reverse("lot", args=[lot.pk])).content.decode()


def test_the_api_gives_the_pauses_without_who_dropped_or_which_official(
    client: Client, staff_clerk: AbstractBaseUser
) -> None:
    lot = LiveLotFactory()
    paused_twice(lot)
    body = client.get(f"/api/lots/{lot.pk}/").json()
    staff_pause, automatic = body["pauses"]
    assert staff_pause["automatic"] is False
    assert staff_pause["cause"] == "staff"
    assert staff_pause["reason"] == "Power failure in the data centre"
    assert staff_pause["ended_how"] == "staff"
    assert automatic["automatic"] is True
    assert automatic["cause"] == "participants_dropped"
    assert automatic["reason"] == DROPPED
    assert automatic["ended_how"] == "participants_returned"
    assert automatic["started_at"] < automatic["ended_at"]
    # Whom the platform waited for stays inside it; no official is named.
    assert set(automatic) == {
        "started_at",
        "ended_at",
        "automatic",
        "cause",
        "reason",
        "ended_how",
    }
    assert staff_clerk.username not in json.dumps(body)
    # The catalogue's list stays as it was: the pauses are the lot's own page.
    listed = client.get("/api/lots/").json()["results"][0]
    assert "pauses" not in listed


def test_the_published_bid_log_lists_the_pauses(client: Client) -> None:
    now = timezone.now()
    lot = LiveLotFactory(
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=1),
        hard_end=now + timedelta(hours=2),
    )
    first, second = admit(CompanyFactory(), lot, 4), admit(CompanyFactory(), lot, 9)
    place_bids(lot, [(first, "100000000"), (second, "110000000")])
    paused_twice(lot)
    lot.refresh_from_db()
    finish(lot)
    lot.event.results_published_at = timezone.now()
    lot.event.save(update_fields=["results_published_at"])

    page = client.get(reverse("auctions:bid_log", args=[lot.pk])).content.decode()
    assert "Pauses of the auction" in page
    assert "2 of 3 participants lost their connection at once" in page
    log = client.get(reverse("auctions:bid_log_json", args=[lot.pk])).json()
    assert [pause["cause"] for pause in log["pauses"]] == ["staff", "participants_dropped"]
    assert log["pauses"][1]["automatic"] is True
    assert log["pauses"][1]["started_at"].endswith("Z")
    assert len(log["bids"]) == 2


def test_staff_see_lots_paused_by_themselves_on_the_monitor_and_the_work_queue(
    client: Client, staff_clerk: AbstractBaseUser
) -> None:
    client.force_login(staff_clerk)
    lot = LiveLotFactory()
    staff_paused = LiveLotFactory()
    engine.pause_lot(lot_id=staff_paused.pk, reason="Checking the bid log")
    home = client.get(reverse("admin:index"))
    labels = {str(row.label): row.count for row in home.context["work_queue"]}
    assert not any("paused by itself" in label for label in labels)

    engine.pause_automatically(
        lot_id=lot.pk, cause=LotPause.Cause.PARTICIPANTS_DROPPED, reason=DROPPED, awaiting=[1, 2]
    )
    home = client.get(reverse("admin:index"))
    labels = {str(row.label): row.count for row in home.context["work_queue"]}
    assert labels["Lots the platform paused by itself (participants dropped, a failure)"] == 1
    monitor = client.get(reverse("admin:auctions_livelot_changelist")).content.decode()
    assert f"{lot} paused by itself" in monitor
    assert DROPPED in monitor
    # The reason already says how it resumes; the alert adds only what staff may do.
    assert monitor.count("It resumes when most of them are back") == 1
    assert "it resumes by itself" not in monitor
    assert "2 lots running or paused" in monitor
    assert f"{staff_paused} paused by itself" not in monitor
