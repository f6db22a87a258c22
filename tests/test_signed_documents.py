"""Signed documents: protocols and certificates issued once, signed (PAdES), checked by
anyone at /verify/; bid logs with a detached signature; the event's root hash."""

import datetime
import hashlib
import html
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from auctions import services
from auctions.event_root import event_root, event_root_hash
from auctions.hashchain import GENESIS_HASH
from auctions.models import Application, AuctionEvent, Lot
from auctions.tests.factories import (
    FinishedLotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company
from core import signing
from core.documents import display_code, normalise_code
from core.models import IssuedDocument
from core.pdf import NedraPDF
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

TOOLS = Path(settings.BASE_DIR) / "tools"

pytestmark = pytest.mark.django_db


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


@pytest.fixture(autouse=True)
def fresh_identity() -> None:
    """Forget a signer loaded under other settings (tests below override them)."""
    signing._load_identity.cache_clear()


def text(response) -> str:
    return html.unescape(response.content.decode())


def root_of(lot: Lot) -> str | None:
    """Return the root hash of the lot's event as the database has it now."""
    return event_root(AuctionEvent.objects.get(pk=lot.event_id))


def protocol_of(client: Client, lot: Lot) -> bytes:
    response = client.get(reverse("auctions:protocol", args=[lot.pk]))
    assert response.status_code == 200
    return response.content


def certificate_of(client: Client, licence: Licence) -> bytes:
    response = client.get(reverse("licensing:certificate", args=[licence.number]))
    assert response.status_code == 200
    return response.content


def pyhanko_status(document: bytes):
    """Validate the PDF's one signature with pyHanko against the configured trust root."""
    reader = PdfFileReader(io.BytesIO(document))
    assert len(reader.embedded_signatures) == 1
    signature = reader.embedded_signatures[0]
    roots = list(signing.signing_identity().trust_roots)
    return signature, validate_pdf_signature(
        signature, ValidationContext(trust_roots=roots, allow_fetching=False)
    )


def upload(client: Client, content: bytes, name: str = "document.pdf"):
    return client.post(
        reverse("verify"),
        {"document": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def tampered(document: bytes) -> bytes:
    """Change one character of the signed file: the title in its document information."""
    position = document.index(b"/Title (") + len(b"/Title (")
    changed = bytearray(document)
    changed[position] = ord("X") if changed[position] != ord("X") else ord("Y")
    return bytes(changed)


# --- Signatures that pyHanko validates --------------------------------------------------


def test_a_published_protocol_is_a_pades_signature_valid_against_the_trust_root(
    gold: Lot, client: Client
) -> None:
    publish(gold)
    document = protocol_of(client, gold)

    signature, status = pyhanko_status(document)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == SigSeedSubFilter.PADES.value
    issued = IssuedDocument.objects.get(subject=f"lot:{gold.pk}")
    assert issued.sha256 == hashlib.sha256(document).hexdigest()
    assert issued.kind == IssuedDocument.Kind.RESULTS_PROTOCOL


def test_a_licence_certificate_is_signed_and_valid_against_the_trust_root(
    client: Client,
) -> None:
    licence = LicenceFactory()
    _signature, status = pyhanko_status(certificate_of(client, licence))
    assert status.bottom_line
    assert status.trusted


def test_an_issued_document_is_served_again_byte_for_byte(gold: Lot, client: Client) -> None:
    publish(gold)
    first = protocol_of(client, gold)
    assert protocol_of(client, gold) == first
    assert IssuedDocument.objects.filter(subject=f"lot:{gold.pk}").count() == 1


def test_each_language_is_its_own_issued_document(gold: Lot, client: Client) -> None:
    publish(gold)
    english = protocol_of(client, gold)
    russian = client.get(f"/ru/lots/{gold.pk}/protocol.pdf").content
    assert english != russian
    assert set(
        IssuedDocument.objects.filter(subject=f"lot:{gold.pk}").values_list("language", flat=True)
    ) == {"en", "ru"}


def test_a_pkcs12_key_from_the_settings_signs_and_the_demo_key_is_then_untrusted(
    gold: Lot, client: Client, tmp_path: Path
) -> None:
    publish(gold)
    demo_signed = protocol_of(client, gold)
    p12 = ministry_pkcs12(tmp_path, password="s3cret-passphrase")
    with override_settings(
        NEDRA_SIGNING_P12=str(p12),
        NEDRA_SIGNING_P12_PASSWORD="s3cret-passphrase",
        NEDRA_SIGNING_DEMO_KEY=False,
    ):
        signing._load_identity.cache_clear()
        identity = signing.signing_identity()
        assert not identity.is_demonstration
        assert "Ministry of test" in identity.subject
        licence = LicenceFactory()
        signed = certificate_of(client, licence)
        _signature, status = pyhanko_status(signed)
        assert status.bottom_line
        assert not IssuedDocument.objects.get(code=issued_code(signed)).is_demonstration
        refused = upload(client, demo_signed)
        assert refused.status_code == 400
        assert "not with the ministry's key" in text(refused)


def issued_code(document: bytes) -> str:
    return IssuedDocument.objects.get(sha256=hashlib.sha256(document).hexdigest()).code


def ministry_pkcs12(folder: Path, *, password: str) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ministry of test, signing")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = folder / "ministry.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ministry",
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    return path


def test_the_demonstration_key_says_so_on_every_page(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    written: list[str] = []
    original_cell, original_multi = NedraPDF.cell, NedraPDF.multi_cell

    def cell(self: NedraPDF, *args: object, **kwargs: object) -> object:
        written.append(str(kwargs.get("text", args[2] if len(args) > 2 else "")))
        return original_cell(self, *args, **kwargs)

    def multi_cell(self: NedraPDF, *args: object, **kwargs: object) -> object:
        written.append(str(kwargs.get("text", args[2] if len(args) > 2 else "")))
        return original_multi(self, *args, **kwargs)

    monkeypatch.setattr(NedraPDF, "cell", cell)
    monkeypatch.setattr(NedraPDF, "multi_cell", multi_cell)
    licence = LicenceFactory()
    certificate_of(client, licence)
    issued = IssuedDocument.objects.get(subject=f"licence:{licence.number}")
    notice = "Signed with a demonstration key, not the ministry's"
    # At the top of the first page and in the footer of each page.
    assert sum(notice in line for line in written) >= 2
    assert any(f"Verification code: {display_code(issued.code)}" in line for line in written)
    assert issued.is_demonstration


def test_the_demonstration_key_lives_under_var_and_is_made_once() -> None:
    identity = signing.signing_identity()
    assert identity.is_demonstration
    folder = Path(settings.NEDRA_SIGNING_DEMO_DIR)
    assert (folder / "demo-signing-key.pem").stat().st_mode & 0o077 == 0
    signing._load_identity.cache_clear()
    assert signing.signing_identity().certificate.dump() == identity.certificate.dump()


@override_settings(NEDRA_SIGNING_DEMO_KEY=False)
def test_without_a_key_and_without_the_demo_nothing_is_signed(gold: Lot, client: Client) -> None:
    publish(gold)
    with pytest.raises(signing.SigningNotConfigured):
        signing.signing_identity()
    assert not IssuedDocument.objects.exists()


# --- The verification page ------------------------------------------------------------------


def test_anyone_opens_a_protocol_by_its_code_and_sees_what_it_says(
    gold: Lot, client: Client
) -> None:
    publish(gold)
    document = protocol_of(client, gold)
    code = issued_code(document)

    page = Client().get(f"/verify/{code}/")
    content = text(page)
    assert page.status_code == 200
    assert "Results protocol" in content
    assert gold.event.name in content
    assert hashlib.sha256(document).hexdigest() in content
    assert gold.last_bid_hash in content
    assert root_of(gold) in content
    assert "Signed with a demonstration key" in content


def test_a_code_typed_with_dashes_and_in_lower_case_opens_the_same_document(
    gold: Lot, client: Client
) -> None:
    publish(gold)
    code = issued_code(protocol_of(client, gold))
    typed = display_code(code).lower()
    assert normalise_code(typed) == code
    response = client.get(reverse("verify"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/verify/{code}/")


def test_an_unknown_code_is_a_404_that_says_so(client: Client) -> None:
    response = client.get("/verify/ZZZZZZZZZZZZ/")
    assert response.status_code == 404
    assert "No document was issued with the code" in text(response)
    assert client.get("/verify/not-a-code/").status_code == 404


def test_an_erratum_issues_a_new_protocol_and_the_old_one_says_it_is_superseded(
    gold: Lot, client: Client, head_of_commission: AbstractBaseUser
) -> None:
    publish(gold)
    first = protocol_of(client, gold)
    services.publish_erratum(
        event_id=gold.event_id,
        lot_id=gold.pk,
        field="winning_bonus",
        value="1250000001.00",
        reason="Typing error in the bonus.",
        published_by=head_of_commission,
    )
    second = protocol_of(client, gold)
    assert second != first
    old, new = issued_code(first), issued_code(second)
    assert IssuedDocument.objects.get(code=new).supersedes.code == old
    page = text(client.get(f"/verify/{old}/"))
    assert "Superseded" in page
    assert f"/verify/{new}/" in page
    # The first copy is still what was issued then: unchanged, and flagged superseded.
    checked = upload(client, first)
    assert checked.status_code == 200
    assert "Superseded" in text(checked)


def test_a_certificate_shows_the_licence_expired_since(client: Client) -> None:
    licence = LicenceFactory()
    code = issued_code(certificate_of(client, licence))
    Licence.objects.filter(pk=licence.pk).update(status=Licence.Status.EXPIRED)

    page = text(Client().get(f"/verify/{code}/"))
    assert "The licence's status today: Expired." in page
    assert "It has changed since this certificate was issued." in page


def test_a_certificate_shows_the_offer_forfeited_since(client: Client, bidder_user) -> None:
    licence = LicenceFactory(
        status=Licence.Status.AWAITING_PAYMENT,
        issued_on=None,
        expires_on=None,
        holder=bidder_user.representative.company,
    )
    client.force_login(bidder_user)
    code = issued_code(certificate_of(client, licence))
    Licence.objects.filter(pk=licence.pk).update(status=Licence.Status.FORFEITED)

    page = text(Client().get(f"/verify/{code}/"))
    assert "Forfeited (bonus not paid)" in page


# --- Uploads ------------------------------------------------------------------------------


def test_an_unchanged_upload_is_confirmed_with_what_it_says(gold: Lot, client: Client) -> None:
    publish(gold)
    document = protocol_of(client, gold)
    response = upload(Client(), document)
    content = text(response)
    assert response.status_code == 200
    assert "Unchanged: this file is exactly the document Nedra issued" in content
    assert display_code(issued_code(document)) in content


def test_a_tampered_upload_is_refused_with_a_clear_message(gold: Lot, client: Client) -> None:
    publish(gold)
    document = protocol_of(client, gold)
    response = upload(client, tampered(document))
    assert response.status_code == 400
    assert "this PDF was changed after it was signed" in text(response)


def test_bytes_added_after_the_signature_are_refused(gold: Lot, client: Client) -> None:
    publish(gold)
    document = protocol_of(client, gold)
    response = upload(client, document + b"\n% a note added later\n%%EOF\n")
    assert response.status_code == 400
    assert "Unchanged" not in text(response)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"GIF89a not a pdf", "This file is not a PDF."),
        (b"%PDF-1.7\n garbage that no reader parses", "This file is not a PDF that can be read."),
    ],
)
def test_bad_uploads_get_a_form_error_never_a_500(
    client: Client, content: bytes, message: str
) -> None:
    response = upload(client, content)
    assert response.status_code == 400
    assert message in text(response)


def test_an_unsigned_pdf_is_refused(client: Client) -> None:
    pdf = NedraPDF(title="Not a Nedra document")
    response = upload(client, bytes(pdf.output()))
    assert response.status_code == 400
    assert "carries no signature" in text(response)


@override_settings(VERIFY_UPLOAD_MAX_BYTES=1024)
def test_an_upload_past_the_limit_is_refused_as_too_large(gold: Lot, client: Client) -> None:
    publish(gold)
    response = upload(client, protocol_of(client, gold))
    assert response.status_code == 400
    assert "The file is larger than" in text(response)


def test_the_page_names_the_signer_and_serves_the_trusted_certificate(client: Client) -> None:
    page = text(client.get(reverse("verify")))
    identity = signing.signing_identity()
    assert identity.certificate.sha256.hex() in page
    pem = client.get(reverse("verify_trust_root"))
    assert pem.status_code == 200
    assert pem.content == identity.trust_root_pem


# --- Bid logs: detached signatures --------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("extension", ["csv", "json"])
def test_openssl_verifies_a_bid_log_against_its_detached_signature(
    gold: Lot, client: Client, tmp_path: Path, extension: str
) -> None:
    publish(gold)
    log = tmp_path / f"bids.{extension}"
    log.write_bytes(client.get(f"/lots/{gold.pk}/bids.{extension}").content)
    signature = tmp_path / f"bids.{extension}.sig"
    signature.write_bytes(client.get(f"/lots/{gold.pk}/bids.{extension}.sig").content)
    root = tmp_path / "root.pem"
    root.write_bytes(client.get(reverse("verify_trust_root")).content)

    def openssl_verify() -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - fixed arguments
            [  # noqa: S607 - the journalist's openssl, whatever its path
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                str(signature),
                "-content",
                str(log),
                "-CAfile",
                str(root),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    assert openssl_verify().returncode == 0
    log.write_bytes(log.read_bytes().replace(b"1250000000.00", b"1250000001.00"))
    assert openssl_verify().returncode != 0


def test_a_bid_logs_signature_is_as_private_as_the_log(gold: Lot, client: Client) -> None:
    assert client.get(f"/lots/{gold.pk}/bids.json.sig").status_code == 404
    publish(gold)
    assert client.get(f"/lots/{gold.pk}/bids.json.sig").status_code == 200


# --- One number for a whole event ---------------------------------------------------------


def test_the_root_hash_follows_the_readme_rule(gold: Lot) -> None:
    silent = FinishedLotFactory(event=gold.event, number=gold.number + 1)
    finish(silent)
    publish(gold)
    gold.refresh_from_db()
    lines = sorted(
        [(gold.number, gold.pk, gold.last_bid_hash), (silent.number, silent.pk, GENESIS_HASH)]
    )
    rule = "\n".join(f"{number}|{lot_id}|{head}" for number, lot_id, head in lines)
    assert root_of(gold) == hashlib.sha256(rule.encode()).hexdigest()
    # In any order: the rule sorts by lot number.
    assert event_root_hash(list(reversed(lines))) == root_of(gold)


def test_the_root_hash_is_on_the_results_page_and_in_the_api_once_published(
    gold: Lot, client: Client, staff_clerk: AbstractBaseUser
) -> None:
    code = gold.event.code
    assert client.get(f"/api/events/{code}/").json()["root_hash"] is None
    publish(gold)
    root = root_of(gold)
    assert client.get(f"/api/events/{code}/").json()["root_hash"] == root
    assert root in text(client.get(reverse("auctions:event_results", args=[code])))


def run_tool(*args: object) -> subprocess.CompletedProcess:
    # -I: isolated from the project's paths and environment, as on a stranger's machine.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(TOOLS / "verify_event_root.py"), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )


def test_the_tool_recomputes_the_root_from_the_published_logs(
    gold: Lot, client: Client, tmp_path: Path
) -> None:
    silent = FinishedLotFactory(event=gold.event, number=gold.number + 1)
    finish(silent)
    publish(gold)
    root = root_of(gold)
    logs = []
    for lot in (gold, silent):
        path = tmp_path / f"nedra-lot-{lot.pk}-bids.json"
        path.write_bytes(client.get(f"/lots/{lot.pk}/bids.json").content)
        logs.append(path)

    completed = run_tool(*logs, "--root", root)
    assert completed.returncode == 0, completed.stderr
    assert f"OK: root {root} over 2 lots" in completed.stdout

    missing = run_tool(logs[0], "--root", root)
    assert missing.returncode == 1
    assert "a lot is missing or extra" in missing.stderr

    document = json.loads(logs[0].read_text())
    document["bids"][1]["amount"] = "105000001.50"
    logs[0].write_text(json.dumps(document))
    broken = run_tool(*logs, "--root", root)
    assert broken.returncode == 1
    assert "the hash does not match its fields" in broken.stderr


def test_the_published_protocol_prints_the_root_hash(
    gold: Lot, client: Client, written: list[str]
) -> None:
    publish(gold)
    document = protocol_of(client, gold)
    assert root_of(gold) in written
    assert IssuedDocument.objects.get(code=issued_code(document)).facts["event_root"] == (
        root_of(gold)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_to_change_or_delete_an_issued_document(
    gold: Lot, client: Client
) -> None:
    publish(gold)
    protocol_of(client, gold)
    with pytest.raises(DatabaseError, match="issued documents are frozen"), transaction.atomic():
        IssuedDocument.objects.update(sha256="0" * 64)
    with pytest.raises(DatabaseError, match="issued documents are frozen"), transaction.atomic():
        IssuedDocument.objects.all().delete()
