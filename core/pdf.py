"""PDF documents (results protocols, licence certificates, invoices) in Nedra's own fonts.

The fonts ship with the code (DejaVu, free licence in core/fonts/) so Cyrillic and Kazakh
letters print the same on every machine, with or without system fonts.
"""

from pathlib import Path

import qrcode
from django.http import HttpResponse
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align

from core.documents import Seal
from core.models import IssuedDocument

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
MONO = "DejaVuMono"


class NedraPDF(FPDF):
    """An A4 document with Nedra's header line, page numbers and Unicode fonts."""

    def __init__(self, *, title: str, subject: str = "", seal: Seal | None = None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.seal = seal
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.add_font(MONO, "", FONTS / "DejaVuSansMono.ttf")
        self.set_title(title)
        self.set_subject(subject or title)
        self.set_author("Nedra: subsoil-use auctions of the Republic of Kazakhstan")
        self.set_creator("Nedra")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        if seal is not None:
            self.set_keywords(f"nedra-verification-code:{seal.code}")
        self.add_page()
        self.set_font(FAMILY, size=10)
        if seal is not None and seal.is_demonstration:
            self.demonstration_notice()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 101, 115)
        line = f"Nedra · {self.title} · {self.page_no()}/{{nb}}"
        if self.seal is not None:
            line += " · " + _("Verification code %(code)s") % {"code": self.seal.display_code}
        self.cell(0, 5, line, align="C")
        if self.seal is not None and self.seal.is_demonstration:
            self.set_y(-8)
            self.set_text_color(160, 40, 40)
            self.cell(0, 4, _demonstration_text(), align="C")
        self.set_text_color(0, 0, 0)

    def demonstration_notice(self) -> None:
        """Say, in red at the top, that the signature is the demonstration key's."""
        self.set_text_color(160, 40, 40)
        self.set_font(FAMILY, "B", 10)
        self.multi_cell(0, 5, _demonstration_text(), border=1, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=10)
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def sealed_output(self) -> bytes:
        """Close the document with its verification block (QR code, code, address) and
        return its bytes, ready to be signed."""
        seal = self.seal
        if seal is not None:
            side = 32
            if self.get_y() + side + 6 > self.h - self.b_margin:
                self.add_page()
            self.ln(4)
            top, left = self.get_y(), self.l_margin
            _draw_qr(self, seal.url, x=left, y=top, side=side)
            self.link(left, top, side, side, seal.url)
            self.set_xy(left + side + 6, top)
            self.set_font(FAMILY, "B", 11)
            self.cell(0, 6, _("Verification code: %(code)s") % {"code": seal.display_code})
            self.set_xy(left + side + 6, top + 8)
            self.set_font(FAMILY, size=9)
            self.multi_cell(
                0,
                4.5,
                _(
                    "This document is signed electronically. Scan the code or open the "
                    "address below to see what it says and whether it is unchanged; any "
                    "copy can also be uploaded there to check its signature."
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            self.set_x(left + side + 6)
            self.set_font(MONO, size=8)
            self.cell(0, 5, seal.url, link=seal.url)
            self.set_font(FAMILY, size=10)
            self.set_y(top + side + 2)
        return bytes(self.output())

    def heading(self, text: str, size: int = 14) -> None:
        """Write a bold heading on its own line."""
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font(FAMILY, size=10)

    def paragraph(self, text: str) -> None:
        """Write wrapped body text."""
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def details(self, rows: list[tuple[str, str]]) -> None:
        """Write label/value pairs as a borderless two-column table."""
        with self.table(
            col_widths=(70, 104),
            text_align=Align.L,
            borders_layout="NONE",
            first_row_as_headings=False,
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label)
                row.cell(value)
        self.ln(2)


def _demonstration_text() -> str:
    return _(
        "Signed with a demonstration key, not the ministry's: this document has no legal force."
    )


def _draw_qr(pdf: FPDF, data: str, *, x: float, y: float, side: float) -> None:
    """Draw a QR code of the data as vector squares, so it stays sharp at any zoom."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            run = column
            while run < len(cells) and cells[run]:
                run += 1
            pdf.rect(x + column * module, y + row * module, (run - column) * module, module, "F")
            column = run


def invoice(
    *,
    title: str,
    payer: str,
    beneficiary: list[tuple[str, str]],
    payment: list[tuple[str, str]],
    notes: list[str],
) -> NedraPDF:
    """Write an invoice: who pays, the account to pay into, what to pay and how.

    The rows arrive written for the reader; this only lays them out, the same for every
    kind of payment Nedra asks for.
    """
    pdf = NedraPDF(title=title)
    pdf.heading(title, size=16)
    pdf.details([(_("Payer"), payer)])
    pdf.heading(_("Pay to"), size=12)
    pdf.details(beneficiary)
    pdf.heading(_("Payment"), size=12)
    pdf.details(payment)
    for note in notes:
        pdf.paragraph(note)
    return pdf


def pdf_response(document: FPDF, filename: str) -> HttpResponse:
    """Return the document as an inline PDF download named `filename`."""
    response = HttpResponse(bytes(document.output()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def issued_pdf_response(document: IssuedDocument) -> HttpResponse:
    """Return an issued document's stored bytes, exactly as signed, as an inline PDF."""
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response["X-Verification-Code"] = document.code
    return response
