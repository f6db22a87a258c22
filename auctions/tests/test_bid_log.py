"""The published bid log: page, CSV and JSON after publication only, exactly the hashed
fields; and a stdlib-only script that verifies a downloaded log without trusting us."""

import ast
import csv
import hashlib
import io
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from auctions import engine, services
from auctions.hashchain import BID_LOG_FIELDS, FORMULA, GENESIS_HASH
from auctions.models import Application, Lot
from auctions.tests.factories import (
    FinishedLotFactory,
    LiveLotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "tools" / "verify_bid_log.py"
FORMATS = ["bid_log", "bid_log_csv", "bid_log_json"]


@pytest.fixture
def gold(approved_company: Company) -> Lot:
    """A finished lot with three bids by two participants: Participant 1 won."""
    lot = FinishedLotFactory(deposit__name="Akbakai")
    ridgeline = admit(approved_company, lot, 1)
    admitted_representative(lot, 2, username="steppe", legal_name="Steppe Lithium LLP")
    steppe = Application.objects.get(lot=lot, participant_number=2)
    place_bids(lot, [(ridgeline, "100000000"), (steppe, "105000000.5"), (ridgeline, "1250000000")])
    finish(lot)
    return lot


def publish(lot: Lot) -> None:
    services.publish_results(event_id=lot.event_id)


def download(client: Client, name: str, lot: Lot, tmp_path: Path) -> Path:
    response = client.get(reverse(f"auctions:{name}", args=[lot.pk]))
    assert response.status_code == 200
    path = tmp_path / response["Content-Disposition"].split('filename="')[1].rstrip('"')
    path.write_bytes(response.content)
    return path


def verify(*args: object) -> subprocess.CompletedProcess:
    # -I: isolated from the project's paths and environment, as on a stranger's machine.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=SCRIPT.parent,
    )


# --- Visibility --------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_the_bid_log_is_not_public_before_publication(
    gold: Lot, client: Client, bidder_user: AbstractBaseUser, name: str
) -> None:
    url = reverse(f"auctions:{name}", args=[gold.pk])
    assert client.get(url).status_code == 404
    client.force_login(bidder_user)  # even a participant waits for publication
    assert client.get(url).status_code == 404
    publish(gold)
    client.logout()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", FORMATS)
def test_staff_preview_a_finished_lots_bid_log(
    gold: Lot, client: Client, staff_clerk: AbstractBaseUser, name: str
) -> None:
    client.force_login(staff_clerk)
    assert client.get(reverse(f"auctions:{name}", args=[gold.pk])).status_code == 200


@pytest.mark.parametrize("name", FORMATS)
def test_a_running_lots_bid_log_stays_private_after_an_early_publication(
    gold: Lot, client: Client, name: str
) -> None:
    live = LiveLotFactory(event=gold.event)
    services.publish_results(event_id=gold.event_id, early=True)
    assert client.get(reverse(f"auctions:{name}", args=[live.pk])).status_code == 404


# --- Content ----------------------------------------------------------------------------


def test_the_json_log_lists_exactly_the_hashed_fields_with_lot_and_formula(
    gold: Lot, client: Client
) -> None:
    publish(gold)
    log = client.get(reverse("auctions:bid_log_json", args=[gold.pk])).json()
    assert log["lot_id"] == gold.pk
    assert log["formula"] == FORMULA
    assert "prev_hash|lot_id|sequence|participant_number|amount|placed_at" in log["formula"]
    bids = log["bids"]
    assert [tuple(bid) for bid in bids] == [BID_LOG_FIELDS] * 3
    first, second, third = bids
    assert first["sequence"] == 1
    assert first["participant_number"] == 1
    assert first["amount"] == "100000000.00"
    assert second["amount"] == "105000000.50"
    assert first["prev_hash"] == GENESIS_HASH
    assert second["prev_hash"] == first["hash"]
    assert third["hash"] == Lot.objects.get(pk=gold.pk).last_bid_hash
    stored = gold.bids.get(sequence=1).placed_at
    assert first["placed_at"] == stored.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert first["placed_at"].endswith("Z")
    assert len(first["placed_at"]) == len("2025-06-12T09:03:07.123457Z")


def test_the_csv_log_has_the_same_rows(gold: Lot, client: Client) -> None:
    publish(gold)
    response = client.get(reverse("auctions:bid_log_csv", args=[gold.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    as_json = client.get(reverse("auctions:bid_log_json", args=[gold.pk])).json()["bids"]
    assert rows == [{key: str(value) for key, value in bid.items()} for bid in as_json]


def test_the_page_shows_every_bid_with_its_hashes(gold: Lot, client: Client) -> None:
    publish(gold)
    page = client.get(reverse("auctions:bid_log", args=[gold.pk])).content.decode()
    assert "3 bids" in page
    for bid in gold.bids.all():
        assert bid.hash in page
    assert "1250000000.00" in page
    assert escape(FORMULA) in page
    assert reverse("auctions:bid_log_csv", args=[gold.pk]) in page


@pytest.mark.parametrize("name", FORMATS)
def test_bid_log_queries_do_not_grow_with_the_bids(
    gold: Lot, client: Client, django_assert_max_num_queries, name: str
) -> None:
    publish(gold)
    next_number = gold.event.lots.aggregate(n=Max("number"))["n"] + 1
    big = FinishedLotFactory(event=gold.event, number=next_number)
    one = admit(Company.objects.get(legal_name="Steppe Lithium LLP"), big, 1)
    two = admit(Company.objects.get(legal_name="Ridgeline Critical Minerals Inc."), big, 2)
    place_bids(big, [((one, two)[n % 2], f"{100000000 + n * 5000000}.00") for n in range(60)])
    finish(big)
    # The lot, its bids and its pauses (the record lists them beside the bids).
    with django_assert_max_num_queries(3):
        assert client.get(reverse(f"auctions:{name}", args=[big.pk])).status_code == 200


# --- The verification script ---------------------------------------------------------------


def test_the_script_needs_nothing_but_the_standard_library() -> None:
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


def test_the_script_verifies_a_downloaded_json_log(
    gold: Lot, client: Client, tmp_path: Path
) -> None:
    publish(gold)
    path = download(client, "bid_log_json", gold, tmp_path)
    outcome = verify(path)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith("OK: 3 bids verified")
    head = Lot.objects.get(pk=gold.pk).last_bid_hash
    assert verify(path, "--head", head).returncode == 0
    wrong_head = verify(path, "--head", GENESIS_HASH)
    assert wrong_head.returncode == 1
    assert "last hash" in wrong_head.stderr


def test_the_script_verifies_a_downloaded_csv_log_given_its_lot(
    gold: Lot, client: Client, tmp_path: Path
) -> None:
    publish(gold)
    path = download(client, "bid_log_csv", gold, tmp_path)
    outcome = verify(path, "--lot", gold.pk)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith("OK: 3 bids verified")
    without_lot = verify(path)
    assert without_lot.returncode == 1
    assert "--lot" in without_lot.stderr
    # The same bids under another lot id hash differently.
    assert verify(path, "--lot", gold.pk + 1).returncode == 1


def test_the_script_verifies_an_empty_log(client: Client, tmp_path: Path) -> None:
    lot = FinishedLotFactory(status=Lot.Status.FAILED)
    publish(lot)
    outcome = verify(download(client, "bid_log_json", lot, tmp_path))
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith("OK: 0 bids verified")


def tamper_csv(path: Path, change: Callable[[list[dict], str], list[dict]], lot_id: str) -> None:
    rows = change(list(csv.DictReader(path.read_text().splitlines())), lot_id)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=BID_LOG_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def raise_second_amount(rows: list[dict], lot_id: str) -> list[dict]:
    rows[1]["amount"] = "106000000.50"
    return rows


def drop_second_bid(rows: list[dict], lot_id: str) -> list[dict]:
    return [rows[0], rows[2]]


def rehash_forged_second_bid(rows: list[dict], lot_id: str) -> list[dict]:
    """A forger who recomputes the changed bid's hash still breaks the next bid's link."""
    forged = rows[1]
    forged["participant_number"] = "1"
    fields = [forged[name] for name in ("sequence", "participant_number", "amount", "placed_at")]
    forged["hash"] = hashlib.sha256(
        "|".join([forged["prev_hash"], lot_id, *fields]).encode()
    ).hexdigest()
    return rows


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (raise_second_amount, "row 2 (sequence 2): the hash does not match"),
        (drop_second_bid, "row 2 (sequence 3): expected sequence 2"),
        (rehash_forged_second_bid, "row 3 (sequence 3): prev_hash is not the previous bid's"),
    ],
    ids=["amount", "missing-bid", "rehashed-forgery"],
)
def test_the_script_rejects_a_tampered_csv_log_at_the_first_bad_row(
    gold: Lot,
    client: Client,
    tmp_path: Path,
    change: Callable[[list[dict], str], list[dict]],
    complaint: str,
) -> None:
    publish(gold)
    path = download(client, "bid_log_csv", gold, tmp_path)
    tamper_csv(path, change, str(gold.pk))
    outcome = verify(path, "--lot", gold.pk)
    assert outcome.returncode == 1
    assert outcome.stdout == ""
    assert outcome.stderr.startswith("FAILED: " + complaint), outcome.stderr


def test_the_script_rejects_a_tampered_json_log(gold: Lot, client: Client, tmp_path: Path) -> None:
    publish(gold)
    path = download(client, "bid_log_json", gold, tmp_path)
    log = json.loads(path.read_text())
    log["bids"][0]["placed_at"] = log["bids"][0]["placed_at"].replace(".", ".9", 1)[:-2] + "Z"
    path.write_text(json.dumps(log))
    outcome = verify(path)
    assert outcome.returncode == 1
    assert outcome.stderr.startswith("FAILED: row 1 (sequence 1): the hash does not match")
    assert verify(path, "--lot", gold.pk + 1).stderr.startswith("FAILED: the log is of lot")


def test_a_log_of_bids_placed_through_the_engine_verifies(
    live_lot: Lot,
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    client: Client,
    tmp_path: Path,
) -> None:
    """The published format matches what the engine hashed, not only our factories."""
    for user, amount in [
        (admitted_bidder, "100000000"),
        (rival_bidder, "105000000.25"),
        (admitted_bidder, "2000000000"),
    ]:
        engine.place_bid(user=user, lot_id=live_lot.pk, amount=amount, key=str(uuid.uuid4()))
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    engine.close_lot(lot_id=live_lot.pk)
    publish(live_lot)
    for name, extra in [("bid_log_json", []), ("bid_log_csv", ["--lot", live_lot.pk])]:
        outcome = verify(download(client, name, live_lot, tmp_path), *extra)
        assert outcome.returncode == 0, outcome.stderr
        assert outcome.stdout.startswith("OK: 3 bids verified")
    assert Decimal(
        client.get(reverse("auctions:bid_log_json", args=[live_lot.pk])).json()["bids"][1]["amount"]
    ) == Decimal("105000000.25")
