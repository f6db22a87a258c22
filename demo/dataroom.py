"""Demo shapes and data-room papers: outlines and licence areas for a few demo deposits and
their lots, and for each of those lots a public and a restricted paper.

Call `add_shapes_and_papers()` after the demo's lots exist (inside the same transaction);
it is idempotent. The shapes are illustrative: irregular polygons around each deposit's
centre, sized to the area the deposit or lot declares, not real licence boundaries.
"""

import math
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from auctions import dataroom
from auctions.models import Lot, LotDocument
from core.pdf import NedraPDF
from deposits.areas import area_km2, check_shape, polygons_of
from deposits.models import Deposit

# Demo deposits (demo.catalogue LOTS) drawn as shapes; the rest keep their centre dot.
SHAPED_DEPOSITS = ("KZ-ULY-0101", "KZ-KOS-0214", "KZ-AKT-0307", "KZ-KAR-0412", "KZ-EKZ-0618")
# A star-shaped outline, (bearing in degrees, relative reach): simple whatever its scale.
OUTLINE_VERTICES = (
    (0, 1.0),
    (50, 0.8),
    (100, 1.15),
    (160, 0.9),
    (215, 1.05),
    (270, 0.7),
    (320, 1.1),
)
LICENCE_VERTICES = ((20, 1.0), (110, 0.95), (200, 1.05), (290, 0.9))


def polygon_around(
    latitude: Decimal, longitude: Decimal, km2: Decimal, vertices: tuple[tuple[int, float], ...]
) -> dict[str, Any]:
    """Return a GeoJSON Polygon around the point whose area is km2."""

    def ring(reach_deg: float) -> list[list[float]]:
        cosine = math.cos(math.radians(float(latitude)))
        points = [
            [
                round(
                    float(longitude) + reach_deg * factor * math.sin(math.radians(b)) / cosine, 6
                ),
                round(float(latitude) + reach_deg * factor * math.cos(math.radians(b)), 6),
            ]
            for b, factor in vertices
        ]
        return [*points, points[0]]

    unit = area_km2(polygons_of({"type": "Polygon", "coordinates": [ring(0.01)]}))
    reach = 0.01 * math.sqrt(float(km2) / float(unit))
    return {"type": "Polygon", "coordinates": [ring(reach)]}


def _paper(lot: Lot, title: str, text: str) -> SimpleUploadedFile:
    pdf = NedraPDF(title=title)
    pdf.heading(title)
    pdf.paragraph(str(lot))
    pdf.paragraph(text)
    pdf.paragraph("Demonstration data: the deposits and figures are illustrative.")
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", bytes(pdf.output()))


def add_shapes_and_papers(*, uploaded_by: User) -> int:
    """Give the shaped demo deposits an outline, their unpublished lots a licence area and
    two papers (public rules, restricted geology); return how many lots were changed."""
    changed = 0
    for deposit in Deposit.objects.filter(code__in=SHAPED_DEPOSITS, outline__isnull=True):
        if deposit.area_km2:
            deposit.outline = polygon_around(
                deposit.latitude, deposit.longitude, deposit.area_km2, OUTLINE_VERTICES
            )
            check_shape(deposit.outline, declared_km2=deposit.area_km2)
            deposit.save(update_fields=["outline"])
    # Lots of a published event are frozen (and refused by the database): leave them.
    lots = Lot.objects.filter(
        Q(deposit__code__in=SHAPED_DEPOSITS), event__results_published_at__isnull=True
    ).select_related("deposit", "event")
    for lot in lots:
        if lot.licence_area is None:
            lot.licence_area = polygon_around(
                lot.deposit.latitude, lot.deposit.longitude, lot.area_km2, LICENCE_VERTICES
            )
            check_shape(lot.licence_area, declared_km2=lot.area_km2)
            lot.save(update_fields=["licence_area"])
            changed += 1
        if not lot.documents.exists():
            for kind, access, title, text in (
                (
                    LotDocument.Kind.AUCTION_RULES,
                    LotDocument.Access.PUBLIC,
                    "Auction rules",
                    "An open ascending auction on the signature bonus, with a soft close.",
                ),
                (
                    LotDocument.Kind.GEOLOGICAL_SUMMARY,
                    LotDocument.Access.ADMITTED,
                    "Geological report summary",
                    "Summary of the last survey's drilling, sampling and reserve estimate.",
                ),
            ):
                dataroom.attach_document(
                    lot_id=lot.pk,
                    kind=kind,
                    title=title,
                    access=access,
                    upload=_paper(lot, title, text),
                    uploaded_by=uploaded_by,
                )
    return changed
