from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development and demonstration data. Nothing imports this app; it may be removed."""

    name = "demo"
    verbose_name = "Nedra demo data"
