"""Published means frozen: what the public saw at publication stays what it sees, whatever
is edited afterwards; the admin changes nothing published; corrections are public errata.

The database's own refusals (PostgreSQL triggers) are tested at the end."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db import InternalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.models import AuctionEvent, Erratum, Lot, PublishedResult, Result
from auctions.protocol import results_protocol
from auctions.tests.factories import (
    AuctionEventFactory,
    FinishedLotFactory,
    LiveLotFactory,
    LotFactory,
    admit,
    finish,
    place_bids,
)
from bidders.models import Company
from bidders.tests.factories import CompanyFactory, UserFactory
from core.errors import DomainError
from core.pdf import NedraPDF
from deposits.tests.factories import DepositFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)


@dataclass
class Published:
    """Solid minerals, June 2025, published: gold won by Ridgeline over Steppe at
    1 250 000 000 KZT, tungsten failed without bids, copper cancelled before it ran."""

    event: AuctionEvent
    gold: Lot
    tungsten: Lot
    copper: Lot
    ridgeline: Company
    steppe: Company


@pytest.fixture
def published() -> Published:
    event = AuctionEventFactory(
        code="solid-june-2025", name="Solid minerals, June 2025", kzt_per_usd=Decimal("505.25")
    )
    ridgeline = CompanyFactory(legal_name="Ridgeline Critical Minerals Inc.", country="US")
    steppe = CompanyFactory(legal_name="Steppe Lithium LLP", country="KZ")
    gold = FinishedLotFactory(event=event, number=1, deposit__name="Akbakai")
    winner = admit(ridgeline, gold, 1)
    rival = admit(steppe, gold, 2)
    place_bids(gold, [(winner, "100000000.00"), (rival, "105000000.00"), (winner, "1250000000")])
    finish(gold)
    tungsten = FinishedLotFactory(event=event, number=2, deposit__name="Boguty")
    finish(tungsten)
    copper = FinishedLotFactory(
        event=event, number=3, deposit__name="Kounrad", status=Lot.Status.CANCELLED
    )
    event = services.publish_results(event_id=event.pk)
    return Published(event, gold, tungsten, copper, ridgeline, steppe)


@pytest.fixture
def superuser() -> AbstractBaseUser:
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(response).removeprefix("\ufeff"))))


def public_surfaces(client: Client, published: Published) -> dict[str, str]:
    """Return every public text that shows the gold lot's result."""
    code = published.event.code
    return {
        "page": text(client.get(reverse("auctions:event_results", args=[code]))),
        "csv": text(client.get(reverse("auctions:event_results_csv", args=[code]))),
        "all_csv": text(client.get(reverse("auctions:results_csv"))),
        "index": text(client.get(reverse("auctions:results"))),
        "lot_page": text(client.get(reverse("lot", args=[published.gold.pk]))),
        "api_results": text(client.get("/api/results/")),
        "api_event": text(client.get(f"/api/events/{code}/")),
    }


def protocol_text(lot: Lot, monkeypatch: pytest.MonkeyPatch) -> str:
    """Return every text the lot's protocol writes (its PDF streams are compressed)."""
    texts: list[str] = []
    original = NedraPDF.multi_cell

    def recording(self: NedraPDF, *args: object, **kwargs: object) -> object:
        texts.append(str(kwargs["text"] if "text" in kwargs else args[2]))
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(NedraPDF, "multi_cell", recording)
        results_protocol(lot.pk).output()
    return "\n".join(texts)


# --- The snapshot ---------------------------------------------------------------------------


def test_publishing_snapshots_each_finished_lots_result(published: Published) -> None:
    gold = PublishedResult.objects.get(lot=published.gold)
    assert (gold.outcome, gold.winner_legal_name, gold.winner_country.code) == (
        Result.Outcome.AWARDED,
        "Ridgeline Critical Minerals Inc.",
        "US",
    )
    assert (gold.winner_participant_number, gold.winning_bonus, gold.bid_count) == (
        1,
        Decimal("1250000000.00"),
        3,
    )
    assert gold.participants == [
        {"number": 1, "legal_name": "Ridgeline Critical Minerals Inc.", "country": "US"},
        {"number": 2, "legal_name": "Steppe Lithium LLP", "country": "KZ"},
    ]
    assert gold.published_at == published.event.results_published_at
    tungsten = PublishedResult.objects.get(lot=published.tungsten)
    assert (tungsten.outcome, tungsten.winner_legal_name, tungsten.winning_bonus) == (
        Result.Outcome.FAILED,
        "",
        None,
    )
    copper = PublishedResult.objects.get(lot=published.copper)
    assert (copper.outcome, copper.bid_count, copper.closed_at) == (Result.Outcome.FAILED, 0, None)


def test_renaming_the_winner_after_publication_changes_no_published_result(
    published: Published, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = public_surfaces(client, published)
    assert "Ridgeline Critical Minerals Inc." in before["page"]
    assert "Ridgeline Critical Minerals Inc." in before["csv"]
    assert "Ridgeline Critical Minerals Inc." in before["api_results"]
    assert "Ridgeline Critical Minerals Inc." in before["lot_page"]
    protocol_before = protocol_text(published.gold, monkeypatch)
    assert "Ridgeline Critical Minerals Inc." in protocol_before

    Company.objects.filter(pk=published.ridgeline.pk).update(
        legal_name="Renamed After The Fact Ltd", country="CY"
    )
    Company.objects.filter(pk=published.steppe.pk).update(legal_name="Steppe Renamed LLP")

    after = public_surfaces(client, published)
    for surface, content in after.items():
        assert "Renamed" not in content, surface
        assert content.count("Ridgeline Critical Minerals Inc.") == before[surface].count(
            "Ridgeline Critical Minerals Inc."
        ), surface
        assert "Cyprus" not in content, surface
    assert after["csv"] == before["csv"]
    assert after["all_csv"] == before["all_csv"]
    assert after["api_results"] == before["api_results"]
    assert after["api_event"] == before["api_event"]
    protocol_after = protocol_text(published.gold, monkeypatch)
    assert "Renamed" not in protocol_after
    assert "Steppe Lithium LLP (KZ)" in protocol_after
    assert protocol_after == protocol_before


def test_the_api_shows_the_winner_as_published(published: Published, client: Client) -> None:
    Company.objects.filter(pk=published.ridgeline.pk).update(legal_name="Renamed Ltd", country="CY")
    results = client.get("/api/results/", {"outcome": "awarded"}).json()["results"]
    (gold,) = results
    assert gold["winner"] == {
        "legal_name": "Ridgeline Critical Minerals Inc.",
        "country": "US",
        "participant_number": 1,
    }
    assert gold["winning_bonus"] == "1250000000.00"
    assert gold["bid_count"] == 3


def test_a_lot_finishing_after_an_early_publication_is_published_by_the_job_as_it_stands_then(
    published: Published, client: Client
) -> None:
    late = LiveLotFactory(event=published.event, number=5, deposit__name="Late Ridge")
    bidder = admit(CompanyFactory(legal_name="Late Winner LLP", country="KZ"), late, 1)
    place_bids(late, [(bidder, "300000000.00")])
    Lot.objects.filter(pk=late.pk).update(status=Lot.Status.CLOSED)
    late.refresh_from_db()
    finish(late)
    url = reverse("auctions:event_results", args=[published.event.code])

    # Finished, but not yet published by the job: nothing of its result is public.
    page = text(client.get(url))
    assert "Late Winner LLP" not in page
    assert "Late Ridge" in page
    assert "Not finished yet" in page
    assert "Late Winner LLP" not in text(client.get(reverse("lot", args=[late.pk])))

    assert services.publish_finished_events() == []
    snapshot = PublishedResult.objects.get(lot=late)
    assert snapshot.winner_legal_name == "Late Winner LLP"
    assert snapshot.published_at > published.event.results_published_at
    # A second run publishes nothing more.
    assert services.publish_late_results() == 0

    Company.objects.filter(legal_name="Late Winner LLP").update(legal_name="Renamed Late LLP")
    page = text(client.get(url))
    assert "Late Winner LLP" in page
    assert "Renamed Late LLP" not in page


def test_a_lot_whose_winner_never_paid_is_shown_failed_after_publication(
    published: Published, client: Client
) -> None:
    # Licensing fails a closed lot nobody paid for: the one change a published lot still
    # takes (auctions.engine.fail_unpaid_lot).
    from auctions import engine

    engine.fail_unpaid_lot(lot_id=published.gold.pk)
    rows = csv_rows(client.get(reverse("auctions:event_results_csv", args=["solid-june-2025"])))
    assert rows[0]["outcome"] == "failed"
    assert rows[0]["winner"] == ""


def test_a_draft_lot_of_a_published_event_cannot_be_offered(published: Published) -> None:
    draft = LotFactory(event=published.event, number=9, status=Lot.Status.DRAFT)
    with pytest.raises(DomainError) as refusal:
        services.publish_lot(lot_id=draft.pk)
    assert refusal.value.code == "results_published"
    draft.refresh_from_db()
    assert draft.status == Lot.Status.DRAFT


# --- Errata -----------------------------------------------------------------------------------


def correct(published: Published, by: AbstractBaseUser, **fields: object) -> Erratum:
    arguments = {"event_id": published.event.pk, "reason": "Typo in the registry extract."}
    return services.publish_erratum(published_by=by, **(arguments | fields))


def test_an_erratum_corrects_the_published_name_and_says_so_publicly(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    erratum = correct(
        published,
        superuser,
        lot_id=published.gold.pk,
        field=Erratum.Field.WINNER_LEGAL_NAME,
        value="  Ridgeline Critical Minerals Corp.  ",
    )
    assert (erratum.old_value, erratum.new_value) == (
        "Ridgeline Critical Minerals Inc.",
        "Ridgeline Critical Minerals Corp.",
    )
    snapshot = PublishedResult.objects.get(lot=published.gold)
    assert snapshot.winner_legal_name == "Ridgeline Critical Minerals Corp."
    assert snapshot.participants[0]["legal_name"] == "Ridgeline Critical Minerals Corp."
    # The company itself is not the published record: it is left as it is.
    published.ridgeline.refresh_from_db()
    assert published.ridgeline.legal_name == "Ridgeline Critical Minerals Inc."

    page = text(client.get(reverse("auctions:event_results", args=["solid-june-2025"])))
    assert "Ridgeline Critical Minerals Corp." in page
    assert "Errata" in page
    assert "Typo in the registry extract." in page
    assert "corrected from Ridgeline Critical Minerals Inc. to" in page

    event = client.get("/api/events/solid-june-2025/").json()
    (listed,) = event["errata"]
    assert listed["lot_number"] == 1
    assert listed["field"] == "winner_legal_name"
    assert listed["old_value"] == "Ridgeline Critical Minerals Inc."
    assert listed["new_value"] == "Ridgeline Critical Minerals Corp."
    assert listed["reason"] == "Typo in the registry extract."
    assert listed["published_at"].endswith("+05:00")

    rows = csv_rows(client.get(reverse("auctions:event_results_csv", args=["solid-june-2025"])))
    assert rows[0]["winner"] == "Ridgeline Critical Minerals Corp."
    assert "winner_legal_name Ridgeline Critical Minerals Inc. -> " in rows[0]["errata"]
    assert "Typo in the registry extract." in rows[0]["errata"]
    assert rows[1]["errata"] == ""
    all_rows = csv_rows(client.get(reverse("auctions:results_csv")))
    assert all_rows[0]["errata"] == rows[0]["errata"]


def test_an_erratum_of_the_bonus_and_of_the_rate_changes_the_totals(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    correct(
        published,
        superuser,
        lot_id=published.gold.pk,
        field=Erratum.Field.WINNING_BONUS,
        value="1250000001.50",
    )
    correct(published, superuser, field=Erratum.Field.KZT_PER_USD, value="500")
    published.event.refresh_from_db()
    assert published.event.kzt_per_usd == Decimal("500.0000")
    event = client.get("/api/events/solid-june-2025/").json()
    assert event["totals"]["bonus_kzt"] == "1250000001.50"
    assert event["totals"]["kzt_per_usd"] == "500.0000"
    assert event["totals"]["bonus_usd"] == "2500000.00"
    assert [item["field"] for item in event["errata"]] == ["winning_bonus", "kzt_per_usd"]
    assert [item["lot_number"] for item in event["errata"]] == [1, None]
    # The engine's own record of the auction is untouched: licensing still reads it.
    assert Result.objects.get(lot=published.gold).winning_bonus == Decimal("1250000000.00")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"field": "winner_legal_name", "value": "X", "reason": "  "}, "reason_required"),
        ({"field": "code", "value": "x"}, "unknown_field"),
        ({"field": "winner_legal_name", "value": "X"}, "lot_required"),
        ({"field": "kzt_per_usd", "value": "500", "lot": "gold"}, "lot_not_allowed"),
        ({"field": "winner_legal_name", "value": "X", "lot": "tungsten"}, "lot_not_awarded"),
        ({"field": "winner_country", "value": "XX", "lot": "gold"}, "invalid_value"),
        ({"field": "winning_bonus", "value": "-5", "lot": "gold"}, "invalid_value"),
        ({"field": "winning_bonus", "value": "1.001", "lot": "gold"}, "invalid_value"),
        ({"field": "winning_bonus", "value": "NaN", "lot": "gold"}, "invalid_value"),
        ({"field": "bid_count", "value": "-1", "lot": "gold"}, "invalid_value"),
        ({"field": "kzt_per_usd", "value": "1e9"}, "invalid_value"),
        ({"field": "winner_country", "value": "us", "lot": "gold"}, "nothing_to_correct"),
        ({"field": "bid_count", "value": "3", "lot": "gold"}, "nothing_to_correct"),
    ],
)
def test_an_erratum_that_does_not_hold_is_refused_and_changes_nothing(
    published: Published, superuser: AbstractBaseUser, fields: dict, code: str
) -> None:
    lot = fields.pop("lot", None)
    lot_id = getattr(published, lot).pk if lot else None
    before = list(PublishedResult.objects.values())
    with pytest.raises(DomainError) as refusal:
        correct(published, superuser, lot_id=lot_id, **fields)
    assert refusal.value.code == code
    assert list(PublishedResult.objects.values()) == before
    assert not Erratum.objects.exists()


def test_an_unpublished_event_is_corrected_by_editing_not_by_erratum(
    superuser: AbstractBaseUser,
) -> None:
    lot = FinishedLotFactory()
    finish(lot)
    with pytest.raises(DomainError) as refusal:
        services.publish_erratum(
            event_id=lot.event_id,
            field="kzt_per_usd",
            value="400",
            reason="Wrong rate",
            published_by=superuser,
        )
    assert refusal.value.code == "results_not_published"


def test_an_erratum_of_another_events_lot_is_refused(
    published: Published, superuser: AbstractBaseUser
) -> None:
    other = FinishedLotFactory(event=AuctionEventFactory(), status=Lot.Status.FAILED)
    finish(other)
    with pytest.raises(DomainError) as refusal:
        correct(published, superuser, lot_id=other.pk, field="bid_count", value="4")
    assert refusal.value.code == "result_not_published"


# --- The admin ----------------------------------------------------------------------------


def test_a_published_events_page_is_view_only_and_a_forged_change_is_refused(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    client.force_login(superuser)
    url = reverse("admin:auctions_auctionevent_change", args=[published.event.pk])
    page = text(client.get(url))
    assert "can no longer be changed or deleted" in page
    assert 'name="code"' not in page
    assert 'name="kzt_per_usd"' not in page

    response = client.post(url, {"code": "renamed", "name_en": "X", "kzt_per_usd": "1"})
    assert response.status_code == 403
    published.event.refresh_from_db()
    assert (published.event.code, published.event.kzt_per_usd) == (
        "solid-june-2025",
        Decimal("505.2500"),
    )


def test_an_unpublished_event_stays_editable(client: Client, superuser: AbstractBaseUser) -> None:
    event = AuctionEventFactory(code="draft-event")
    client.force_login(superuser)
    page = text(client.get(reverse("admin:auctions_auctionevent_change", args=[event.pk])))
    assert 'name="code"' in page
    assert "can no longer be changed" not in page


def test_a_published_event_and_its_lots_cannot_be_deleted_in_the_admin(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    client.force_login(superuser)
    event_delete = reverse("admin:auctions_auctionevent_delete", args=[published.event.pk])
    assert client.get(event_delete).status_code == 403
    assert client.post(event_delete, {"post": "yes"}).status_code == 403
    # The copper lot was cancelled before anyone applied: nothing else would protect it.
    lot_delete = reverse("admin:auctions_lot_delete", args=[published.copper.pk])
    assert client.get(lot_delete).status_code == 403
    assert client.post(lot_delete, {"post": "yes"}).status_code == 403

    # The list's bulk delete refuses them too, on its confirmation page.
    response = client.post(
        reverse("admin:auctions_lot_changelist"),
        {"action": "delete_selected", "_selected_action": [published.copper.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    response = client.post(
        reverse("admin:auctions_auctionevent_changelist"),
        {"action": "delete_selected", "_selected_action": [published.event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert Lot.objects.filter(pk=published.copper.pk).exists()
    assert AuctionEvent.objects.filter(pk=published.event.pk).exists()


def test_a_published_lot_result_and_bid_are_view_only_in_the_admin(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    client.force_login(superuser)
    result = Result.objects.get(lot=published.gold)
    snapshot = PublishedResult.objects.get(lot=published.gold)
    bid = published.gold.bids.first()
    for name, pk in [
        ("result", result.pk),
        ("publishedresult", snapshot.pk),
        ("bid", bid.pk),
    ]:
        page = text(client.get(reverse(f"admin:auctions_{name}_change", args=[pk])))
        assert 'name="_save"' not in page, name
        assert client.get(reverse(f"admin:auctions_{name}_delete", args=[pk])).status_code == 403
    lot_page = text(client.get(reverse("admin:auctions_lot_change", args=[published.gold.pk])))
    assert 'name="starting_price"' not in lot_page


def test_a_new_lot_cannot_join_a_published_event_in_the_admin(
    published: Published, client: Client, superuser: AbstractBaseUser
) -> None:
    client.force_login(superuser)
    page = text(client.get(reverse("admin:auctions_lot_add")))
    assert f'value="{published.event.pk}"' not in page


def test_staff_with_the_permission_publish_an_erratum_in_the_admin(
    published: Published, client: Client
) -> None:
    clerk = UserFactory(username="errata-clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auctions",
            codename__in=["view_erratum", "publish_erratum", "view_auctionevent", "view_lot"],
        )
    )
    client.force_login(clerk)
    add = reverse("admin:auctions_erratum_add")
    form = {
        "event": published.event.pk,
        "lot": published.gold.pk,
        "field": "winner_country",
        "new_value": "CA",
        "reason": "Registered in Canada, per the company's certificate.",
    }
    response = client.post(add, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    erratum = Erratum.objects.get()
    assert (erratum.published_by, erratum.old_value, erratum.new_value) == (clerk, "US", "CA")
    assert PublishedResult.objects.get(lot=published.gold).winner_country.code == "CA"

    # A refusal is a form error, never a 500, and writes nothing.
    refused = client.post(add, form)
    assert refused.status_code == 200
    assert "The published value is already CA." in refused.content.decode()
    assert Erratum.objects.count() == 1

    # Nobody edits or deletes an erratum.
    assert client.get(reverse("admin:auctions_erratum_delete", args=[erratum.pk])).status_code == (
        403
    )


def test_staff_without_the_permission_cannot_publish_an_erratum(
    published: Published, client: Client
) -> None:
    clerk = UserFactory(username="plain-clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auctions", codename="view_erratum")
    )
    client.force_login(clerk)
    response = client.post(
        reverse("admin:auctions_erratum_add"),
        {
            "event": published.event.pk,
            "lot": published.gold.pk,
            "field": "winner_country",
            "new_value": "CA",
            "reason": "No right to do this.",
        },
    )
    assert response.status_code == 403
    assert not Erratum.objects.exists()


# --- The database refuses it (PostgreSQL) ---------------------------------------------------


def refused_by_database(change: object) -> None:
    with pytest.raises(InternalError), transaction.atomic():
        change()


DELETE = {
    table: f"DELETE FROM {table} WHERE id = %s"  # noqa: S608 (fixed table names)
    for table in ("auctions_publishedresult", "auctions_auctionevent", "auctions_lot")
}


def delete_in_sql(table: str, pk: int) -> None:
    """Delete a row as a person at the database would: no ORM, no PROTECT in the way."""
    with connection.cursor() as cursor:
        cursor.execute(DELETE[table], [pk])


@postgresql_only
def test_the_database_refuses_changing_or_deleting_a_published_result(
    published: Published,
) -> None:
    snapshot = PublishedResult.objects.filter(lot=published.gold)
    refused_by_database(lambda: snapshot.update(winner_legal_name="Quietly Renamed"))
    refused_by_database(lambda: snapshot.update(winning_bonus=Decimal("1")))
    refused_by_database(lambda: snapshot.delete())
    refused_by_database(lambda: delete_in_sql("auctions_publishedresult", snapshot.get().pk))
    assert snapshot.get().winner_legal_name == "Ridgeline Critical Minerals Inc."


@postgresql_only
def test_the_database_refuses_the_published_fields_of_a_published_event(
    published: Published,
) -> None:
    event = AuctionEvent.objects.filter(pk=published.event.pk)
    refused_by_database(lambda: event.update(code="renamed"))
    refused_by_database(lambda: event.update(name_ru="Другое имя"))
    refused_by_database(lambda: event.update(kzt_per_usd=Decimal("1")))
    refused_by_database(lambda: event.update(results_published_at=None))
    refused_by_database(lambda: event.update(results_published_at=timezone.now()))
    refused_by_database(lambda: delete_in_sql("auctions_auctionevent", published.event.pk))
    # What must still move after publication does: the results email's flag.
    assert event.update(results_notified_at=timezone.now()) == 1


@postgresql_only
def test_the_database_refuses_deleting_or_moving_a_published_lot_but_lets_its_state_move(
    published: Published,
) -> None:
    copper = Lot.objects.filter(pk=published.copper.pk)
    refused_by_database(lambda: delete_in_sql("auctions_lot", published.copper.pk))
    refused_by_database(lambda: copper.update(number=33))
    refused_by_database(lambda: copper.update(event=AuctionEventFactory()))
    refused_by_database(lambda: copper.update(starting_price=Decimal("1")))
    # An unpublished event's lots are not frozen.
    LotFactory(status=Lot.Status.CANCELLED).delete()
    # A lot of an event published early still runs, and licensing may fail a closed one.
    late = LiveLotFactory(event=published.event, number=6)
    bidder = admit(CompanyFactory(), late, 1)
    place_bids(late, [(bidder, "200000000.00")])
    assert Lot.objects.filter(pk=published.gold.pk).update(
        status=Lot.Status.FAILED, status_reason="Nobody paid.", version=9
    )


@postgresql_only
def test_the_database_refuses_moving_a_published_lot_back_to_draft(published: Published) -> None:
    """A draft's terms are not guarded: moved back to draft, a published lot's would be."""
    for lot in (published.gold, published.copper):
        refused_by_database(
            lambda lot=lot: Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.DRAFT)
        )
        lot.refresh_from_db()
        assert lot.status != Lot.Status.DRAFT
    # A draft of the published event (never offered) stays a draft staff may edit.
    draft = LotFactory(event=published.event, number=9, status=Lot.Status.DRAFT)
    assert Lot.objects.filter(pk=draft.pk).update(status=Lot.Status.DRAFT, number=10) == 1


@postgresql_only
def test_the_database_lets_an_erratum_through_and_only_for_its_own_row(
    published: Published, superuser: AbstractBaseUser
) -> None:
    erratum = correct(
        published,
        superuser,
        lot_id=published.gold.pk,
        field=Erratum.Field.BID_COUNT,
        value="4",
    )
    assert PublishedResult.objects.get(lot=published.gold).bid_count == 4
    # The setting is cleared as soon as the erratum is applied.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('nedra.erratum', true)")
        assert cursor.fetchone()[0] in ("", None)

    def forged(lot: Lot, setting: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('nedra.erratum', %s, true)", [setting])
        PublishedResult.objects.filter(lot=lot).update(bid_count=99)

    # Neither a setting that names no erratum nor one about another lot opens the row.
    refused_by_database(lambda: forged(published.tungsten, "on"))
    refused_by_database(lambda: forged(published.tungsten, str(erratum.pk)))
    # Errata themselves are append-only.
    refused_by_database(lambda: Erratum.objects.filter(pk=erratum.pk).update(reason="Other"))
    refused_by_database(lambda: Erratum.objects.filter(pk=erratum.pk).delete())


@postgresql_only
def test_the_migration_installed_the_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'auctions_%%' AND NOT tgisinternal"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "auctions_published_result_no_change",
        "auctions_erratum_no_update_or_delete",
        "auctions_event_published_no_change",
        "auctions_lot_published_no_delete",
        "auctions_lot_published_no_change",
    } <= names


# --- Existing data --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_publishes_the_results_of_events_published_before_it() -> None:
    executor = MigrationExecutor(connection)
    before, after = (
        [("auctions", "0008_application_history_without_numbers")],
        [("auctions", "0009_published_results_and_errata")],
    )
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    lot = FinishedLotFactory.build()
    Event = old.get_model("auctions", "AuctionEvent")
    event = Event.objects.create(
        code="old-june", name="Old June", name_en="Old June", results_published_at=timezone.now()
    )
    # Today's factories would write columns later migrations add: the deposits app is not
    # migrated back, so its factory may write the deposit.
    deposit = old.get_model("deposits", "Deposit").objects.get(pk=DepositFactory.create().pk)
    fields = {
        field: getattr(lot, field)
        for field in [
            "licence_type",
            "licence_term_years",
            "area_km2",
            "min_annual_work_expenditure",
            "starting_price",
            "bid_step",
            "participation_fee",
            "guarantee_deposit",
            "application_deadline",
            "starts_at",
            "ends_at",
            "hard_end",
        ]
    }
    won = old.get_model("auctions", "Lot").objects.create(
        event=event, number=1, deposit=deposit, status="closed", bid_count=2, **fields
    )
    unpublished = Event.objects.create(code="old-july", name="Old July", name_en="Old July")
    old.get_model("auctions", "Lot").objects.create(
        event=unpublished, number=1, deposit=deposit, status="closed", **fields
    )
    # The bidders app is not migrated back: today's factory writes its rows.
    company = old.get_model("bidders", "Company").objects.get(
        pk=CompanyFactory(legal_name="Old Winner LLP", country="KZ").pk
    )
    application = old.get_model("auctions", "Application").objects.create(
        lot=won,
        company=company,
        status="admitted",
        participant_number=2,
        terms_accepted_at=timezone.now(),
    )
    old.get_model("auctions", "Result").objects.create(
        lot=won,
        outcome="awarded",
        winner=application,
        winning_bonus=Decimal("150000000.00"),
        bid_count=2,
        closed_at=won.ends_at,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    # The snapshot as 0009 wrote it: today's model has columns later migrations add.
    published = executor.loader.project_state(after).apps.get_model("auctions", "PublishedResult")
    snapshot = published.objects.get(lot_id=won.pk)
    assert (snapshot.winner_legal_name, snapshot.winner_country.code) == ("Old Winner LLP", "KZ")
    assert (snapshot.winner_participant_number, snapshot.winning_bonus) == (
        2,
        Decimal("150000000.00"),
    )
    assert snapshot.participants == [{"number": 2, "legal_name": "Old Winner LLP", "country": "KZ"}]
    assert snapshot.published_at == event.results_published_at
    # The other event's lot, never published, has none.
    assert published.objects.count() == 1
    # Later migrations were unapplied with 0009's predecessors: apply them again, or the
    # next tests of this worker meet a database without their tables.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
