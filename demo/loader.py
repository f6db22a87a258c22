"""Load the demo: its catalogue, people and live lot, into the reference regions and minerals.

`load_demo()` is idempotent: it refreshes descriptive fields but never moves the schedule
of a lot that already exists, never resets a password and never decides on a company twice.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone, translation

from auctions.models import Application, AuctionEvent, BankDetails, Lot, Payment
from auctions.services import payment_reference, publish_lot, required_payments
from bidders.models import BeneficialOwner, Company, CompanyDocument, Representative
from bidders.services import add_representative, approve_company, upload_document
from core.roles import setup_roles
from core.second_factor import enrol_authenticator_app
from demo.catalogue import (
    DIRECTIONS,
    EVENT_CODE,
    EVENT_DESCRIPTION,
    EVENT_NAME,
    GEOLOGY,
    HARD_END_AFTER,
    HISTORY,
    KAZGEOLOGY,
    KZT_PER_USD,
    LIVE_EVENT_CODE,
    LIVE_EVENT_DESCRIPTION,
    LIVE_EVENT_NAME,
    LIVE_FOR,
    LIVE_LOT,
    LIVE_LOT_NUMBER,
    LIVE_PARTICIPANTS,
    LOTS,
    NATIONAL_GEOLOGICAL_SERVICE,
    NATIONAL_GEOLOGICAL_SERVICE_FROM,
    REGION_SURVEY,
    SOFT_CLOSE_WINDOW,
    SURVEYS,
    TOWNS,
    LotRow,
    lot_schedule,
    lot_terms,
)
from demo.dataroom import add_shapes_and_papers
from demo.people import (
    COMPANIES,
    DEMO_PASSWORD,
    DEMO_PDF,
    DEMO_TOTP_SECRET,
    STAFF,
    CompanyRow,
)
from deposits.models import Deposit, Mineral, Region, Reserve
from licensing.models import Licence

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class Login:
    """What a person types to log in: staff use the admin's username, bidders their email."""

    login: str
    role: str
    company: str = ""


@dataclass(frozen=True)
class DemoSummary:
    event_code: str
    event_name: str
    counts: dict[str, int]
    new_lots: int
    first_deadline: datetime
    first_auction: datetime
    logins: tuple[Login, ...]
    live_lot_id: int
    live_lot_ends: datetime
    password: str = DEMO_PASSWORD
    totp_secret: str = DEMO_TOTP_SECRET


def _upsert(
    model: type[ModelT], lookup: Mapping[str, object], values: Mapping[str, object]
) -> ModelT:
    """Create or update the row matching lookup with values, validating it before saving."""
    instance = model._default_manager.filter(**lookup).first() or model(**lookup)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def _translated(field: str, **texts: str) -> dict[str, str]:
    """Return the base field (English) and its per-language fields, e.g. name_ru."""
    return {field: texts["en"], **{f"{field}_{lang}": text for lang, text in texts.items()}}


class ReferenceDataMissing(Exception):
    """The regions or minerals the demo names are not in the database: migrate first."""


def _reference_rows() -> tuple[dict[str, Region], dict[str, Mineral]]:
    """Return the regions and minerals the demo's deposits name, by code.

    They are reference data every database gets from deposits' migrations; the demo
    never writes them. Raises ReferenceDataMissing naming any code that is absent.
    """
    rows = (*LOTS, LIVE_LOT)
    region_codes = {row.region for row in rows}
    mineral_codes = {reserve.mineral for row in rows for reserve in row.reserves}
    regions = Region.objects.in_bulk(region_codes, field_name="code")
    minerals = Mineral.objects.in_bulk(mineral_codes, field_name="code")
    missing = sorted(region_codes - regions.keys()) + sorted(mineral_codes - minerals.keys())
    if missing:
        raise ReferenceDataMissing(
            "The demo's deposits lie in Kazakhstan's regions and hold its minerals, which "
            "`manage.py migrate` adds to every database; missing here: "
            + ", ".join(missing)
            + ". Run migrate, then load again."
        )
    return regions, minerals


def _deposit_texts(row: LotRow) -> dict[str, str]:
    """Build a deposit's description and exploration history in English and Russian."""
    town_en, town_ru = TOWNS[row.near[0]]
    direction_en, direction_ru = DIRECTIONS[row.near[2]]
    km = row.near[1]
    geology_en, geology_ru = GEOLOGY[row.geology]
    kind, found, last = row.history
    org, org_ru = SURVEYS[REGION_SURVEY[row.region]]
    modern, modern_ru = (
        NATIONAL_GEOLOGICAL_SERVICE if last >= NATIONAL_GEOLOGICAL_SERVICE_FROM else KAZGEOLOGY
    )
    history_en, history_ru, _source = HISTORY[kind]
    words = {
        "found": found,
        "last": last,
        "org": org,
        "org_ru": org_ru,
        "modern": modern,
        "modern_ru": modern_ru,
    }
    return {
        **_translated(
            "description",
            en=f"Lies {km} km {direction_en} of {town_en}. {geology_en}",
            ru=f"Находится в {km} км {direction_ru} от {town_ru}. {geology_ru}",
        ),
        **_translated(
            "exploration_history", en=history_en.format(**words), ru=history_ru.format(**words)
        ),
    }


def _reserve_source(row: LotRow, estimated_on: date) -> str:
    """Name the document a deposit's reserves come from."""
    org = SURVEYS[REGION_SURVEY[row.region]][0]
    return HISTORY[row.history[0]][2].format(year=estimated_on.year, org=org)


def _load_deposit(row: LotRow, regions: dict[str, Region], minerals: dict[str, Mineral]) -> Deposit:
    """Create or refresh one deposit and its reserves; its status is left to the services."""
    area, blocks = row.area
    en, ru, kk = row.names
    deposit = _upsert(
        Deposit,
        {"code": row.code},
        {
            "region": regions[row.region],
            "latitude": Decimal(row.at[0]),
            "longitude": Decimal(row.at[1]),
            "area_km2": Decimal(area),
            "licensing_blocks": blocks,
            "last_surveyed_year": row.history[2],
            **_translated("name", en=en, ru=ru, kk=kk),
            **_deposit_texts(row),
        },
    )
    estimated_on = date.fromisoformat(row.estimated_on)
    source = _reserve_source(row, estimated_on)
    for reserve in row.reserves:
        mineral = minerals[reserve.mineral]
        grade_unit = ""
        if reserve.grade is not None:
            precious = mineral.group == Mineral.Group.PRECIOUS
            grade_unit = (
                Reserve.GradeUnit.GRAMS_PER_TONNE if precious else Reserve.GradeUnit.PERCENT
            )
        _upsert(
            Reserve,
            {"deposit": deposit, "mineral": mineral, "category": reserve.category},
            {
                "quantity": Decimal(reserve.quantity),
                "unit": reserve.unit,
                "grade": None if reserve.grade is None else Decimal(reserve.grade),
                "grade_unit": grade_unit,
                "estimated_on": estimated_on,
                "source": source,
            },
        )
    return deposit


def _load_lot(
    number: int, row: LotRow, event: AuctionEvent, deposit: Deposit, now: datetime
) -> bool:
    """Create and publish lot `number` unless it exists; return whether it was created.

    An existing lot is left alone: it may be live or closed, and its schedule is promised.
    """
    if Lot.objects.filter(event=event, number=number).exists():
        return False
    licence_type, term = row.licence
    area, blocks = row.area
    lot = _upsert(
        Lot,
        {"event": event, "number": number},
        {
            "deposit": deposit,
            "licence_type": licence_type,
            "licence_term_years": term,
            "area_km2": Decimal(area),
            "licensing_blocks": blocks,
            **lot_terms(row)._asdict(),
            **lot_schedule(number, now)._asdict(),
            "soft_close_window": SOFT_CLOSE_WINDOW,
            "status": Lot.Status.DRAFT,
        },
    )
    publish_lot(lot_id=lot.pk)
    return True


def _load_user(username: str, first_name: str, last_name: str, email: str, **flags: bool) -> User:
    """Create or refresh a user; only a new user gets the demo password.

    Raises DemoRefused when someone else's account holds the username: a visitor who
    signed up as head@… on a demo site must not become staff when the demo is reloaded.
    """
    user_model = get_user_model()
    user = user_model._default_manager.filter(username=username).first()
    if user is not None and user.email.lower() != email.lower():
        raise DemoRefused(
            f"The demo's login {username!r} belongs to another account ({user.email}); the "
            "demo does not take it over. Rename that account's username, then load again."
        )
    if user is None:
        user = user_model(username=username)
        user.set_password(DEMO_PASSWORD)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    for flag, value in flags.items():
        setattr(user, flag, value)
    user.full_clean()
    user.save()
    return user


def _load_company(row: CompanyRow, decided_by: User) -> Company:
    """Create or refresh a bidder with its owners and representative; approve it if pending."""
    company = _upsert(
        Company,
        {"country": row.country, "registration_number": row.registration_number},
        {
            "legal_name": row.legal_name,
            "tax_number": row.tax_number,
            "address": row.address,
            "contact_name": f"{row.first_name} {row.last_name}",
            "contact_email": row.contact_email,
            "contact_phone": row.contact_phone,
        },
    )
    for owner in row.owners:
        _upsert(
            BeneficialOwner,
            {"company": company, "country": owner.country, "identifier": owner.identifier},
            {"full_name": owner.full_name, "share_percent": Decimal(owner.share_percent)},
        )
    user = _load_user(row.username, row.first_name, row.last_name, row.contact_email)
    # The demo addresses are confirmed already: nobody can open their mailboxes.
    EmailAddress.objects.update_or_create(
        user=user, email=row.contact_email, defaults={"verified": True, "primary": True}
    )
    if not Representative.objects.filter(user=user).update(company=company, position=row.position):
        add_representative(user=user, company=company, position=row.position)
    present = set(company.documents.values_list("kind", flat=True))
    if company.is_editable_by_bidder:
        for kind in CompanyDocument.Kind:
            if kind not in present:
                upload_document(
                    user=user,
                    company_id=company.pk,
                    kind=kind,
                    upload=SimpleUploadedFile(f"{kind.value}.pdf", DEMO_PDF),
                )
    # Only a pending company is approved: a staff decision taken since (a rejection or a
    # suspension) stands, and an approved company gets no second decision.
    if company.status == Company.Status.PENDING:
        company = approve_company(company_id=company.pk, decided_by=decided_by)
    return company


def _load_live_lot(
    now: datetime,
    regions: dict[str, Region],
    minerals: dict[str, Mineral],
    companies: list[Company],
    decided_by: User,
) -> Lot:
    """Return the demonstration lot, written live now unless one is still open.

    It is written as if its application phase had passed (admitted participants, deposits
    received): a demo cannot wait for a real deadline. Bids still go through the engine.
    """
    event = _upsert(
        AuctionEvent,
        {"code": LIVE_EVENT_CODE},
        {
            "kzt_per_usd": KZT_PER_USD,
            **_translated("name", **LIVE_EVENT_NAME),
            **_translated("description", **LIVE_EVENT_DESCRIPTION),
        },
    )
    deposit = _load_deposit(LIVE_LOT, regions, minerals)
    open_lot = deposit.lots.filter(status__in=Lot.OPEN_STATUSES).first()
    if open_lot is not None:
        return open_lot
    # Won and awaiting its bonus: the deposit is promised until the licence is paid or
    # forfeited, so no new lot (publish_lot refuses the same).
    if deposit.licences.filter(status=Licence.Status.AWAITING_PAYMENT).exists():
        return deposit.lots.latest("starts_at")
    licence_type, term = LIVE_LOT.licence
    area, blocks = LIVE_LOT.area
    number = (event.lots.aggregate(n=Max("number"))["n"] or 0) + LIVE_LOT_NUMBER
    started = now - timedelta(minutes=1)
    lot = Lot.objects.create(
        event=event,
        number=number,
        deposit=deposit,
        licence_type=licence_type,
        licence_term_years=term,
        area_km2=Decimal(area),
        licensing_blocks=blocks,
        **lot_terms(LIVE_LOT)._asdict(),
        application_deadline=started - timedelta(days=1),
        starts_at=started,
        ends_at=started + LIVE_FOR,
        hard_end=started + LIVE_FOR + HARD_END_AFTER,
        soft_close_window=SOFT_CLOSE_WINDOW,
        status=Lot.Status.LIVE,
    )
    Deposit.objects.filter(pk=deposit.pk).update(status=Deposit.Status.OFFERED)
    for number, company in enumerate(companies[:LIVE_PARTICIPANTS], start=1):
        application = Application.objects.create(
            lot=lot,
            company=company,
            status=Application.Status.ADMITTED,
            participant_number=number,
            terms_accepted_at=started - timedelta(days=3),
            decided_at=started - timedelta(hours=20),
            decided_by=decided_by,
        )
        Payment.objects.bulk_create(
            Payment(
                application=application,
                kind=kind,
                amount=amount,
                reference=payment_reference(application, kind),
                status=Payment.Status.RECEIVED,
                amount_received=amount,
                value_date=timezone.localdate(started - timedelta(days=2)),
                bank_reference=f"DEMO-{application.pk:06d}-{kind[:3].upper()}",
                received_at=started - timedelta(days=2),
                recorded_by=decided_by,
            )
            for kind, amount in required_payments(lot).items()
        )
    return lot


# The account bidders are shown in the demo: plausible (a valid IBAN, the Treasury's BIC,
# real-looking codes) so the pages and invoices read as they will, and named a demo so
# nobody mistakes it for the ministry's real account.
DEMO_BANK_DETAILS = {
    "beneficiary": "Ministry of Industry and Construction of the Republic of Kazakhstan "
    "(DEMO ACCOUNT, do not pay)",
    "bin": "990740000001",
    "bank_name": "Committee of the Treasury of the Ministry of Finance (demo)",
    "iban": "KZ57070105KZT0001234",
    "bic": "KKMFKZ2A",
    "kbe": "11",
    "knp_participation_fee": "859",
    "knp_guarantee_deposit": "171",
    "knp_signature_bonus": "911",
}


class DemoRefused(Exception):
    """The demo's logins, whose password is published, must not enter this database."""


def _data_not_from_the_demo() -> list[str]:
    """Describe what the database holds, unless it is empty or the demo was loaded into it.

    The live demonstration event marks a demo database: only this loader writes it. Its
    data grows there as people try the demo, and a rerun must still refresh it.
    """
    if AuctionEvent.objects.filter(code=LIVE_EVENT_CODE).exists():
        return []
    usernames = list(
        get_user_model()._default_manager.order_by("pk").values_list("username", flat=True)
    )
    held = []
    if usernames:
        shown = ", ".join(usernames[:5]) + (", …" if len(usernames) > 5 else "")
        held.append(f"{len(usernames)} user account(s) ({shown})")
    for model, name in [
        (Company, "company(ies)"),
        (AuctionEvent, "auction event(s)"),
        (Lot, "lot(s)"),
        (Deposit, "deposit(s)"),
    ]:
        count = model._default_manager.count()
        if count:
            held.append(f"{count} {name}")
    return held


def load_demo(now: datetime | None = None, *, force: bool = False) -> DemoSummary:
    """Load or refresh the demo data in one transaction; safe to run again.

    `now` anchors the schedule of lots created by this run (default: the current time).
    Raises DemoRefused, unless `force`, when the database is neither empty nor one
    the demo was loaded into: the demo adds staff logins whose password is published.
    Raises ReferenceDataMissing when the database lacks the regions or minerals it names.
    """
    now = now or timezone.now()
    with transaction.atomic(), translation.override("en"):
        held = [] if force else _data_not_from_the_demo()
        if held:
            raise DemoRefused(
                "This database is not a demo one: it holds "
                + "; ".join(held)
                + ". The demo would add the staff logins 'admin', 'clerk', 'head' and "
                f"'auditor' with the published password {DEMO_PASSWORD}, so it is loaded only "
                "into an empty database or one it was loaded into before. If this database "
                "really is a throwaway, run load_demo --force."
            )
        regions, minerals = _reference_rows()
        event = _upsert(
            AuctionEvent,
            {"code": EVENT_CODE},
            {
                "kzt_per_usd": KZT_PER_USD,
                **_translated("name", **EVENT_NAME),
                **_translated("description", **EVENT_DESCRIPTION),
            },
        )
        new_lots = 0
        for number, lot_row in enumerate(LOTS, start=1):
            deposit = _load_deposit(lot_row, regions, minerals)
            if _load_lot(number, lot_row, event, deposit, now):
                new_lots += 1

        roles = setup_roles()
        staff = {
            row.username: _load_user(
                row.username,
                row.first_name,
                row.last_name,
                row.email,
                is_staff=True,
                is_superuser=row.is_superuser,
            )
            for row in STAFF
        }
        for row in STAFF:
            if row.group:
                staff[row.username].groups.add(roles[row.group])
        companies = [_load_company(row, decided_by=staff["admin"]) for row in COMPANIES]
        bidders = get_user_model()._default_manager.filter(
            username__in=[row.username for row in COMPANIES]
        )
        for user in [*staff.values(), *bidders]:
            enrol_authenticator_app(user=user, secret=DEMO_TOTP_SECRET)
        live_lot = _load_live_lot(now, regions, minerals, companies, decided_by=staff["admin"])
        _upsert(BankDetails, {"pk": BankDetails.SINGLETON_ID}, DEMO_BANK_DETAILS)
        # A few deposits drawn as shapes, their lots with a licence area and a data room.
        add_shapes_and_papers(uploaded_by=staff["admin"])

        lots = event.lots.all()
        return DemoSummary(
            event_code=event.code,
            event_name=event.name,
            counts={
                "regions": len(regions),
                "minerals": len(minerals),
                "deposits": Deposit.objects.filter(code__in=[r.code for r in LOTS]).count(),
                "reserves": Reserve.objects.filter(
                    deposit__code__in=[r.code for r in LOTS]
                ).count(),
                "lots": lots.count(),
                "companies": len(companies),
            },
            new_lots=new_lots,
            first_deadline=lots.earliest("application_deadline").application_deadline,
            first_auction=lots.earliest("starts_at").starts_at,
            live_lot_id=live_lot.pk,
            live_lot_ends=live_lot.ends_at,
            logins=(
                *(Login(row.username, row.role) for row in STAFF),
                *(
                    Login(
                        row.contact_email,
                        "Bidder",
                        # django-countries' stubs leave the field a str; it is a Country.
                        f"{company.legal_name} ({company.country.code})",  # type: ignore[attr-defined]
                    )
                    for row, company in zip(COMPANIES, companies, strict=True)
                ),
            ),
        )
