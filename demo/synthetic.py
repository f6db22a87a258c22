# ruff: noqa: RUF001 -- Russian and Kazakh names are meant to be in their own scripts.
"""A synthetic catalogue: thousands of deposits, their reserves and lots, for scale tests.

Nothing here is real data and nothing is committed: `generate_catalogue()` writes it
straight into the database in bulk, the same rows for the same seed, so the catalogue
pages, the API and the benchmark can be measured at the issue's scale (10,000 deposits,
50,000 reserves). Codes start with `gen-<seed>-`, apart from the demo's `KZ-...` codes.
"""

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from auctions.models import MAX_DEADLINE_TO_AUCTION, AuctionEvent, LicenceType, Lot
from core.money import CENT
from demo.catalogue import (
    BID_STEP_SHARE,
    DIRECTIONS,
    GEOLOGY,
    GUARANTEE_SHARE,
    HISTORY,
    KAZGEOLOGY,
    NATIONAL_GEOLOGICAL_SERVICE,
    NATIONAL_GEOLOGICAL_SERVICE_FROM,
    PARTICIPATION_FEE_SHARE,
    SURVEYS,
    TOWNS,
)
from deposits.models import LATITUDE_RANGE, LONGITUDE_RANGE, Deposit, Mineral, Region, Reserve

CODE_PREFIX = "gen-"
BATCH_SIZE = 1000
# One event holds at most this many lots: forty a day keeps the last auction well within
# two months of the event's application deadline.
LOTS_PER_EVENT = 1000
LOTS_PER_DAY = 40
LOT_SPACING = timedelta(minutes=15)
LOT_DURATION = timedelta(hours=1)
HARD_END_AFTER = timedelta(minutes=30)
FIRST_DEADLINE_IN_DAYS = 14
EVENT_SPACING = timedelta(days=30)
AUCTION_AFTER_DEADLINE = timedelta(days=7)
DEADLINE_TIME = time(18, 0)
FIRST_AUCTION_TIME = time(10, 0)
MCI = Decimal("4325")
SPEND_MCI_PER_KM2 = {
    LicenceType.EXPLORATION: Decimal("700"),
    LicenceType.PRODUCTION: Decimal("25000"),
}

# Kazakh place-name parts in English, Russian and Kazakh spelling: Kara + tobe is Karatobe,
# Каратобе, Қаратөбе.
NAME_STARTS: tuple[tuple[str, str, str], ...] = (
    ("Kara", "Кара", "Қара"),
    ("Ak", "Ак", "Ақ"),
    ("Kok", "Кок", "Көк"),
    ("Sary", "Сары", "Сары"),
    ("Kyzyl", "Кызыл", "Қызыл"),
    ("Zhana", "Жана", "Жаңа"),
    ("Ulken", "Улькен", "Үлкен"),
    ("Kishi", "Киши", "Кіші"),
    ("Tas", "Тас", "Тас"),
    ("Bes", "Бес", "Бес"),
    ("Sholak", "Шолак", "Шолақ"),
    ("Kos", "Кос", "Қос"),
    ("Altyn", "Алтын", "Алтын"),
    ("Temir", "Темир", "Темір"),
)
NAME_ENDS: tuple[tuple[str, str, str], ...] = (
    ("tau", "тау", "тау"),
    ("tobe", "тобе", "төбе"),
    ("su", "су", "су"),
    ("kol", "коль", "көл"),
    ("bulak", "булак", "бұлақ"),
    ("sai", "сай", "сай"),
    ("oba", "оба", "оба"),
    ("shoky", "шокы", "шоқы"),
    ("adyr", "адыр", "адыр"),
    ("kuduk", "кудук", "құдық"),
    ("zhal", "жал", "жал"),
    ("kum", "кум", "құм"),
)
NAME_QUALIFIERS: tuple[tuple[str, str, str], ...] = (
    ("North {}", "Северный {}", "Солтүстік {}"),
    ("South {}", "Южный {}", "Оңтүстік {}"),
    ("East {}", "Восточный {}", "Шығыс {}"),
    ("West {}", "Западный {}", "Батыс {}"),
    ("Central {}", "Центральный {}", "Орталық {}"),
    ("{} II", "{} II", "{} II"),
    ("{} III", "{} III", "{} III"),
)

# Rough centres of the standard regions, so a deposit lies about where its region is.
REGION_CENTRES: dict[str, tuple[float, float]] = {
    "abai": (48.6, 79.8),
    "akmola": (51.9, 69.5),
    "aktobe": (48.5, 58.5),
    "almaty-region": (44.2, 77.5),
    "atyrau": (47.2, 52.5),
    "east-kazakhstan": (49.6, 83.5),
    "jambyl": (44.0, 72.0),
    "jetisu": (45.5, 79.0),
    "karaganda": (48.5, 74.0),
    "kostanay": (51.5, 63.5),
    "kyzylorda": (45.0, 64.0),
    "mangystau": (44.2, 53.5),
    "north-kazakhstan": (54.0, 69.5),
    "pavlodar": (52.0, 76.5),
    "turkistan": (42.8, 68.5),
    "ulytau": (47.5, 67.0),
    "west-kazakhstan": (50.5, 51.0),
    "astana": (51.17, 71.45),
    "almaty": (43.24, 76.9),
    "shymkent": (42.32, 69.6),
}

BALANCE_ORDER = (
    Reserve.Category.C1,
    Reserve.Category.C2,
    Reserve.Category.B,
    Reserve.Category.A,
)
CRIRSCO_ORDER = (
    Reserve.Category.INDICATED,
    Reserve.Category.INFERRED,
    Reserve.Category.MEASURED,
    Reserve.Category.PROBABLE,
    Reserve.Category.PROVEN,
)
ALL_CATEGORIES = tuple(Reserve.Category.values)
# Share of deposits whose reserves were reported under KAZRC rather than the state balance;
# the others' history is one of the Soviet-era ones.
KAZRC_SHARE = 0.15
BALANCE_HISTORIES = ("gkz", "tkz", "prospecting")


@dataclass(frozen=True)
class Ore:
    """How one mineral's reserves are stated: unit, quantity range, grade range and unit."""

    unit: str
    quantity: tuple[float, float]
    grade: tuple[float, float] | None = None
    grade_unit: str = ""


T, KG = Reserve.Unit.TONNE, Reserve.Unit.KILOGRAM
PCT, GPT = Reserve.GradeUnit.PERCENT, Reserve.GradeUnit.GRAMS_PER_TONNE
ORE_BY_GROUP: dict[str, Ore] = {
    Mineral.Group.RARE_EARTH: Ore(T, (500, 800_000), (0.01, 2.5), PCT),
    Mineral.Group.RARE_METAL: Ore(T, (100, 150_000), (0.01, 1.8), PCT),
    Mineral.Group.PRECIOUS: Ore(KG, (300, 250_000), (0.5, 12.0), GPT),
    Mineral.Group.BASE_METAL: Ore(T, (5_000, 3_000_000), (0.3, 8.0), PCT),
    Mineral.Group.ENERGY: Ore(T, (1_000_000, 900_000_000)),
    Mineral.Group.OTHER: Ore(T, (1_000_000, 500_000_000), (15.0, 60.0), PCT),
}
ORE_BY_CODE: dict[str, Ore] = {
    "silver": Ore(T, (10, 5_000), (20.0, 400.0), GPT),
}
# An unknown mineral (added by staff, not in the standard list): tonnes, no grade.
PLAIN_ORE = Ore(T, (1_000, 1_000_000))


@dataclass(frozen=True)
class CatalogueSummary:
    """What one generation wrote."""

    seed: int
    deposits: int
    reserves: int
    events: int
    lots: int


def generated_prefix(seed: int) -> str:
    """Return the code prefix of the rows generated with `seed`."""
    return f"{CODE_PREFIX}{seed}-"


def generate_catalogue(
    *,
    deposits: int,
    reserves_per_deposit: int = 5,
    lots: int | None = None,
    seed: int = 0,
    now: datetime | None = None,
) -> CatalogueSummary:
    """Create `deposits` synthetic deposits with their reserves and published lots, in bulk.

    The same seed gives the same rows (schedules move with `now`). `lots` defaults to 30% of
    the deposits. The deposits lie in the database's regions and hold its minerals (the
    reference rows migrate adds, and any staff added). Raises ValueError for impossible
    sizes, a seed already generated, or a database without regions or minerals.
    """
    lots = deposits * 3 // 10 if lots is None else lots
    if deposits < 0 or reserves_per_deposit < 0 or not 0 <= lots <= deposits:
        raise ValueError("Counts cannot be negative, and a deposit is offered in one lot at most.")
    prefix = generated_prefix(seed)
    if Deposit.objects.filter(code__startswith=prefix).exists():
        raise ValueError(f"A catalogue with seed {seed} already exists; remove it first.")
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
    now = now or timezone.now()
    with transaction.atomic():
        regions = list(Region.objects.order_by("code"))
        minerals = list(Mineral.objects.order_by("code"))
        if not (regions and minerals):
            raise ValueError("There are no regions or no minerals: run migrate first.")
        if reserves_per_deposit > len(minerals) * len(ALL_CATEGORIES):
            raise ValueError("More reserves per deposit than (mineral, category) pairs.")
        histories = [
            "kazrc" if rng.random() < KAZRC_SHARE else rng.choice(BALANCE_HISTORIES)
            for _ in range(deposits)
        ]
        created = Deposit.objects.bulk_create(
            (
                _deposit(rng, prefix, number, regions, history)
                for number, history in enumerate(histories, start=1)
            ),
            batch_size=BATCH_SIZE,
        )
        reserve_count = 0
        for batch in _batches(
            _reserves(rng, deposit, minerals, reserves_per_deposit, history)
            for deposit, history in zip(created, histories, strict=True)
        ):
            Reserve.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            reserve_count += len(batch)
        offered = sorted(rng.sample(range(len(created)), lots))
        events = _events(prefix, seed, math.ceil(lots / LOTS_PER_EVENT))
        deadlines = _deadlines(len(events), now)
        Lot.objects.bulk_create(
            (
                _lot(
                    rng,
                    created[index],
                    events[position // LOTS_PER_EVENT],
                    deadlines[position // LOTS_PER_EVENT],
                    position % LOTS_PER_EVENT + 1,
                )
                for position, index in enumerate(offered)
            ),
            batch_size=BATCH_SIZE,
        )
        Deposit.objects.filter(pk__in=[created[index].pk for index in offered]).update(
            status=Deposit.Status.OFFERED
        )
    return CatalogueSummary(
        seed=seed,
        deposits=len(created),
        reserves=reserve_count,
        events=len(events),
        lots=lots,
    )


def remove_catalogue(*, seed: int) -> int:
    """Delete the lots, events and deposits (with reserves) generated with `seed`; count them."""
    prefix = generated_prefix(seed)
    with transaction.atomic():
        lots, _ = Lot.objects.filter(event__code__startswith=prefix).delete()
        events, _ = AuctionEvent.objects.filter(code__startswith=prefix).delete()
        deposits, _ = Deposit.objects.filter(code__startswith=prefix).delete()
    return lots + events + deposits


def _batches(rows: Iterator[list[Reserve]]) -> Iterator[list[Reserve]]:
    """Group per-deposit reserve lists into batches of about BATCH_SIZE rows."""
    batch: list[Reserve] = []
    for group in rows:
        batch.extend(group)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _coordinate(value: float, bounds: tuple[Decimal, Decimal]) -> Decimal:
    """Return value as a 5-decimal coordinate, kept inside bounds."""
    low, high = bounds
    return min(max(Decimal(f"{value:.5f}"), low), high)


def _deposit(
    rng: random.Random, prefix: str, number: int, regions: Sequence[Region], history: str
) -> Deposit:
    """Build (not save) one deposit with names, texts and a centre inside its region."""
    region = rng.choice(regions)
    start, end = rng.choice(NAME_STARTS), rng.choice(NAME_ENDS)
    names = [first + last for first, last in zip(start, end, strict=True)]
    if rng.random() < 0.35:
        qualifier = rng.choice(NAME_QUALIFIERS)
        names = [pattern.format(name) for pattern, name in zip(qualifier, names, strict=True)]
    en, ru, kk = names
    spread = 0.15 if region.kind == Region.Kind.CITY else 1.3
    centre_lat, centre_lon = REGION_CENTRES.get(region.code, (48.0, 67.0))
    area = Decimal(f"{rng.uniform(0.5, 300.0):.3f}")
    town_en, town_ru = rng.choice(list(TOWNS.values()))
    direction_en, direction_ru = rng.choice(list(DIRECTIONS.values()))
    geology_en, geology_ru = rng.choice(list(GEOLOGY.values()))
    km = rng.randint(5, 180)
    found = rng.randint(1948, 1985)
    # Balance reserves date from Soviet surveys; KAZRC reports from recent re-examinations.
    last = rng.randint(2008, 2024) if history == "kazrc" else rng.randint(found + 2, 1991)
    history_en, history_ru, _source = HISTORY[history]
    org, org_ru = rng.choice(list(SURVEYS.values()))
    modern, modern_ru = (
        NATIONAL_GEOLOGICAL_SERVICE if last >= NATIONAL_GEOLOGICAL_SERVICE_FROM else KAZGEOLOGY
    )
    words = {
        "found": found,
        "last": last,
        "org": org,
        "org_ru": org_ru,
        "modern": modern,
        "modern_ru": modern_ru,
    }
    description_en = f"Lies {km} km {direction_en} of {town_en}. {geology_en}"
    description_ru = f"Находится в {km} км {direction_ru} от {town_ru}. {geology_ru}"
    history = history_en.format(**words)
    return Deposit(
        code=f"{prefix}{number:05d}",
        name=en,
        name_en=en,
        name_ru=ru,
        name_kk=kk,
        region=region,
        latitude=_coordinate(centre_lat + rng.uniform(-spread, spread), LATITUDE_RANGE),
        longitude=_coordinate(centre_lon + rng.uniform(-spread, spread) * 1.5, LONGITUDE_RANGE),
        area_km2=area,
        # A licensing block is about 2 km² (one minute of latitude by one of longitude).
        licensing_blocks=max(1, round(area / 2)),
        description=description_en,
        description_en=description_en,
        description_ru=description_ru,
        exploration_history=history,
        exploration_history_en=history,
        exploration_history_ru=history_ru.format(**words),
        last_surveyed_year=last,
        status=Deposit.Status.AVAILABLE,
    )


def _reserves(
    rng: random.Random,
    deposit: Deposit,
    minerals: Sequence[Mineral],
    count: int,
    history: str,
) -> list[Reserve]:
    """Build `count` reserves of one deposit, each (mineral, category) pair once."""
    primary = rng.choice(minerals)
    # Ores come together: the deposit's other minerals are mostly of the primary's group.
    kin = [m for m in minerals if m.group == primary.group and m != primary]
    others = [m for m in minerals if m.group != primary.group]
    rng.shuffle(kin)
    rng.shuffle(others)
    order = CRIRSCO_ORDER if history == "kazrc" else BALANCE_ORDER
    pairs: list[tuple[Mineral, str]] = []
    for mineral in [primary, *kin, *others]:
        taken = rng.randint(1, min(3, len(order)))
        pairs.extend((mineral, category) for category in order[:taken])
        if len(pairs) >= count:
            break
    if len(pairs) < count:
        # Too few minerals for the count: fill with every remaining pair, in a fixed order.
        seen = {(mineral.pk, category) for mineral, category in pairs}
        pairs.extend(
            (mineral, category)
            for mineral in minerals
            for category in ALL_CATEGORIES
            if (mineral.pk, category) not in seen
        )
    year = deposit.last_surveyed_year or 1990
    estimated_on = date(year, rng.randint(1, 12), rng.randint(1, 28))
    source = HISTORY[history][2].format(year=year, org=rng.choice(list(SURVEYS.values()))[0])
    return [
        _reserve(rng, deposit, mineral, category, estimated_on, source)
        for mineral, category in pairs[:count]
    ]


def _reserve(
    rng: random.Random,
    deposit: Deposit,
    mineral: Mineral,
    category: str,
    estimated_on: date,
    source: str,
) -> Reserve:
    """Build (not save) one reserve with a unit and grade that suit the mineral."""
    ore = ORE_BY_CODE.get(mineral.code) or ORE_BY_GROUP.get(mineral.group, PLAIN_ORE)
    low, high = ore.quantity
    # Quantities spread over orders of magnitude, as real reserves do.
    quantity = Decimal(f"{math.exp(rng.uniform(math.log(low), math.log(high))):.3f}")
    grade = None if ore.grade is None else Decimal(f"{rng.uniform(*ore.grade):.4f}")
    return Reserve(
        deposit=deposit,
        mineral=mineral,
        category=category,
        quantity=quantity,
        unit=ore.unit,
        grade=grade,
        grade_unit=ore.grade_unit if grade is not None else "",
        estimated_on=estimated_on,
        source=source,
    )


def _events(prefix: str, seed: int, count: int) -> list[AuctionEvent]:
    """Create `count` events of the generated catalogue."""
    return AuctionEvent.objects.bulk_create(
        AuctionEvent(
            code=f"{prefix}{number}",
            name=f"Generated auction {seed}-{number}",
            name_en=f"Generated auction {seed}-{number}",
            name_ru=f"Сгенерированный аукцион {seed}-{number}",
            name_kk=f"Генерацияланған аукцион {seed}-{number}",
            kzt_per_usd=Decimal("505.0000"),
        )
        for number in range(1, count + 1)
    )


def _deadlines(count: int, now: datetime) -> list[datetime]:
    """Return each event's application deadline: 18:00 Astana time, a month apart."""
    astana = timezone.get_default_timezone()
    first_day = timezone.localdate(now, astana) + timedelta(days=FIRST_DEADLINE_IN_DAYS)
    first = datetime.combine(first_day, DEADLINE_TIME, tzinfo=astana)
    return [first + index * EVENT_SPACING for index in range(count)]


def _lot(
    rng: random.Random, deposit: Deposit, event: AuctionEvent, deadline: datetime, number: int
) -> Lot:
    """Build (not save) published lot `number` of the deposit in its event's schedule."""
    day, slot = divmod(number - 1, LOTS_PER_DAY)
    astana = timezone.get_default_timezone()
    auction_day = (deadline + AUCTION_AFTER_DEADLINE + timedelta(days=day)).date()
    starts_at = datetime.combine(auction_day, FIRST_AUCTION_TIME, tzinfo=astana)
    starts_at += slot * LOT_SPACING
    if starts_at - deadline > MAX_DEADLINE_TO_AUCTION:
        raise ValueError("The lot schedule runs past two months after the deadline.")
    licence_type = rng.choice([LicenceType.EXPLORATION, LicenceType.PRODUCTION])
    term = 6 if licence_type == LicenceType.EXPLORATION else rng.choice([10, 15, 20, 25])
    price = Decimal(rng.randint(20, 20_000)) * 1_000_000
    area = deposit.area_km2 or Decimal("10.000")
    step = (price * BID_STEP_SHARE[licence_type]).quantize(Decimal(100_000), rounding=ROUND_DOWN)
    return Lot(
        event=event,
        number=number,
        deposit=deposit,
        licence_type=licence_type,
        licence_term_years=term,
        area_km2=area,
        licensing_blocks=deposit.licensing_blocks,
        min_annual_work_expenditure=(area * SPEND_MCI_PER_KM2[licence_type] * MCI).quantize(CENT),
        starting_price=price.quantize(CENT),
        bid_step=max(step, Decimal(100_000)).quantize(CENT),
        participation_fee=(price * PARTICIPATION_FEE_SHARE).quantize(CENT),
        guarantee_deposit=(price * GUARANTEE_SHARE[licence_type]).quantize(CENT),
        application_deadline=deadline,
        starts_at=starts_at,
        ends_at=starts_at + LOT_DURATION,
        hard_end=starts_at + LOT_DURATION + HARD_END_AFTER,
        status=Lot.Status.PUBLISHED,
    )
