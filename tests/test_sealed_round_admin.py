"""Two-stage lots for staff and the public: the format's fields with clear form errors, a
sealed round that shows neither amount nor company before it closes, and a published bid
log with both rounds."""

import hashlib
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from auctions import engine
from auctions.models import Lot, SealedBid
from auctions.protocol import protocol_facts, results_protocol
from auctions.tests.factories import LotFactory, SealedLotFactory, admitted_representative

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "verify_bid_log.py"


def form_data(form_class: Any, lot: Lot, **changes: object) -> dict[str, object]:
    """Return the admin form's data for the lot as its page would post it, with changes."""
    data: dict[str, object] = {}
    for name in form_class.base_fields:
        value = changes.get(name, getattr(lot, name, None))
        if isinstance(value, datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"] = local.date().isoformat()
            data[f"{name}_1"] = local.time().strftime("%H:%M:%S")
        elif isinstance(value, Model):
            data[name] = value.pk
        elif value is None:
            data[name] = ""
        elif isinstance(value, timedelta):
            data[name] = str(value)
        else:
            data[name] = value
    return data


def lot_form(user: AbstractBaseUser, lot: Lot, **changes: object) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[Lot]
    form_class = model_admin.get_form(request, lot)
    return form_class(data=form_data(form_class, lot, **changes), instance=lot)


def test_a_draft_lot_becomes_two_stage_with_its_sealed_rounds_end(
    staff_clerk: AbstractBaseUser,
) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    form = lot_form(
        staff_clerk,
        lot,
        format=Lot.Format.SEALED_THEN_ASCENDING,
        sealed_round_ends_at=lot.starts_at + timedelta(minutes=20),
    )
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.is_two_stage


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sealed_round_ends_at": None}, "sealed_round_ends_at", "needs the sealed round"),
        (
            {"sealed_round_ends_at": "after"},
            "sealed_round_ends_at",
            "before the auction end",
        ),
        ({"sealed_advancing_minimum": 1}, "sealed_advancing_minimum", "At least two"),
        ({"sealed_advancing_percent": 0}, "sealed_advancing_percent", "1 to 100%"),
    ],
)
def test_a_two_stage_lot_with_a_wrong_sealed_round_is_a_form_error_on_its_field(
    staff_clerk: AbstractBaseUser, changes: dict[str, object], field: str, message: str
) -> None:
    lot = LotFactory(status=Lot.Status.DRAFT)
    if changes.get("sealed_round_ends_at") == "after":
        changes = {"sealed_round_ends_at": lot.ends_at + timedelta(minutes=1)}
    elif "sealed_round_ends_at" not in changes:
        changes = {**changes, "sealed_round_ends_at": lot.starts_at + timedelta(minutes=20)}
    form = lot_form(staff_clerk, lot, format=Lot.Format.SEALED_THEN_ASCENDING, **changes)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_the_admin_shows_neither_amount_nor_company_before_the_round_closes(
    client: Client, staff_clerk: AbstractBaseUser
) -> None:
    lot = SealedLotFactory()
    user = admitted_representative(lot, 1, legal_name="Ridgeline Critical Minerals")
    rival = admitted_representative(lot, 2, legal_name="Baltic Lanthanide AB")
    engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount="123456789", key=uuid.uuid4())
    engine.submit_sealed_bid(user=rival, lot_id=lot.pk, amount="234567891", key=uuid.uuid4())
    client.force_login(staff_clerk)
    page = client.get(reverse("admin:auctions_lot_change", args=[lot.pk])).content.decode()
    assert "2 sealed bids received" in page
    for secret in ("123,456,789", "123456789", "234,567,891", "234567891"):
        assert secret not in page
    # Nothing of the sealed bids is listed anywhere in the admin: no model admin of its own.
    assert SealedBid not in admin.site._registry

    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    engine.close_sealed_round(lot_id=lot.pk)
    page = client.get(reverse("admin:auctions_lot_change", args=[lot.pk])).content.decode()
    assert "123,456,789" in page
    assert "234,567,891" in page
    # Still live: numbers, never companies, beside the amounts.
    ranking = page[page.index("234,567,891") - 400 : page.index("123,456,789") + 200]
    assert "Participant 2" in ranking
    assert "Ridgeline" not in ranking
    assert "Baltic" not in ranking


# --- The published bid log -----------------------------------------------------------------


def finished_two_stage_lot() -> Lot:
    """A two-stage lot whose sealed round ranked three bids and whose ascending round took
    one more bid before it closed."""
    lot = SealedLotFactory()
    users = [
        admitted_representative(lot, number, legal_name=name)
        for number, name in (
            (1, "Ridgeline Critical Minerals"),
            (2, "Baltic Lanthanide AB"),
            (3, "Steppe Lithium LLP"),
        )
    ]
    for amount, user in zip(("150000000", "200000000", "100000000"), users, strict=True):
        engine.submit_sealed_bid(user=user, lot_id=lot.pk, amount=amount, key=uuid.uuid4())
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(milliseconds=1)
    )
    engine.close_sealed_round(lot_id=lot.pk)
    engine.place_bid(user=users[0], lot_id=lot.pk, amount="205000000", key=uuid.uuid4())
    Lot.objects.filter(pk=lot.pk).update(
        sealed_round_ends_at=timezone.now() - timedelta(seconds=2),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    engine.close_lot(lot_id=lot.pk)
    lot.refresh_from_db()
    return lot


def test_the_published_bid_log_shows_both_rounds_by_number(client: Client) -> None:
    lot = finished_two_stage_lot()
    lot.event.results_published_at = timezone.now()
    lot.event.save(update_fields=["results_published_at"])
    document = client.get(reverse("auctions:bid_log_json", args=[lot.pk])).json()
    ranked = document["sealed_round"]["sealed_bids"]
    assert [(bid["rank"], bid["participant_number"], bid["amount"]) for bid in ranked] == [
        (1, 2, "200000000.00"),
        (2, 1, "150000000.00"),
        (3, 3, "100000000.00"),
    ]
    assert [bid["advanced"] for bid in ranked] == [True, True, False]
    # Anyone can check each commitment from what the log publishes.
    for bid in ranked:
        text = f"{lot.pk}|{bid['participant_number']}|{bid['amount']}|{bid['nonce']}"
        assert hashlib.sha256(text.encode()).hexdigest() == bid["commitment"]
    assert [(bid["sequence"], bid["participant_number"]) for bid in document["bids"]] == [
        (1, 2),
        (2, 1),
    ]
    page = client.get(reverse("auctions:bid_log", args=[lot.pk])).content.decode()
    assert 'id="sealed-bids"' in page
    assert "150000000.00" in page
    assert "Ridgeline" not in page


def test_a_finished_two_stage_lots_log_is_not_public_before_publication(client: Client) -> None:
    lot = finished_two_stage_lot()
    assert client.get(reverse("auctions:bid_log_json", args=[lot.pk])).status_code == 404


def test_a_plain_lots_bid_log_has_no_sealed_round(client: Client) -> None:
    lot = finished_two_stage_lot()
    Lot.objects.filter(pk=lot.pk).update(format=Lot.Format.ASCENDING)
    lot.event.results_published_at = timezone.now()
    lot.event.save(update_fields=["results_published_at"])
    document = client.get(reverse("auctions:bid_log_json", args=[lot.pk])).json()
    assert "sealed_round" not in document


def test_the_results_protocol_lists_the_sealed_round() -> None:
    lot = finished_two_stage_lot()
    facts = protocol_facts(lot)
    assert [(rank, number, amount) for rank, number, amount, _ in facts["sealed_round"]] == [
        (1, 2, "200000000.00"),
        (2, 1, "150000000.00"),
        (3, 3, "100000000.00"),
    ]
    text = results_protocol(lot.pk).output()
    assert text[:4] == b"%PDF"
    assert "sealed_round" not in protocol_facts(LotFactory())


def test_the_verification_script_checks_the_sealed_round_of_a_downloaded_log(
    client: Client, tmp_path: Path
) -> None:
    lot = finished_two_stage_lot()
    lot.event.results_published_at = timezone.now()
    lot.event.save(update_fields=["results_published_at"])
    log = tmp_path / "bids.json"
    log.write_bytes(client.get(reverse("auctions:bid_log_json", args=[lot.pk])).content)
    checked = verify_with_script(log)
    assert checked.returncode == 0, checked.stderr
    assert "3 sealed bids" in checked.stdout

    document = json.loads(log.read_text())
    document["sealed_round"]["sealed_bids"][1]["amount"] = "199999999.00"
    log.write_text(json.dumps(document))
    tampered = verify_with_script(log)
    assert tampered.returncode == 1
    assert "commitment does not match" in tampered.stderr


def verify_with_script(log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-I", str(SCRIPT), str(log)],
        capture_output=True,
        text=True,
        check=False,
    )
