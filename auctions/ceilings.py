"""Bids backed by money: each participant's bid ceiling in a lot, and the refusal above it.

A lot's `bid_ceiling` rule says what a participant's bids may not exceed:

- ``none``: nothing (the default; the lot runs as before);
- ``deposit``: the lot's multiple times the guarantee deposit the participant paid and the
  ministry recorded as received (what the bank credited for it);
- ``bank_guarantee``: the bank guarantee the ministry recorded for the application;
- ``deposit_and_bank_guarantee``: both added together, since both are money secured
  for the signature bonus.

A deposit not (or not yet) received counts as nothing, and so does a guarantee never
recorded. The engine reads every input in the bid's own locked statement and calls `check`;
so should any other path that commits a participant to an amount (a maximum bid).
"""

import logging
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from asgiref.sync import async_to_sync
from babel.numbers import format_decimal
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions import live, selectors
from auctions.models import Application, Lot
from bidders.models import Representative
from core.errors import DomainError
from core.money import CENT, babel_locale, format_kzt
from core.session_sockets import user_group

logger = logging.getLogger(__name__)

# The channel-layer message a user's sockets get when its ceiling in a lot changed.
CEILING_CHANGED = "ceiling.changed"


@dataclass(frozen=True)
class Ceiling:
    """A participant's bid ceiling in a lot and what it is made of."""

    rule: str
    multiple: Decimal | None
    # The guarantee deposit received (None: not received) and the bank guarantee recorded
    # (None: none recorded), whether or not the rule counts them.
    deposit: Decimal | None
    bank_guarantee: Decimal | None

    @property
    def counts_deposit(self) -> bool:
        return self.rule in Lot.DEPOSIT_CEILINGS

    @property
    def counts_bank_guarantee(self) -> bool:
        return self.rule in (
            Lot.BidCeiling.BANK_GUARANTEE,
            Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        )

    @property
    def amount(self) -> Decimal | None:
        """The highest bid allowed, in KZT; None when the lot has no ceiling."""
        if self.rule == Lot.BidCeiling.NONE:
            return None
        total = Decimal("0.00")
        if self.counts_deposit:
            total += (self.multiple or Decimal(0)) * (self.deposit or Decimal(0))
        if self.counts_bank_guarantee:
            total += self.bank_guarantee or Decimal(0)
        # Down to the tiyn: a ceiling never allows a fraction more than the money behind it.
        return total.quantize(CENT, rounding=ROUND_DOWN)


NO_CEILING = Ceiling(rule=Lot.BidCeiling.NONE, multiple=None, deposit=None, bank_guarantee=None)


def check(amount: Decimal, ceiling: Ceiling) -> None:
    """Refuse an amount above the participant's ceiling with DomainError above_limit."""
    limit = ceiling.amount
    if limit is not None and amount > limit:
        raise DomainError(
            "above_limit",
            _("%(amount)s is above your bid ceiling of %(ceiling)s. %(explanation)s")
            % {
                "amount": format_kzt(amount),
                "ceiling": format_kzt(limit),
                "explanation": explanation(ceiling),
            },
        )


def explanation(ceiling: Ceiling) -> str:
    """Say, in the active language, what the ceiling is made of and what would raise it."""
    deposit = format_kzt(ceiling.deposit or Decimal("0.00"))
    guarantee = format_kzt(ceiling.bank_guarantee or Decimal("0.00"))
    # As the reader's language writes a number: 11.5, 11,5.
    multiple = format_decimal(
        ceiling.multiple or Decimal(0), format="#,##0.##", locale=babel_locale()
    )
    if ceiling.rule == Lot.BidCeiling.DEPOSIT:
        return _(
            "It is %(multiple)s times your guarantee deposit received (%(deposit)s); only a "
            "larger guarantee deposit would raise it."
        ) % {"multiple": multiple, "deposit": deposit}
    if ceiling.rule == Lot.BidCeiling.BANK_GUARANTEE:
        return _(
            "It is the bank guarantee the ministry recorded for your application (%(guarantee)s); "
            "a larger bank guarantee, recorded by the ministry, would raise it."
        ) % {"guarantee": guarantee}
    if ceiling.rule == Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE:
        return _(
            "It is %(multiple)s times your guarantee deposit received (%(deposit)s) plus the "
            "bank guarantee the ministry recorded for your application (%(guarantee)s); a "
            "larger guarantee deposit, or a bank guarantee recorded by the ministry, would "
            "raise it."
        ) % {"multiple": multiple, "deposit": deposit, "guarantee": guarantee}
    return _("This lot has no bid ceiling.")


def frame(lot_id: int, ceiling: Ceiling) -> dict[str, Any]:
    """Return the participant's own `ceiling` frame (never broadcast): its ceiling, the
    lot's rule as `basis`, and the explanation in the active language."""
    limit = ceiling.amount
    message = explanation(ceiling)
    if limit is not None:
        message = (
            _("Your bid ceiling in this lot is %(ceiling)s.") % {"ceiling": format_kzt(limit)}
            + " "
            + message
        )
    return {
        "type": "ceiling",
        "lot": lot_id,
        "amount": None if limit is None else f"{limit:.2f}",
        "basis": ceiling.rule,
        "message": message,
    }


def from_row(
    *,
    rule: str,
    multiple: Decimal | None,
    deposit: Decimal | None,
    bank_guarantee: Decimal | None,
) -> Ceiling:
    """Return the ceiling from what a bid's locked statement read (the lot's rule and
    multiple, `bidding_candidate`'s `deposit_received` and `bank_guarantee`)."""
    if rule == Lot.BidCeiling.NONE:
        return NO_CEILING
    return Ceiling(rule=rule, multiple=multiple, deposit=deposit, bank_guarantee=bank_guarantee)


def of_participant(*, user: User, lot: Lot) -> Ceiling | None:
    """Return the ceiling of the user's company in the lot as it stands now, or None if it
    is not an admitted participant (whether or not it may bid now)."""
    application_id = (
        Application.objects.filter(
            lot=lot, company__representatives__user=user, status=Application.Status.ADMITTED
        )
        .values_list("pk", flat=True)
        .first()
    )
    if application_id is None:
        return None
    return of_application(lot=lot, application_id=application_id)


def own_frame(*, user: User, lot_id: int) -> dict[str, Any] | None:
    """Return the user's company's `ceiling` frame in the lot, or None if it is not an
    admitted participant (the room and the API show the same)."""
    lot = Lot.objects.filter(pk=lot_id).exclude(status=Lot.Status.DRAFT).first()
    if lot is None:
        return None
    ceiling = of_participant(user=user, lot=lot)
    return None if ceiling is None else frame(lot_id, ceiling)


def of_application(*, lot: Lot, application_id: int) -> Ceiling:
    """Return an application's ceiling in its lot as it stands now (the close records the
    winner's)."""
    return for_application(
        rule=lot.bid_ceiling, multiple=lot.bid_ceiling_multiple, application_id=application_id
    )


def for_application(*, rule: str, multiple: Decimal | None, application_id: int) -> Ceiling:
    """Return an application's ceiling under the lot's rule and multiple, reading its money
    now: one query, none on a lot without a ceiling.

    For amounts committed for a participant other than the bidder at hand (a maximum bid's
    automatic bids), called under the lot's lock: `check(amount, for_application(...))`.
    """
    if rule == Lot.BidCeiling.NONE:
        return NO_CEILING
    secured = selectors.participants.secured_money(application_id=application_id)
    return from_row(
        rule=rule,
        multiple=multiple,
        deposit=secured["deposit_received"],
        bank_guarantee=secured["bank_guarantee"],
    )


def record_bank_guarantee(
    *, application_id: int, amount: Decimal, reference: str, recorded_by: User
) -> Application:
    """Record the bank guarantee the ministry checked for an application (0 when it was
    withdrawn or expired), with who and when, and tell its sockets their new ceiling.

    Raises DomainError: invalid_amount, reference_required, guarantee_not_counted (the
    lot's rule ignores bank guarantees), lot_finished, application_not_live.
    """
    reference = reference.strip()
    if not reference:
        raise DomainError(
            "reference_required", _("Give the guarantee's number and the bank that issued it.")
        )
    if amount < 0 or amount != amount.quantize(CENT):
        raise DomainError(
            "invalid_amount", _("Enter the guarantee in tenge, not negative, to the tiyn.")
        )
    with transaction.atomic():
        application = Application.objects.get(pk=application_id)
        # Lock the lot's row, the lock every bid takes: a bid in progress is checked against
        # the guarantee before the change and commits first; one that reaches the lot after
        # this commits is checked against the new guarantee.
        lot = Lot.objects.select_for_update().get(pk=application.lot_id)
        if lot.bid_ceiling not in (
            Lot.BidCeiling.BANK_GUARANTEE,
            Lot.BidCeiling.DEPOSIT_AND_BANK_GUARANTEE,
        ):
            raise DomainError(
                "guarantee_not_counted",
                _("Lot %(number)s does not count bank guarantees toward its bid ceiling.")
                % {"number": lot.number},
            )
        if lot.status not in Lot.OPEN_STATUSES:
            raise DomainError(
                "lot_finished",
                _("Lot %(number)s is already %(status)s.")
                % {"number": lot.number, "status": lot.get_status_display().lower()},
            )
        if application.status not in (Application.Status.SUBMITTED, Application.Status.ADMITTED):
            raise DomainError(
                "application_not_live",
                _("Only a submitted or admitted application can have a bank guarantee."),
            )
        application.bank_guarantee = amount
        application.bank_guarantee_reference = reference
        application.bank_guarantee_recorded_at = timezone.now()
        application.bank_guarantee_recorded_by = recorded_by
        application.save(
            update_fields=[
                "bank_guarantee",
                "bank_guarantee_reference",
                "bank_guarantee_recorded_at",
                "bank_guarantee_recorded_by",
            ]
        )
        # A new version of the lot's row: a bid that waited for the lock meanwhile sees it
        # moved and reads the participants' money again (`engine._place_locked`), instead
        # of its snapshot's guarantee from before this change.
        Lot.objects.filter(pk=lot.pk).update(version=F("version") + 1)
        lot_id, company_id = lot.pk, application.company_id
        transaction.on_commit(lambda: live.broadcast_state(lot_id), robust=True)
        transaction.on_commit(
            lambda: tell_ceiling_changed(lot_id=lot_id, company_id=company_id), robust=True
        )
    return application


def tell_ceiling_changed(*, lot_id: int, company_id: int) -> None:
    """Ask every socket of the company's users in the lot's room to send its new ceiling."""
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id in Representative.objects.filter(company_id=company_id).values_list(
        "user_id", flat=True
    ):
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": CEILING_CHANGED, "lot": lot_id}
            )
        except Exception:
            # The channel layer may be down: the guarantee stands, the bids meet it, and the
            # room shows it on its next connect.
            logger.exception("Could not tell user %s's sockets their new ceiling", user_id)
