from datetime import date
from decimal import Decimal

import factory

from deposits.models import Deposit, Mineral, Region, Reserve


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    kind = Region.Kind.OBLAST


class MineralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mineral
        django_get_or_create = ["code"]

    code = "gold"
    symbol = "Au"
    name = "Gold"
    group = Mineral.Group.PRECIOUS


class DepositFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deposit

    code = factory.Sequence(lambda n: f"KZ-DEP-{n:05d}")
    name = factory.Sequence(lambda n: f"Deposit {n}")
    region = factory.SubFactory(RegionFactory)
    latitude = Decimal("49.80000")
    longitude = Decimal("73.10000")
    area_km2 = Decimal("12.500")


class ReserveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reserve

    deposit = factory.SubFactory(DepositFactory)
    mineral = factory.SubFactory(MineralFactory)
    category = Reserve.Category.C1
    quantity = Decimal("12000.000")
    unit = Reserve.Unit.KILOGRAM
    grade = Decimal("4.2000")
    grade_unit = Reserve.GradeUnit.GRAMS_PER_TONNE
    estimated_on = date(1988, 6, 1)
    source = "State balance of mineral reserves, 1988"
