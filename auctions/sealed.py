"""Two-stage lots' sealed round: how a sealed bid is sealed, revealed, checked and ranked.

A sealed bid's amount is stored only encrypted (Fernet, with SEALED_BID_KEY) until the
round closes, beside a SHA-256 commitment to it that the bidder keeps as its receipt:
`commitment` = lowercase hex SHA-256 of `lot_id|participant_number|amount|nonce` (amount
with two decimals, nonce 64 hex digits). Someone reading the database, staff in the admin
included, sees neither amount nor company; someone holding both the key and the database
could decrypt early: the key is kept apart from the database (README, "Two-stage lots").
At the close the engine (`engine.close_sealed_round`, under the lot's lock) reveals each
bid, checks it against its commitment and ranks them here.
"""

import hashlib
import json
import logging
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from auctions.models import Lot, SealedBid
from core.errors import DomainError
from core.money import format_kzt

logger = logging.getLogger(__name__)


class SealedBidTampered(Exception):
    """A sealed bid's revealed amount does not match its commitment, or will not decrypt."""


@dataclass(frozen=True)
class Sealed:
    token: str
    commitment: str
    nonce: str


def is_valid_key(key: str) -> bool:
    """Say whether the text is a Fernet key."""
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def _fernet() -> Fernet:
    return Fernet(settings.SEALED_BID_KEY)


def commitment(*, lot_id: int, participant_number: int, amount: Decimal, nonce: str) -> str:
    """Return the SHA-256 commitment to a sealed bid, as its receipt gives it."""
    text = f"{lot_id}|{participant_number}|{amount:.2f}|{nonce}"
    return hashlib.sha256(text.encode()).hexdigest()


def seal(*, lot_id: int, participant_number: int, amount: Decimal) -> Sealed:
    """Encrypt a sealed bid's amount with a fresh nonce and commit to it."""
    nonce = secrets.token_hex(32)
    token = _fernet().encrypt(json.dumps({"amount": f"{amount:.2f}", "nonce": nonce}).encode())
    return Sealed(
        token=token.decode(),
        commitment=commitment(
            lot_id=lot_id, participant_number=participant_number, amount=amount, nonce=nonce
        ),
        nonce=nonce,
    )


def unseal(sealed_bid: SealedBid) -> tuple[Decimal, str]:
    """Return a sealed bid's amount and nonce, checked against its commitment.

    Raises SealedBidTampered if it does not decrypt or does not match.
    """
    try:
        content = json.loads(_fernet().decrypt(sealed_bid.sealed_amount.encode()))
        amount, nonce = Decimal(content["amount"]), str(content["nonce"])
    except (InvalidToken, ValueError, KeyError, TypeError) as error:
        raise SealedBidTampered(f"sealed bid {sealed_bid.pk} does not decrypt") from error
    expected = commitment(
        lot_id=sealed_bid.lot_id,
        participant_number=sealed_bid.participant_number,
        amount=amount,
        nonce=nonce,
    )
    if not secrets.compare_digest(expected, sealed_bid.commitment):
        raise SealedBidTampered(f"sealed bid {sealed_bid.pk} does not match its commitment")
    return amount, nonce


def advancing_count(*, received: int, percent: int, minimum: int) -> int:
    """Return how many sealed bids go on: the best `percent` (rounded up), at least
    `minimum`, never more than were received."""
    return min(received, max(minimum, math.ceil(received * percent / 100)))


# A sealed bid with its revealed amount and nonce.
Revealed = tuple[SealedBid, tuple[Decimal, str]]


def ranked(bids: Sequence[Revealed]) -> list[Revealed]:
    """Return revealed sealed bids best first: the higher amount, then the earlier one."""
    return sorted(bids, key=lambda pair: (-pair[1][0], pair[0].submitted_at, pair[0].pk))


def own_sealed_bid(*, user: User, lot_id: int) -> SealedBid | None:
    """Return the sealed bid of the user's company in the lot, if it submitted one."""
    return (
        SealedBid.objects.filter(lot_id=lot_id, application__company__representatives__user=user)
        .select_related("lot")
        .first()
    )


def refuse_unless_advanced(*, lot_id: int, application_id: int) -> None:
    """Raise not_admitted unless the participant's sealed bid went on to the ascending round."""
    sealed_bid = (
        SealedBid.objects.filter(lot_id=lot_id, application_id=application_id)
        .values("rank", "advanced")
        .first()
    )
    if sealed_bid is None:
        raise DomainError(
            "not_admitted",
            _(
                "Your company submitted no sealed bid, so it does not take part in this "
                "lot's ascending round."
            ),
        )
    if not sealed_bid["advanced"]:
        raise DomainError(
            "not_admitted",
            _(
                "Your sealed bid ranked %(rank)s: only the best go on to the ascending round, "
                "so your company no longer bids in this lot."
            )
            % {"rank": sealed_bid["rank"]},
        )


def receipt(sealed_bid: SealedBid, *, repeated: bool | None = None) -> dict[str, Any]:
    """Return the bidder's own receipt of its sealed bid: the `sealed_bid` frame.

    Only ever sent to the bidder's own sockets and API calls: it holds the amount. The
    answer to a submission says whether its key was seen before (`repeated`).
    """
    lot: Lot = sealed_bid.lot
    amount: Decimal | None
    nonce: str | None
    if sealed_bid.amount is None:
        try:
            amount, nonce = unseal(sealed_bid)
        except SealedBidTampered:
            # Altered in the database: its owner is told, never shown what it now says.
            logger.exception("Sealed bid %s of lot %s fails its check", sealed_bid.pk, lot.pk)
            amount, nonce = None, None
    else:
        amount, nonce = sealed_bid.amount, sealed_bid.nonce
    advancing = advancing_count(
        received=lot.sealed_bid_count,
        percent=lot.sealed_advancing_percent,
        minimum=lot.sealed_advancing_minimum,
    )
    if amount is None:
        message = _(
            "Your sealed bid is held, but it failed its integrity check when read back; "
            "contact the auction commission."
        )
    elif sealed_bid.rank is None:
        message = _(
            "Your sealed bid of %(amount)s is received and sealed until the round closes."
        ) % {"amount": format_kzt(amount)}
    elif sealed_bid.advanced:
        message = _(
            "Your sealed bid ranked %(rank)s of %(count)s: you go on to the ascending round."
        ) % {"rank": sealed_bid.rank, "count": lot.sealed_bid_count}
    else:
        message = _(
            "Your sealed bid ranked %(rank)s of %(count)s; only the best %(advancing)s go on, "
            "so you no longer bid in this lot."
        ) % {"rank": sealed_bid.rank, "count": lot.sealed_bid_count, "advancing": advancing}
    frame: dict[str, Any] = {
        "type": "sealed_bid",
        "lot": sealed_bid.lot_id,
        "key": str(sealed_bid.key),
        "amount": None if amount is None else f"{amount:.2f}",
        "commitment": sealed_bid.commitment,
        "nonce": nonce,
        "submitted_at": sealed_bid.submitted_at.isoformat(),
        "rank": sealed_bid.rank,
        "of": lot.sealed_bid_count if sealed_bid.rank is not None else None,
        "advanced": sealed_bid.advanced,
        "message": message,
    }
    if repeated is not None:
        frame["repeated"] = repeated
    return frame


# Published with every two-stage lot's bid log, so a reader needs nothing else to check it.
COMMITMENT_FORMULA = (
    "commitment = lowercase hex SHA-256 of the UTF-8 string "
    "lot_id|participant_number|amount|nonce, where amount has exactly two decimals"
)


def sealed_log(lot_id: int) -> list[dict[str, Any]]:
    """Return a lot's revealed sealed bids as the published bid log lists them, by rank:
    participant number, rank, amount, nonce, commitment, submission time, advanced. Empty
    until the round has closed (nothing is revealed before)."""
    return [
        {
            "rank": bid.rank,
            "participant_number": bid.participant_number,
            "amount": f"{bid.amount:.2f}",
            "nonce": bid.nonce,
            "commitment": bid.commitment,
            "submitted_at": bid.submitted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "advanced": bool(bid.advanced),
        }
        for bid in SealedBid.objects.filter(lot_id=lot_id, rank__isnull=False).order_by("rank")
    ]
