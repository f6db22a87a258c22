from django.core.management.base import BaseCommand

from core.second_factor import current_code
from demo.people import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Print the code the demo logins' authenticator app shows now (their secret is "
        "published with the demo password), for a demo run without a phone at hand."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(current_code(DEMO_TOTP_SECRET))
