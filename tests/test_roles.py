"""Staff roles with least privilege: what each role may do in the admin, and what not."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from auctions.models import Application, AuctionEvent, Lot, Payment
from auctions.tests.factories import (
    AuctionEventFactory,
    FinishedLotFactory,
    LotFactory,
    record_credit_in_admin,
)
from bidders.models import Company, CompanyDecision
from core.roles import (
    AUDITORS,
    CLERKS,
    DOMAIN_APPS,
    HEADS_OF_COMMISSION,
    role_permissions,
    setup_roles,
)
from deposits.tests.factories import ReserveFactory
from licensing.models import Licence
from licensing.tests.factories import LicenceFactory

pytestmark = pytest.mark.django_db

WRITES = ("add", "change", "delete")
# What no role may write: who speaks for a company, its owners, its documents, the trail of
# decisions, bids, results, and staff accounts themselves.
NOBODY_WRITES = (
    "bidders.representative",
    "bidders.beneficialowner",
    "bidders.companydocument",
    "bidders.companydecision",
    "auctions.bid",
    "auctions.result",
    "auth.user",
    "auth.group",
    "auth.permission",
)


def names(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def run_action(client: Client, model: str, action: str, ids: list[int], **extra: str):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids, **extra}, follow=True)


@pytest.fixture
def clerk_client(client: Client, ministry_clerk) -> Client:
    client.force_login(ministry_clerk)
    return client


# --- The command ----------------------------------------------------------------------------


def test_the_command_creates_the_three_roles_and_is_idempotent() -> None:
    out = StringIO()
    call_command("setup_roles", stdout=out)
    first = {group.name: names(group) for group in Group.objects.all()}
    call_command("setup_roles", stdout=StringIO())
    assert {group.name: names(group) for group in Group.objects.all()} == first
    assert set(first) == {AUDITORS, CLERKS, HEADS_OF_COMMISSION}
    assert "Staff roles are set up." in out.getvalue()


def test_the_command_takes_back_a_permission_granted_to_a_role_by_hand() -> None:
    clerks = setup_roles()[CLERKS]
    clerks.permissions.add(Permission.objects.get(codename="add_representative"))
    setup_roles()
    assert "bidders.add_representative" not in names(clerks)


def test_no_role_writes_representatives_owners_bids_results_or_users() -> None:
    for role, group in setup_roles().items():
        granted = names(group)
        for model in NOBODY_WRITES:
            app_label, name = model.split(".")
            for write in WRITES:
                assert f"{app_label}.{write}_{name}" not in granted, (role, model, write)


def test_the_auditor_reads_every_domain_model_and_writes_nothing() -> None:
    granted = names(setup_roles()[AUDITORS])
    every_view = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(
            content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_"
        ).values_list("content_type__app_label", "codename")
    }
    assert granted == every_view
    assert "auctions.view_bid" in granted
    assert "licensing.view_licence" in granted


def test_the_head_of_commission_has_the_clerks_rights_plus_events_errata_and_bank_details() -> None:
    roles = setup_roles()
    assert names(roles[HEADS_OF_COMMISSION]) - names(roles[CLERKS]) == {
        "auctions.change_auctionevent",
        "auctions.publish_erratum",
        "auctions.add_bankdetails",
        "auctions.change_bankdetails",
    }
    assert names(roles[CLERKS]) < names(roles[HEADS_OF_COMMISSION])


def test_every_permission_the_roles_name_exists() -> None:
    # role_permissions raises LookupError for a codename no model defines any more.
    assert all(role_permissions().values())


# --- The clerk does its work in the admin ---------------------------------------------------


def test_the_clerk_approves_and_suspends_companies(clerk_client: Client, pending_company) -> None:
    run_action(clerk_client, "bidders_company", "approve", [pending_company.pk])
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.APPROVED
    run_action(
        clerk_client,
        "bidders_company",
        "suspend",
        [pending_company.pk],
        apply="1",
        reason="Sanctions screening",
    )
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.SUSPENDED
    assert CompanyDecision.objects.filter(company=pending_company).count() == 2


def test_the_clerk_records_payments_and_admits_an_application(
    clerk_client: Client, submitted_application: Application
) -> None:
    for payment in submitted_application.payments.all():
        record_credit_in_admin(clerk_client, payment)
    assert not submitted_application.payments.exclude(status=Payment.Status.RECEIVED).exists()
    run_action(clerk_client, "auctions_application", "admit", [submitted_application.pk])
    submitted_application.refresh_from_db()
    assert submitted_application.status == Application.Status.ADMITTED


def test_the_clerk_publishes_and_cancels_lots(clerk_client: Client) -> None:
    draft = LotFactory(status=Lot.Status.DRAFT)
    ReserveFactory(deposit=draft.deposit)  # a lot is published on a deposit with reserves
    run_action(clerk_client, "auctions_lot", "publish", [draft.pk])
    draft.refresh_from_db()
    assert draft.status == Lot.Status.PUBLISHED
    run_action(clerk_client, "auctions_lot", "cancel", [draft.pk], apply="1", reason="Withdrawn")
    draft.refresh_from_db()
    assert draft.status == Lot.Status.CANCELLED


def test_the_clerk_watches_and_pauses_live_lots(clerk_client: Client, live_lot: Lot) -> None:
    monitor = clerk_client.get(reverse("admin:auctions_livelot_changelist"))
    assert monitor.status_code == 200
    assert live_lot.deposit.name in monitor.content.decode()
    run_action(clerk_client, "auctions_livelot", "pause", [live_lot.pk], apply="1", reason="Outage")
    live_lot.refresh_from_db()
    assert live_lot.status == Lot.Status.PAUSED


def test_the_clerk_records_a_licences_signature_bonus(clerk_client: Client) -> None:
    licence = LicenceFactory(status=Licence.Status.AWAITING_PAYMENT)
    run_action(clerk_client, "licensing_licence", "record_bonus_payment", [licence.pk])
    licence.refresh_from_db()
    assert licence.status == Licence.Status.ACTIVE


def test_the_clerk_creates_an_event_but_only_the_head_of_commission_edits_it(
    client: Client, ministry_clerk, head_of_commission
) -> None:
    event = AuctionEventFactory()
    change = reverse("admin:auctions_auctionevent_change", args=[event.pk])
    client.force_login(ministry_clerk)
    assert client.get(reverse("admin:auctions_auctionevent_add")).status_code == 200
    assert 'name="code"' not in client.get(change).content.decode()
    client.force_login(head_of_commission)
    assert 'name="code"' in client.get(change).content.decode()


# --- What the clerk may not do ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:bidders_representative_add"),
        reverse("admin:auctions_bid_add"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auctions_erratum_add"),
        reverse("admin:mfa_authenticator_add"),
    ],
)
def test_the_clerk_may_not_open_these_admin_pages(clerk_client: Client, url: str) -> None:
    assert clerk_client.get(url).status_code == 403


def test_the_clerk_cannot_publish_results_but_the_head_of_commission_can(
    client: Client, ministry_clerk, head_of_commission
) -> None:
    lot = FinishedLotFactory()
    event = lot.event
    client.force_login(ministry_clerk)
    run_action(client, "auctions_auctionevent", "publish_results", [event.pk])
    event.refresh_from_db()
    assert event.results_published_at is None
    client.force_login(head_of_commission)
    run_action(client, "auctions_auctionevent", "publish_results", [event.pk])
    event.refresh_from_db()
    assert event.results_published_at is not None


# --- The auditor reads and changes nothing ----------------------------------------------------


def test_the_auditor_reads_the_admin_and_changes_nothing(
    client: Client, auditor, pending_company, submitted_application
) -> None:
    client.force_login(auditor)
    for model in ["bidders_company", "auctions_application", "auctions_bid", "deposits_deposit"]:
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200, model
    run_action(client, "bidders_company", "approve", [pending_company.pk])
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING
    change = reverse("admin:auctions_lot_change", args=[submitted_application.lot_id])
    assert client.post(change, {"number": "99"}).status_code == 403
    assert client.get(reverse("admin:auctions_auctionevent_add")).status_code == 403
    assert AuctionEvent.objects.count() == 1
