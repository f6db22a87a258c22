from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Licensing")

    def ready(self) -> None:
        # Imported here, once the app registry is ready: receivers reach the models.
        from auctions import signals
        from licensing import receivers

        signals.lot_finished.connect(
            receivers.settle_finished_lot, dispatch_uid="licensing.settle_finished_lot"
        )
        signals.lot_publishing.connect(
            receivers.refuse_promised_deposit, dispatch_uid="licensing.refuse_promised_deposit"
        )
