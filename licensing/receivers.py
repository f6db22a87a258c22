"""Licensing's answers to what auctions announces (`auctions.signals`).

Connected in `LicensingConfig.ready`: licensing stands on auctions, so auctions announces
and never imports licensing. Each receiver hands over to a task or a service at once.
"""

from deposits.models import Deposit
from licensing import services, tasks


def settle_finished_lot(sender: object, *, lot_id: int, **kwargs: object) -> None:
    """Queue the settlement of a lot that just finished (`lot_finished`, after commit)."""
    tasks.settle_finished_lot.delay(lot_id)


def refuse_promised_deposit(sender: object, *, deposit: Deposit, **kwargs: object) -> None:
    """Refuse to publish a lot whose deposit a winner may still pay for (`lot_publishing`)."""
    services.refuse_deposit_awaiting_payment(deposit=deposit)
