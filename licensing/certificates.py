"""The licence certificate: a one-page PDF of what the licence grants, to whom, for how long.

Every certificate is issued (core.documents): signed, stored with its hash and verification
code, and served as stored; a change of the licence's terms or status issues a new one
that supersedes it. The verification page shows the licence's status as it is now.
"""

from datetime import date

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from auctions.models import LicenceType
from core.documents import Seal, issue_document
from core.models import IssuedDocument
from core.money import format_kzt
from core.pdf import FAMILY, NedraPDF
from licensing.models import Licence

LABEL_WIDTH = 62


def certificate_filename(licence: Licence) -> str:
    """Return the download name of the licence's certificate."""
    return f"nedra-licence-{licence.number}.pdf"


def issue_certificate(*, licence: Licence, base_url: str) -> IssuedDocument:
    """Return the licence's signed certificate in the active language, as issued.

    Expects the licence with its holder, deposit, region and lot loaded.
    """
    return issue_document(
        kind=IssuedDocument.Kind.LICENCE_CERTIFICATE,
        subject=f"licence:{licence.number}",
        language=get_language() or "en",
        facts=certificate_facts(licence),
        filename=certificate_filename(licence),
        reason=_("Certificate of licence %(number)s") % {"number": licence.number},
        base_url=base_url,
        render=lambda seal: licence_certificate(licence, seal=seal).sealed_output(),
    )


def certificate_facts(licence: Licence) -> dict[str, object]:
    """Return what the licence's certificate says, in brief."""
    return {
        "licence_number": licence.number,
        "status": licence.status,
        "holder": licence.holder.legal_name,
        # django-countries' stubs leave the field a str to the plugin; it is a Country.
        "holder_country": licence.holder.country.code,  # type: ignore[attr-defined]
        "registration_number": licence.holder.registration_number,
        "licence_type": licence.licence_type,
        "deposit": licence.deposit.name,
        "deposit_code": licence.deposit.code,
        "area_km2": str(licence.area_km2),
        "term_years": licence.term_years,
        "signature_bonus": f"{licence.signature_bonus:.2f}",
        "issued_on": licence.issued_on.isoformat() if licence.issued_on else None,
        "expires_on": licence.expires_on.isoformat() if licence.expires_on else None,
        "lot_id": licence.lot_id,
        "lot_number": licence.lot.number,
        "event": licence.lot.event.name,
    }


def licence_certificate(licence: Licence, *, seal: Seal | None = None) -> NedraPDF:
    """Return the licence's certificate in the active language, with its seal when issued.

    Expects the licence with its holder, deposit, region and lot loaded.
    """
    title = _("Licence %(number)s") % {"number": licence.number}
    pdf = NedraPDF(title=title, subject=_("Subsoil-use licence certificate"), seal=seal)
    pdf.heading(_("Republic of Kazakhstan · Subsoil use"), size=11)
    pdf.heading(
        _("Certificate of a licence for exploration")
        if licence.licence_type == LicenceType.EXPLORATION
        else _("Certificate of a licence for production"),
        size=16,
    )
    pdf.heading(title, size=14)
    if licence.status != Licence.Status.ACTIVE:
        pdf.set_text_color(160, 40, 40)
        pdf.heading(
            _("Not in force: %(status)s.") % {"status": licence.get_status_display()}, size=11
        )
        pdf.set_text_color(0, 0, 0)

    deposit = licence.deposit
    minerals = ", ".join(sorted({mineral.name for mineral in deposit.minerals.all()}))
    rows = [
        (_("Licence number"), licence.number),
        (_("Status"), licence.get_status_display()),
        (_("Holder"), licence.holder.legal_name),
        # django-countries' stubs leave the field a CharField (str); it holds a Country.
        (_("Country of registration"), str(licence.holder.country.name)),  # type: ignore[attr-defined]
        (_("Registration number"), licence.holder.registration_number),
        (_("Licence type"), licence.get_licence_type_display()),
        (_("Deposit"), f"{deposit.name} ({deposit.code})"),
        (_("Region"), deposit.region.name),
        (_("Minerals"), minerals or "—"),
        (_("Centre"), f"{deposit.latitude}° N, {deposit.longitude}° E"),
        (_("Area"), f"{licence.area_km2} km²"),
        (
            _("Term"),
            ngettext("%(years)s year", "%(years)s years", licence.term_years)
            % {"years": licence.term_years},
        ),
        (_("Signature bonus"), format_kzt(licence.signature_bonus)),
        (_("Issued on"), _date(licence.issued_on)),
        (_("Expires on"), _date(licence.expires_on)),
        (
            _("Awarded at auction"),
            _("Lot %(number)s, %(event)s")
            % {"number": licence.lot.number, "event": licence.lot.event.name},
        ),
    ]
    pdf.ln(2)
    for label, value in rows:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(LABEL_WIDTH, 6, label)
        pdf.set_font(FAMILY, size=10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.paragraph(
        _(
            "Issued through Nedra, the platform on which the Ministry auctions subsoil-use "
            "rights. The licence is in force from its issue date until its expiry date, "
            "unless suspended or revoked; its current status is in the public licence "
            "registry."
        )
    )
    return pdf


def _date(day: date | None) -> str:
    return "—" if day is None else formats.date_format(day, "DATE_FORMAT")
