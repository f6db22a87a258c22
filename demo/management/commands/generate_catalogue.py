import time
from argparse import ArgumentParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import generate_catalogue, remove_catalogue


class Command(BaseCommand):
    help = (
        "Generate a synthetic catalogue for scale tests and benchmarks: deposits with "
        "reserves and published lots, codes gen-<seed>-..., the same rows for the same seed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--deposits", type=int, default=10_000, help="deposits (10000)")
        parser.add_argument(
            "--reserves-per-deposit", type=int, default=5, help="reserves per deposit (5)"
        )
        parser.add_argument(
            "--lots", type=int, default=None, help="published lots (30%% of the deposits)"
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="first delete the catalogue generated earlier with the same seed",
        )
        parser.add_argument(
            "--disposable-database",
            action="store_true",
            help="run with DEBUG off too: this database is a throwaway copy",
        )

    def handle(
        self,
        *args: object,
        deposits: int,
        reserves_per_deposit: int,
        lots: int | None,
        seed: int,
        replace: bool,
        disposable_database: bool,
        **options: object,
    ) -> None:
        # The rows are published lots the public would see: never by accident in production.
        if not (settings.DEBUG or disposable_database):
            raise CommandError(
                "This writes synthetic deposits and published lots that the public would see. "
                "Run it with DEBUG on, or pass --disposable-database for a throwaway database."
            )
        started = time.monotonic()
        if replace:
            removed = remove_catalogue(seed=seed)
            self.stdout.write(f"Removed {removed} rows generated earlier with seed {seed}")
        try:
            summary = generate_catalogue(
                deposits=deposits,
                reserves_per_deposit=reserves_per_deposit,
                lots=lots,
                seed=seed,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated catalogue gen-{summary.seed}- in {elapsed:.1f}s: "
                f"{summary.deposits} deposits, {summary.reserves} reserves, "
                f"{summary.lots} published lots in {summary.events} events"
            )
        )
