"""The bench's database: migrated fresh, then live lots with admitted bidders and sessions.

Everything is written straight through the ORM (no services, no HTTP): the bench measures
bidding, not registration. Call `django.setup()` before `create_bench_data`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from allauth.account.internal.flows.login import record_authentication
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connections, transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone

from auctions import engine
from auctions.models import Application, AuctionEvent, LicenceType, Lot, Payment, Result
from bidders.models import Company, Representative
from core.second_factor import enrol_authenticator_app
from deposits.models import Deposit, Region
from licensing.models import Licence

STARTING_PRICE = Decimal("100000000.00")
BID_STEP = Decimal("5000000.00")
GUARANTEE_DEPOSIT = Decimal("10000000.00")
MANY_LOTS = 50
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH22"  # noqa: S105 -- throwaway bench data
# The hot lot with maxima: participants beside the bidders hold these (proxy bids), so the
# engine answers nearly every bid by hand with an automatic one. The lower is bid in full
# at once; the higher lasts some 100,000 answers, far more than a run places.
PROXY_MAXIMA = (Decimal("9000000000000.00"), Decimal("8000000000000.00"))


@dataclass(frozen=True)
class BenchData:
    """Ids and session keys the load generator and the floor need."""

    hot_lot: int
    many_lots: list[int]
    fanout_lot: int
    # Watched by the public gallery's spectators while its bidders bid.
    spectator_lot: int
    # The floor's own rows, so the app's bid chains stay verifiable after pgbench.
    floor_hot_lot: int
    floor_many_lots: list[int]
    floor_application: int
    floor_user: int
    # One session per bidding company (company i is Participant i+1 of every lot).
    bidder_sessions: list[str]
    watcher_session: str
    # Lots to end together, one set per side of the run (before, after): closing is for good.
    closing_lots: list[list[int]]
    # The hot lot again, with participants holding maxima (PROXY_MAXIMA) beside the bidders.
    proxy_lot: int


def migrate() -> None:
    """Bring the (fresh) database to the current schema."""
    call_command("migrate", interactive=False, verbosity=0)


def create_bench_data(
    *, bidders: int, run: str, closing_sets: int = 0, closing_lots: int = MANY_LOTS
) -> BenchData:
    """Create the lots, admitted companies and logged-in sessions of one bench run, and
    `closing_sets` sets of `closing_lots` live lots for the closing scenario.

    `run` makes codes and names unique, so a reused database takes a second run.
    """
    now = timezone.now()
    with transaction.atomic():
        region = Region.objects.create(code=f"bench-{run}", name=f"Bench region {run}")
        event = AuctionEvent.objects.create(code=f"bench-{run}", name=f"Bench auction {run}")
        lot_count = 1 + MANY_LOTS + 1 + 1 + 1 + MANY_LOTS + closing_sets * closing_lots
        deposits = Deposit.objects.bulk_create(
            Deposit(
                code=f"bench-{run}-{number}",
                name=f"Bench deposit {number}",
                region=region,
                latitude=Decimal("48.00000"),
                longitude=Decimal("68.00000"),
                status=Deposit.Status.OFFERED,
            )
            for number in range(1, lot_count + 1)
        )
        lots = Lot.objects.bulk_create(
            Lot(
                event=event,
                number=number,
                deposit=deposit,
                licence_type=LicenceType.EXPLORATION,
                licence_term_years=6,
                area_km2=Decimal("12.500"),
                min_annual_work_expenditure=Decimal("25000000.00"),
                starting_price=STARTING_PRICE,
                bid_step=BID_STEP,
                participation_fee=Decimal("1000000.00"),
                guarantee_deposit=GUARANTEE_DEPOSIT,
                application_deadline=now - timedelta(days=2),
                starts_at=now - timedelta(hours=1),
                # Far from the soft-close window: the run measures bidding, not extensions.
                ends_at=now + timedelta(days=1),
                hard_end=now + timedelta(days=1, hours=1),
                status=Lot.Status.LIVE,
            )
            for number, deposit in enumerate(deposits, start=1)
        )
        lot_ids = [lot.pk for lot in lots]
        hot, many = lot_ids[0], lot_ids[1 : 1 + MANY_LOTS]
        fanout, spectator = lot_ids[1 + MANY_LOTS], lot_ids[2 + MANY_LOTS]
        floor_hot = lot_ids[3 + MANY_LOTS]
        floor_many = lot_ids[4 + MANY_LOTS : 4 + 2 * MANY_LOTS]
        closing_ids = lot_ids[4 + 2 * MANY_LOTS :]
        closing = [
            closing_ids[index * closing_lots : (index + 1) * closing_lots]
            for index in range(closing_sets)
        ]
        if floor_many != list(range(floor_many[0], floor_many[-1] + 1)):
            raise RuntimeError(
                "pgbench picks the floor's lots by id range: they must be contiguous"
            )

        users = [_user(f"bench-{run}-bidder-{index}") for index in range(1, bidders + 1)]
        # Bidders need a second factor before they may bid (its secret is never used here).
        for user in users:
            enrol_authenticator_app(user=user, secret=BENCH_TOTP_SECRET)
        companies = Company.objects.bulk_create(
            Company(
                legal_name=f"Bench Mining {run} {index} LLC",
                country="KZ",
                registration_number=f"BENCH-{run}-{index}",
                tax_number=f"BENCH-{run}-{index}",
                address="1 Bench Street, Astana",
                contact_name="Bench",
                contact_email="bench@example.com",
                status=Company.Status.APPROVED,
            )
            for index in range(1, bidders + 1)
        )
        Representative.objects.bulk_create(
            Representative(user=user, company=company)
            for user, company in zip(users, companies, strict=True)
        )
        applications = Application.objects.bulk_create(
            Application(
                lot_id=lot_id,
                company=company,
                status=Application.Status.ADMITTED,
                participant_number=number,
                terms_accepted_at=now,
                decided_at=now,
            )
            for lot_id in lot_ids
            for number, company in enumerate(companies, start=1)
        )
        Payment.objects.bulk_create(
            Payment(
                application=application,
                kind=Payment.Kind.GUARANTEE_DEPOSIT,
                amount=GUARANTEE_DEPOSIT,
                reference=f"BENCH-{run}-{application.pk}",
                status=Payment.Status.RECEIVED,
                received_at=now,
            )
            for application in applications
        )
        proxy_lot, holders = _proxy_lot(
            run=run, region=region, event=event, number=lot_count + 1, companies=companies
        )
        watcher = _user(f"bench-{run}-clerk", is_staff=True, is_superuser=True)
        # Staff sockets need a session that passed a second factor, as the room's do.
        enrol_authenticator_app(user=watcher, secret=BENCH_TOTP_SECRET)
        floor_application = next(a for a in applications if a.lot_id == floor_hot)
    data = BenchData(
        hot_lot=hot,
        many_lots=many,
        fanout_lot=fanout,
        spectator_lot=spectator,
        floor_hot_lot=floor_hot,
        floor_many_lots=floor_many,
        floor_application=floor_application.pk,
        floor_user=users[0].pk,
        bidder_sessions=[_session(user) for user in users],
        watcher_session=_session(watcher),
        closing_lots=closing,
        proxy_lot=proxy_lot.pk,
    )
    # Through the engine's door, as a participant sets them: the first bids for itself at
    # once, the second is bid in full and outbid by a step.
    for holder, amount in zip(holders, PROXY_MAXIMA, strict=True):
        engine.set_maximum(
            user=holder, lot_id=proxy_lot.pk, amount=str(amount), key=str(uuid.uuid4())
        )
    connections.close_all()
    return data


def _proxy_lot(
    *, run: str, region: Region, event: AuctionEvent, number: int, companies: list[Company]
) -> tuple[Lot, list[User]]:
    """Create the hot lot with maxima: every bidder admitted as on the other lots, and the
    holders of PROXY_MAXIMA after them; return it and the holders."""
    now = timezone.now()
    deposit = Deposit.objects.create(
        code=f"bench-{run}-proxy",
        name="Bench deposit with proxy bids",
        region=region,
        latitude=Decimal("48.00000"),
        longitude=Decimal("68.00000"),
        status=Deposit.Status.OFFERED,
    )
    lot = Lot.objects.create(
        event=event,
        number=number,
        deposit=deposit,
        licence_type=LicenceType.EXPLORATION,
        licence_term_years=6,
        area_km2=Decimal("12.500"),
        min_annual_work_expenditure=Decimal("25000000.00"),
        starting_price=STARTING_PRICE,
        bid_step=BID_STEP,
        participation_fee=Decimal("1000000.00"),
        guarantee_deposit=GUARANTEE_DEPOSIT,
        application_deadline=now - timedelta(days=2),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        hard_end=now + timedelta(days=1, hours=1),
        status=Lot.Status.LIVE,
    )
    holders = [_user(f"bench-{run}-holder-{index}") for index in range(1, len(PROXY_MAXIMA) + 1)]
    for holder in holders:
        enrol_authenticator_app(user=holder, secret=BENCH_TOTP_SECRET)
    holder_companies = Company.objects.bulk_create(
        Company(
            legal_name=f"Bench Holder {run} {index} LLC",
            country="KZ",
            registration_number=f"BENCH-{run}-H{index}",
            tax_number=f"BENCH-{run}-H{index}",
            address="1 Bench Street, Astana",
            contact_name="Bench",
            contact_email="bench@example.com",
            status=Company.Status.APPROVED,
        )
        for index in range(1, len(holders) + 1)
    )
    Representative.objects.bulk_create(
        Representative(user=user, company=company)
        for user, company in zip(holders, holder_companies, strict=True)
    )
    applications = Application.objects.bulk_create(
        Application(
            lot=lot,
            company=company,
            status=Application.Status.ADMITTED,
            participant_number=number,
            terms_accepted_at=now,
            decided_at=now,
        )
        for number, company in enumerate([*companies, *holder_companies], start=1)
    )
    Payment.objects.bulk_create(
        Payment(
            application=application,
            kind=Payment.Kind.GUARANTEE_DEPOSIT,
            amount=GUARANTEE_DEPOSIT,
            reference=f"BENCH-{run}-{application.pk}",
            status=Payment.Status.RECEIVED,
            received_at=now,
        )
        for application in applications
    )
    return lot, holders


def _user(username: str, **flags: bool) -> User:
    user = User(username=username, email=f"{username}@example.com", **flags)
    # No password hashing: the bench logs in by writing sessions, never by a form.
    user.set_unusable_password()
    user.save()
    return user


def _session(user: User) -> str:
    """Return the key of a server-side session logged in as the user (the sessionid cookie)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # As a login through the authenticator app's code records it.
    request = HttpRequest()
    request.session = session
    record_authentication(request, user, "mfa", type="totp")
    session.create()
    return str(session.session_key)


def end_lots_together(lot_ids: list[int], *, ends_at: datetime) -> None:
    """Move the lots' end to one moment and queue each close as the engine does when it
    sets a lot's end (`engine.schedule_close`: a task due at the end, in the broker)."""
    Lot.objects.filter(pk__in=lot_ids).update(ends_at=ends_at)
    for lot_id in lot_ids:
        engine.schedule_close(lot_id)
    connections.close_all()


@dataclass(frozen=True)
class ClosingProgress:
    """How far the closing of a set of lots got: counts, and the last of each write."""

    closed: int
    results: int
    licences: int
    last_result: datetime | None
    last_licence: datetime | None


def closing_progress(lot_ids: list[int]) -> ClosingProgress:
    """Return how many of the lots are closed with a Result, and have a licence offered."""
    results = Result.objects.filter(lot_id__in=lot_ids).aggregate(
        count=Count("pk"), last=Max("closed_at")
    )
    licences = Licence.objects.filter(lot_id__in=lot_ids).aggregate(
        count=Count("pk"), last=Max("created_at")
    )
    return ClosingProgress(
        closed=Lot.objects.filter(pk__in=lot_ids, status=Lot.Status.CLOSED).count(),
        results=results["count"],
        licences=licences["count"],
        last_result=results["last"],
        last_licence=licences["last"],
    )
