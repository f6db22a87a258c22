"""From the last bid to the licence: the engine closes the lot, licensing settles it."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from auctions import engine
from auctions.models import Lot, Payment
from licensing.models import Licence

pytestmark = pytest.mark.django_db


def test_closing_a_lot_offers_the_licence_to_the_highest_bidder(
    live_lot: Lot, admitted_bidder, rival_bidder, django_capture_on_commit_callbacks
) -> None:
    for user, amount in [
        (admitted_bidder, "100000000.00"),
        (rival_bidder, "105000000.00"),
        (admitted_bidder, "110000000.00"),
    ]:
        engine.place_bid(user=user, lot_id=live_lot.pk, amount=amount, key=uuid.uuid4())
    Lot.objects.filter(pk=live_lot.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        engine.close_lot(lot_id=live_lot.pk)
        # A retry of the settlement task offers nothing more.
        engine.close_lot(lot_id=live_lot.pk)

    licence = Licence.objects.get(lot=live_lot)
    assert licence.status == Licence.Status.AWAITING_PAYMENT
    assert licence.holder.legal_name == "Ridgeline Critical Minerals Inc."
    assert licence.signature_bonus == Decimal("110000000.00")
    deposits = dict(
        Payment.objects.filter(
            application__lot=live_lot, kind=Payment.Kind.GUARANTEE_DEPOSIT
        ).values_list("application__company__legal_name", "status")
    )
    assert deposits == {
        "Ridgeline Critical Minerals Inc.": Payment.Status.APPLIED,
        "Steppe Lithium LLP": Payment.Status.REFUND_DUE,
    }
    assert any(licence.number in message.subject for message in mail.outbox)
