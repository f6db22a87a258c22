from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.loader import DemoRefused, ReferenceDataMissing, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo: a 50-lot solid-minerals auction in Kazakhstan's regions (which "
        "migrate adds), approved bidders and staff logins with a published password. Safe to "
        "run again; refuses a database that holds data of its own unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even into a database that is neither empty nor a demo one. Never "
            "on a production database: the demo's staff logins have a published password.",
        )

    def handle(self, *args: object, force: bool, **options: object) -> None:
        try:
            summary = load_demo(force=force)
        except (DemoRefused, ReferenceDataMissing) as refusal:
            raise CommandError(str(refusal)) from None
        counts = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
        deadline = timezone.localtime(summary.first_deadline)
        auction = timezone.localtime(summary.first_auction)
        self.stdout.write(
            self.style.SUCCESS(f"Demo loaded: {summary.event_name} ({summary.event_code})")
        )
        self.stdout.write(f"  {counts}; {summary.new_lots} lots created by this run")
        self.stdout.write(
            f"  First application deadline {deadline:%Y-%m-%d %H:%M}, "
            f"first auction {auction:%Y-%m-%d %H:%M} (Astana time)"
        )
        self.stdout.write(
            f"  Live now: lot {summary.live_lot_id}'s auction room at "
            f"/lots/{summary.live_lot_id}/room/ until "
            f"{timezone.localtime(summary.live_lot_ends):%Y-%m-%d %H:%M} (Astana time); "
            "the first three bidders below take part"
        )
        self.stdout.write(f"Logins (password for all: {summary.password}):")
        self.stdout.write(
            f"Second factor for all: an authenticator app with the secret {summary.totp_secret} "
            "(or `python manage.py demo_code` prints the code it shows now)"
        )
        width = max(len(login.login) for login in summary.logins)
        for login in summary.logins:
            who = f"{login.role}: {login.company}" if login.company else login.role
            self.stdout.write(f"  {login.login:<{width}}  {who}")
