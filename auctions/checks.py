"""System checks that refuse to start a production server that cannot seal bids."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from auctions import sealed


@register()
def sealed_bid_key_is_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse to run without a valid key for two-stage lots' sealed bids."""
    if not settings.SEALED_BID_KEY:
        return [
            Error(
                "No key seals the sealed bids of two-stage lots.",
                hint="Set SEALED_BID_KEY to a Fernet key (README, 'Two-stage lots').",
                id="auctions.E001",
            )
        ]
    if not sealed.is_valid_key(settings.SEALED_BID_KEY):
        return [
            Error(
                "SEALED_BID_KEY is not a Fernet key (urlsafe base64 of 32 bytes).",
                hint="Make one with Fernet.generate_key() (README, 'Two-stage lots').",
                id="auctions.E002",
            )
        ]
    return []
