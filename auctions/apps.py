from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Auctions")

    def ready(self) -> None:
        # Registers the check that refuses to start production without a sealed-bid key.
        from auctions import checks  # noqa: F401
