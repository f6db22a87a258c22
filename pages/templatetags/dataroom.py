"""The lot page's data room: which papers it lists to whom."""

from typing import Any

from django import template

from auctions import dataroom
from auctions.models import Lot

register = template.Library()


@register.inclusion_tag("pages/_data_room.html", takes_context=True)
def lot_data_room(context: dict[str, Any], lot: Lot) -> dict[str, Any]:
    """List the lot's public papers to anyone and its restricted ones to the
    representatives of its admitted applicants; the others learn only how many there are."""
    user = context["request"].user
    documents = list(dataroom.documents_of(lot))
    may_see_restricted = dataroom.admitted_company(user, lot) is not None
    listed = [document for document in documents if document.is_public or may_see_restricted]
    return {
        "lot": lot,
        "documents": listed,
        "withheld_count": len(documents) - len(listed),
        "is_staff": user.is_authenticated and user.is_staff,
    }
