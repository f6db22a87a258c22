"""What auctions announces to the layers above it, which it never imports.

Licensing connects its receivers in `LicensingConfig.ready`: it settles a finished lot,
and refuses to let a lot offer a deposit whose licence it still promises to a winner.
"""

from django.dispatch import Signal

# Sent after the commit that finished a lot (closed, failed or cancelled), with `lot_id`.
# Receivers queue their work (it must be repeatable: a sweep of their own catches what a
# lost message missed); an exception is logged, the lot stays finished.
lot_finished = Signal()

# Sent inside `services.publish_lot`'s transaction, with `lot` and its `deposit` locked,
# before the lot is published; a receiver refuses the publication by raising DomainError.
lot_publishing = Signal()
