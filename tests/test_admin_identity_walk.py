"""Walk every door of the admin, as a clerk and as a superuser, with lots in every status:
no page may put a company (or its people) beside a participant number of a lot that has
not finished, and no request may end in a server error.

Each lot's participant numbers are distinctive (29317, 31529, ...) so that finding one in
a page means the page shows it. The walk covers every ModelAdmin on `admin.site`:
its changelist, the changelist filtered by every relation lookup (up to three steps) that
reaches a company, representative, user or application, its search box with each
company's name, the change and history page of each object, every autocomplete field, and
every action's confirmation page.
"""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from auctions.models import Application, Lot, LotDocument, LotDocumentDownload
from auctions.tests.factories import (
    ApplicationFactory,
    FinishedLotFactory,
    LiveLotFactory,
    LotFactory,
    admit,
    finish,
    place_bids,
)
from bidders.models import Company, Representative
from bidders.tests.factories import CompanyFactory, RepresentativeFactory, UserFactory
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
IDENTITY_MODELS = (Company, Representative, User, Application)
LOOKUP_DEPTH = 3
CLERK_APPS = ("deposits", "bidders", "auctions", "licensing")


@dataclass
class Scene:
    """Lots in every status, and for each the names and numbers that must stay apart."""

    lots: dict[str, Lot] = field(default_factory=dict)
    # Per lot not yet finished: what names its participants, and their numbers.
    names: dict[int, set[str]] = field(default_factory=dict)
    numbers: dict[int, set[int]] = field(default_factory=dict)
    # A real id of each identity-bearing model, from the live lot.
    ids: dict[type[Model], int] = field(default_factory=dict)
    search_terms: list[str] = field(default_factory=list)


def participate(scene: Scene, lot: Lot, legal_name: str, number: int | None) -> Application:
    """Make the named company (new, or one already in the scene) apply to the lot,
    admitted under `number` when given."""
    company = Company.objects.filter(legal_name=legal_name).first()
    if company is None:
        handle = legal_name.split()[0].lower()
        company = CompanyFactory(legal_name=legal_name, contact_email=f"desk@{handle}.example")
        RepresentativeFactory(
            company=company, user__username=f"{handle}-rep", user__email=f"{handle}@mail.example"
        )
        scene.search_terms.append(legal_name.split()[0])
    if number is None:
        application = ApplicationFactory(lot=lot, company=company)
    else:
        application = admit(company, lot, number)
    if lot.status not in Lot.FINISHED_STATUSES:
        names = scene.names.setdefault(lot.pk, set())
        names.add(company.legal_name)
        names.update(company.representatives.values_list("user__username", flat=True))
        names.update(company.representatives.values_list("user__email", flat=True))
        if number is not None:
            scene.numbers.setdefault(lot.pk, set()).add(number)
    return application


@pytest.fixture
def scene() -> Scene:
    scene = Scene()
    published = scene.lots["published"] = LotFactory(status=Lot.Status.PUBLISHED)
    live = scene.lots["live"] = LiveLotFactory()
    paused = scene.lots["paused"] = LiveLotFactory(
        status=Lot.Status.PAUSED, paused_remaining=timedelta(minutes=20)
    )
    closed = scene.lots["closed"] = FinishedLotFactory()

    participate(scene, published, "Zephyrine Quarries Ltd", 27143)
    participate(scene, published, "Quillon Basalt LLP", None)

    vantorra = participate(scene, live, "Vantorra Mining AG", 29317)
    brackwell = participate(scene, live, "Brackwell Ores Ltd", 31529)
    place_bids(live, [(vantorra, "100000000"), (brackwell, "105000000")])
    # A company in two lots at once: named beside the published one, never the live one.
    participate(scene, published, "Vantorra Mining AG", None)

    ostrevia = participate(scene, paused, "Ostrevia Metals SA", 28411)
    kelmarsh = participate(scene, paused, "Kelmarsh Tin plc", 30223)
    place_bids(paused, [(kelmarsh, "100000000"), (ostrevia, "110000000")])

    harrowgate = participate(scene, closed, "Harrowgate Copper Ltd", 26099)
    # Brackwell bids in the live lot and has won a closed one: named beside 32441 only.
    won = participate(scene, closed, "Brackwell Ores Ltd", 32441)
    place_bids(closed, [(harrowgate, "100000000"), (won, "120000000")])
    finish(closed)
    LicenceFactory(lot=closed, holder=won.company, deposit=closed.deposit)

    representative = vantorra.company.representatives.get()
    # The live lot's data room, its restricted paper taken by both bidders: each download
    # row says a company is admitted to the lot.
    paper = LotDocument.objects.create(
        lot=live,
        kind=LotDocument.Kind.GEOLOGICAL_SUMMARY,
        title="Geological report summary",
        access=LotDocument.Access.ADMITTED,
        file="lot-documents/walk.pdf",
        original_name="summary.pdf",
        content_type="application/pdf",
        size=1024,
        uploaded_by=UserFactory(username="walk-uploader", is_staff=True),
    )
    for application in (vantorra, brackwell):
        LotDocumentDownload.objects.create(
            document=paper,
            company=application.company,
            user=application.company.representatives.get().user,
        )
    scene.ids = {
        Company: vantorra.company_id,
        Representative: representative.pk,
        User: representative.user_id,
        Application: brackwell.pk,
    }
    return scene


@pytest.fixture
def clerk() -> AbstractBaseUser:
    """A ministry clerk: staff who may view and change the domain's records, no superuser."""
    user = UserFactory(username="walk-clerk", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=CLERK_APPS, codename__regex=r"^(view|change)_"
        )
    )
    return user


@pytest.fixture
def superuser() -> AbstractBaseUser:
    return UserFactory(username="walk-root", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def quiet_refusals(caplog: pytest.LogCaptureFixture) -> None:
    """Django logs each refused lookup with its traceback; here they are the expected
    answer, hundreds of times over, and the walk checks each one itself."""
    caplog.set_level(logging.CRITICAL, logger="django.security.DisallowedModelAdminLookup")


def number_pattern(number: int) -> re.Pattern[str]:
    """Match the number as a page may print it (plain, or with a thousands separator),
    not as part of a longer word such as a hash."""
    head, tail = str(number)[:-3], str(number)[-3:]
    return re.compile(rf"(?<![0-9A-Za-z]){head}[,.\u00a0\u202f ]?{tail}(?![0-9A-Za-z])")


class Walker:
    """A logged-in client that checks every page it is given."""

    def __init__(self, client: Client, scene: Scene, who: str) -> None:
        self.client, self.scene, self.who = client, scene, who
        self.patterns = {
            lot_id: [number_pattern(number) for number in numbers]
            for lot_id, numbers in scene.numbers.items()
        }
        self.pages = 0

    def check(self, response: HttpResponse, where: str) -> None:
        self.pages += 1
        assert response.status_code < 500, f"{self.who}: {where} → {response.status_code}"
        page = response.content.decode()
        for lot_id, names in self.scene.names.items():
            named = sorted(name for name in names if name in page)
            numbered = [p.pattern for p in self.patterns.get(lot_id, []) if p.search(page)]
            assert not (named and numbered), (
                f"{self.who}: {where} shows {named} beside participant numbers of lot "
                f"{lot_id} before it finished"
            )

    def get(self, url: str, data: dict | None = None) -> HttpResponse:
        response = self.client.get(url, data or {})
        self.check(response, f"GET {url} {data or ''}")
        return response

    def post_and_undo(self, url: str, data: dict) -> HttpResponse:
        """Post, look at the page, and roll back whatever the post changed."""
        with transaction.atomic():
            response = self.client.post(url, data)
            transaction.set_rollback(True)
        self.check(response, f"POST {url} {data}")
        return response


def identity_lookups(model: type[Model], prefix: str = "", depth: int = LOOKUP_DEPTH) -> Iterator:
    """Yield (lookup, target model) for every relation path from the model, up to `depth`
    steps, that ends at a company, representative, user or application."""
    for relation in model._meta.get_fields():
        target = relation.related_model
        if not relation.is_relation or target is None or isinstance(target, str):
            continue
        path = f"{prefix}{relation.name}"
        if issubclass(target, IDENTITY_MODELS):
            yield path, next(m for m in IDENTITY_MODELS if issubclass(target, m))
        if depth > 1:
            yield from identity_lookups(target, f"{path}__", depth - 1)


def walk_model_admin(walker: Walker, model: type[Model], model_admin: admin.ModelAdmin) -> None:
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    listed = walker.get(changelist)
    if listed.status_code != 200:
        # Not this user's to see (the clerk and django's users); nothing else to try here.
        assert listed.status_code in (302, 403), (walker.who, changelist)
        return

    for lookup, target in sorted(set(identity_lookups(model))):
        response = walker.get(changelist, {lookup: walker.scene.ids[target]})
        assert response.status_code == 400, f"{walker.who}: {changelist}?{lookup} was allowed"

    if model_admin.search_fields:
        for term in walker.scene.search_terms:
            walker.get(changelist, {"q": term})

    for obj in model._default_manager.all():
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        walker.get(change)
        walker.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))

    request = listed.wsgi_request
    for action in model_admin.get_actions(request):
        ids = list(model_admin.get_queryset(request).values_list("pk", flat=True))
        if ids:
            walker.post_and_undo(changelist, {"action": action, "_selected_action": ids})

    holders = [model_admin, *model_admin.get_inline_instances(request)]
    for holder in holders:
        for field_name in holder.autocomplete_fields:
            for term in ["", *walker.scene.search_terms]:
                walker.get(
                    reverse("admin:autocomplete"),
                    {
                        "app_label": holder.model._meta.app_label,
                        "model_name": holder.model._meta.model_name,
                        "field_name": field_name,
                        "term": term,
                    },
                )


@pytest.mark.parametrize("who", ["clerk", "superuser"])
def test_no_admin_page_puts_a_name_beside_a_number_before_the_close(
    client: Client, scene: Scene, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    walker = Walker(client, scene, who)
    walker.get(reverse("admin:index"))
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        walker.get(reverse("admin:app_list", args=[app_label]))
    for model, model_admin in admin.site._registry.items():
        walk_model_admin(walker, model, model_admin)
    assert walker.pages > 300, walker.pages


@pytest.mark.parametrize("who", ["clerk", "superuser"])
def test_staff_see_who_is_behind_each_number_once_the_lot_has_finished(
    client: Client, scene: Scene, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    closed = scene.lots["closed"]
    application = closed.applications.get(participant_number=26099)
    for url in [
        reverse("admin:auctions_lot_change", args=[closed.pk]),
        reverse("admin:auctions_application_change", args=[application.pk]),
        reverse("admin:auctions_application_changelist"),
    ]:
        page = client.get(url).content.decode()
        assert "Harrowgate Copper Ltd" in page, url
        assert "26099" in page, url
