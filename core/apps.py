from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Nedra"

    def ready(self) -> None:
        # Connects the auth signals that close the websockets of an ended session.
        from core import session_sockets  # noqa: F401
