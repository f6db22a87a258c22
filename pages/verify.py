"""The public check of Nedra's signed documents: by verification code, or by upload.

It combines the issued-document register (core) with what each document is about now:
the licence's present status (licensing), a superseding issue. No login: anyone holding a
copy, a printout or just its code may check it.
"""

from datetime import datetime

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from auctions.models import LicenceType
from core import signing
from core.documents import check_uploaded_pdf, display_code, latest_issue, normalise_code
from core.models import IssuedDocument
from core.uploads import OversizedUpload
from licensing.models import Licence

# Why a file was refused, in words for whoever uploaded it.
REFUSALS = {
    "not_pdf": gettext_lazy("This file is not a PDF."),
    "unreadable": gettext_lazy("This file is not a PDF that can be read."),
    "unsigned": gettext_lazy(
        "This PDF carries no signature: it is not a document issued by Nedra."
    ),
    "tampered": gettext_lazy(
        "Refused: this PDF was changed after it was signed. Do not rely on it; open the "
        "original by its verification code."
    ),
    "untrusted": gettext_lazy("Refused: this PDF is signed, but not with the ministry's key."),
    "unknown": gettext_lazy(
        "Refused: the signature holds, but Nedra never issued this file. Open the document "
        "by its verification code and compare."
    ),
}


class UploadForm(forms.Form):
    """A PDF to check, within the upload limits."""

    document = forms.FileField(label=gettext_lazy("Signed PDF"))

    def clean_document(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["document"]
        limit = min(settings.VERIFY_UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_BYTES)
        if isinstance(upload, OversizedUpload) or upload.size is None or upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)s MB.")
                % {"megabytes": f"{limit / (1024 * 1024):g}"},
                code="too_large",
            )
        data = upload.read()
        if not data.lstrip()[:5] == b"%PDF-":
            raise forms.ValidationError(REFUSALS["not_pdf"], code="not_pdf")
        return data


class CodeForm(forms.Form):
    """A verification code as printed on a document."""

    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=40)

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A verification code has 12 letters and digits, e.g. K7QP-3MX9-2TZ4."),
                code="invalid",
            )
        return code


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check an uploaded PDF's signature and that it is a document Nedra issued, unchanged;
    or open a document by the code typed in."""
    code_form = CodeForm(request.GET or None)
    if code_form.is_valid():
        return redirect("verify_document", code=code_form.cleaned_data["code"])
    upload_form = UploadForm()
    status = 200
    if request.method == "POST":
        upload_form = UploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            try:
                document = check_uploaded_pdf(upload_form.cleaned_data["document"])
            except signing.SignatureRefused as refusal:
                upload_form.add_error("document", str(REFUSALS[refusal.code]))
            else:
                return render(
                    request, "pages/verify_document.html", _context(document, is_upload=True)
                )
        status = 400
    return render(
        request,
        "pages/verify.html",
        {"upload_form": upload_form, "code_form": code_form, **_signer()},
        status=status,
    )


@require_GET
def verify_document(request: HttpRequest, code: str) -> HttpResponse:
    """Show what the document with this code says, its hash, and whether it still stands."""
    normalised = normalise_code(code)
    document = (
        IssuedDocument.objects.filter(code=normalised).first() if normalised is not None else None
    )
    if document is None:
        return render(
            request,
            "pages/verify.html",
            {
                "upload_form": UploadForm(),
                "code_form": CodeForm(),
                "unknown_code": code,
                **_signer(),
            },
            status=404,
        )
    return render(request, "pages/verify_document.html", _context(document, is_upload=False))


def _signer() -> dict[str, object]:
    identity = signing.signing_identity()
    return {
        "signer": identity.subject,
        "signer_fingerprint": identity.certificate.sha256.hex(),
        "is_demonstration_key": identity.is_demonstration,
    }


def _context(document: IssuedDocument, *, is_upload: bool) -> dict[str, object]:
    latest = latest_issue(document)
    return {
        "document": document,
        "display_code": display_code(document.code),
        "facts": _facts(document),
        "licence_status": _licence_status(document),
        "superseded_by": latest if latest.pk != document.pk else None,
        "latest_code": display_code(latest.code),
        "is_upload": is_upload,
    }


def _facts(document: IssuedDocument) -> list[tuple[str, str]]:
    """Return the document's facts as label and value rows, in the reader's language."""
    facts = document.facts
    if document.kind == IssuedDocument.Kind.LICENCE_CERTIFICATE:
        rows = [
            (_("Licence number"), facts["licence_number"]),
            (_("Holder"), facts["holder"]),
            (_("Licence type"), str(_licence_type_label(facts["licence_type"]))),
            (_("Deposit"), f"{facts['deposit']} ({facts['deposit_code']})"),
            (_("Area"), f"{facts['area_km2']} km²"),
            (_("Signature bonus, KZT"), facts["signature_bonus"]),
            (_("Issued on"), facts["issued_on"] or "—"),
            (_("Expires on"), facts["expires_on"] or "—"),
            (_("Status stated on the certificate"), str(_licence_status_label(facts["status"]))),
            (
                _("Awarded at auction"),
                _("Lot %(number)s, %(event)s")
                % {"number": facts["lot_number"], "event": facts["event"]},
            ),
        ]
    else:
        rows = [
            (_("Event"), facts["event"]),
            (_("Lot number"), str(facts["lot_number"])),
            (_("Deposit"), facts["deposit"]),
            (
                _("Results"),
                _("Published on %(date)s") % {"date": _astana_date(facts["published_at"])}
                if facts["published_at"]
                else _("Not yet published: participants by number only"),
            ),
            (
                _("Winner"),
                _("Participant %(number)s") % {"number": facts["winner_participant_number"]}
                + (f": {facts['winner']}" if facts["winner"] else "")
                if facts["winner_participant_number"]
                else "—",
            ),
            (_("Winning signature bonus, KZT"), facts["winning_bonus"] or "—"),
            (_("Bids"), str(facts["bid_count"])),
            (_("Head of the lot's hash chain"), facts["chain_head"]),
        ]
        if facts.get("event_root"):
            rows.append((_("Root hash of the event"), facts["event_root"]))
    return rows


def _astana_date(moment: str) -> str:
    """Write a stored ISO moment as its date in Astana, the reader's way."""
    return formats.date_format(timezone.localtime(datetime.fromisoformat(moment)), "DATE_FORMAT")


def _licence_type_label(value: str) -> str | Promise:
    return LicenceType(value).label if value in LicenceType.values else value


def _licence_status_label(value: str) -> str | Promise:
    return Licence.Status(value).label if value in Licence.Status.values else value


def _licence_status(document: IssuedDocument) -> dict[str, object] | None:
    """Return the licence's status now, for a certificate: it may have lapsed since."""
    if document.kind != IssuedDocument.Kind.LICENCE_CERTIFICATE:
        return None
    licence = Licence.objects.filter(number=document.facts["licence_number"]).first()
    if licence is None:
        return None
    return {
        "label": licence.get_status_display(),
        "is_in_force": licence.status == Licence.Status.ACTIVE,
        "has_changed": licence.status != document.facts["status"],
    }


@require_GET
def trust_root(request: HttpRequest) -> HttpResponse:
    """Send the certificate(s) verification trusts, as PEM, for checking files offline."""
    response = HttpResponse(
        signing.signing_identity().trust_root_pem, content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = 'attachment; filename="nedra-signing-root.pem"'
    return response
