"""PDF documents (results protocols, licence certificates, invoices) in Nedra's own fonts.

The fonts ship with the code (DejaVu, free licence in core/fonts/) so Cyrillic and Kazakh
letters print the same on every machine, with or without system fonts.
"""

from pathlib import Path

from django.http import HttpResponse
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
MONO = "DejaVuMono"


class NedraPDF(FPDF):
    """An A4 document with Nedra's header line, page numbers and Unicode fonts."""

    def __init__(self, *, title: str, subject: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.add_font(MONO, "", FONTS / "DejaVuSansMono.ttf")
        self.set_title(title)
        self.set_subject(subject or title)
        self.set_author("Nedra: subsoil-use auctions of the Republic of Kazakhstan")
        self.set_creator("Nedra")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.add_page()
        self.set_font(FAMILY, size=10)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 101, 115)
        self.cell(0, 5, f"Nedra · {self.title} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

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
