"""System checks that refuse to start a production server configured unsafely."""

from typing import Any

from django.core.checks import Error, register

from core import signing


@register()
def signing_key_is_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse to run without a key for signed documents (migrate, runserver and check run
    this; collectstatic does not, so an image builds without the key)."""
    if not signing.is_configured():
        return [
            Error(
                "No key signs results protocols, licence certificates and bid logs.",
                hint="Set NEDRA_SIGNING_P12 and NEDRA_SIGNING_P12_PASSWORD, or "
                "NEDRA_SIGNING_KEY and NEDRA_SIGNING_CERT (README, 'Signed documents').",
                id="core.E001",
            )
        ]
    try:
        signing.signing_identity()
    except (OSError, ValueError, signing.SigningNotConfigured) as error:
        return [
            Error(
                f"The signing key cannot be loaded: {error}",
                hint="Check the files and password named by NEDRA_SIGNING_*.",
                id="core.E002",
            )
        ]
    return []
