from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from auctions.models import Application, AuctionEvent, LicenceType, Lot, Payment
from bidders.tests.factories import CompanyFactory
from deposits.tests.factories import DepositFactory


class AuctionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuctionEvent

    code = factory.Sequence(lambda n: f"event-{n}")
    name = factory.Sequence(lambda n: f"Solid minerals auction {n}")
    kzt_per_usd = Decimal("505.0000")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    event = factory.SubFactory(AuctionEventFactory)
    number = factory.Sequence(lambda n: n + 1)
    deposit = factory.SubFactory(DepositFactory)
    licence_type = LicenceType.EXPLORATION
    licence_term_years = 6
    area_km2 = Decimal("12.500")
    licensing_blocks = 5
    min_annual_work_expenditure = Decimal("25000000.00")
    starting_price = Decimal("100000000.00")
    bid_step = Decimal("5000000.00")
    participation_fee = Decimal("1000000.00")
    guarantee_deposit = Decimal("10000000.00")
    application_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    starts_at = factory.LazyAttribute(lambda lot: lot.application_deadline + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda lot: lot.starts_at + timedelta(hours=1))
    hard_end = factory.LazyAttribute(lambda lot: lot.ends_at + timedelta(minutes=30))
    status = Lot.Status.PUBLISHED


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    lot = factory.SubFactory(LotFactory)
    company = factory.SubFactory(CompanyFactory)
    terms_accepted_at = factory.LazyFunction(timezone.now)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    application = factory.SubFactory(ApplicationFactory)
    kind = Payment.Kind.GUARANTEE_DEPOSIT
    amount = Decimal("10000000.00")
    reference = factory.Sequence(lambda n: f"NDR-{n:08d}")
