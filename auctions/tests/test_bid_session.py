"""A socket's bid re-checks its login session with the lot's lock, in the same statement
(`engine.place_bid(session_key=...)`): it must refuse exactly what the socket's own session
check (`session_sockets.session_user`) refuses, store nothing when it does, and read the user
as it is now."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from auctions import engine
from auctions.models import Bid, Lot, Maximum
from core.errors import DomainError
from core.tests.sessions import logged_in

pytestmark = pytest.mark.django_db

START = Decimal("100000000.00")  # LotFactory's starting price


def bid_from(
    user: AbstractBaseUser, lot: Lot, session_key: str, amount: Decimal = START
) -> engine.BidOutcome:
    return engine.place_bid(
        user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()), session_key=session_key
    )


def refused(user: AbstractBaseUser, lot: Lot, session_key: str, amount: Decimal = START) -> str:
    """Bid from the session; return the refusal's code and check nothing was stored."""
    lot.refresh_from_db()
    before = (Bid.objects.count(), lot.bid_count, lot.current_price, lot.leader_id, lot.version)
    with pytest.raises(DomainError) as error:
        bid_from(user, lot, session_key, amount)
    lot.refresh_from_db()
    after = (Bid.objects.count(), lot.bid_count, lot.current_price, lot.leader_id, lot.version)
    assert after == before
    return error.value.code


def test_a_live_session_bids_and_the_session_costs_no_statement_of_its_own(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = logged_in(admitted_bidder)
    bid_from(admitted_bidder, live_lot, key)  # statements prepared, the verdict remembered
    Lot.objects.filter(pk=live_lot.pk).update(leader=None)
    with CaptureQueriesContext(connection) as captured:
        outcome = bid_from(admitted_bidder, live_lot, key, START * 2)
    assert outcome.created
    assert outcome.bid.placed_by_id == admitted_bidder.pk
    # Only the lock reads the session (on PostgreSQL its EXECUTE names no table at all).
    sessions, lots = Session._meta.db_table, Lot._meta.db_table
    alone = [q["sql"] for q in captured if sessions in q["sql"] and lots not in q["sql"]]
    assert alone == []
    assert not any("nedra_session_user" in q["sql"] for q in captured)


Change = Callable[[str, AbstractBaseUser], None]


def delete_session(key: str, user: AbstractBaseUser) -> None:
    Session.objects.filter(session_key=key).delete()


def expire_session(key: str, user: AbstractBaseUser) -> None:
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )


def change_password_quietly(key: str, user: AbstractBaseUser) -> None:
    user.set_password("a brand new passphrase 42")
    type(user).objects.filter(pk=user.pk).update(password=user.password)


def deactivate_quietly(key: str, user: AbstractBaseUser) -> None:
    type(user).objects.filter(pk=user.pk).update(is_active=False)


def drop_the_backend(key: str, user: AbstractBaseUser) -> None:
    session = Session.objects.get(session_key=key)
    data = session.get_decoded()
    data[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    Session.objects.filter(session_key=key).update(
        session_data=Session.objects.encode(data)  # type: ignore[attr-defined]
    )


ENDINGS: dict[str, Change] = {
    "deleted": delete_session,
    "expired": expire_session,
    "password changed": change_password_quietly,
    "deactivated": deactivate_quietly,
    "backend not configured": drop_the_backend,
}


@pytest.mark.parametrize("change", list(ENDINGS.values()), ids=list(ENDINGS))
def test_a_session_that_no_longer_holds_ends_the_bid_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, change: Change
) -> None:
    key = logged_in(admitted_bidder)
    # It passed once first: a remembered verdict must not outlive the change.
    assert bid_from(admitted_bidder, live_lot, key).created
    change(key, admitted_bidder)
    # Refused for its session, before the rule that it already leads.
    assert refused(admitted_bidder, live_lot, key, START * 2) == "session_ended"


def test_a_session_of_another_user_is_refused(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    assert refused(admitted_bidder, live_lot, logged_in(rival_bidder)) == "session_ended"


@pytest.mark.parametrize("key", ["", "x" * 40, "no-such-session-key-0123456789abcdef"])
def test_a_made_up_or_empty_session_is_refused(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, key: str
) -> None:
    assert refused(admitted_bidder, live_lot, key) == "session_ended"


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_a_user_made_staff_since_the_socket_opened_never_bids(
    staff_clerk: AbstractBaseUser, live_lot: Lot, flag: str
) -> None:
    key = logged_in(staff_clerk)
    # The socket still holds the user as it opened, before it was made staff (a company's
    # representative never can be: the database refuses it); the row says staff now.
    as_opened = User.objects.get(pk=staff_clerk.pk)
    as_opened.is_staff = as_opened.is_superuser = False
    User.objects.filter(pk=staff_clerk.pk).update(
        is_staff=flag == "is_staff", is_superuser=flag == "is_superuser"
    )
    with pytest.raises(DomainError) as error:
        bid_from(as_opened, live_lot, key)
    # Refused as staff, the row read with the lock, not merely as no participant.
    assert (error.value.code, error.value.message) == (
        "not_admitted",
        "Staff watch the auction; they do not bid.",
    )
    assert not Bid.objects.exists()


def test_the_bid_is_placed_as_the_user_the_lock_read(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = logged_in(admitted_bidder)
    stale = User.objects.get(pk=admitted_bidder.pk)
    type(admitted_bidder).objects.filter(pk=admitted_bidder.pk).update(first_name="Renamed")
    outcome = bid_from(stale, live_lot, key)
    assert outcome.created
    assert outcome.bid.placed_by_id == admitted_bidder.pk


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache")
def test_sessions_kept_elsewhere_are_checked_before_the_lock(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = logged_in(admitted_bidder)
    assert not Session.objects.filter(session_key=key).exists()
    assert bid_from(admitted_bidder, live_lot, key).created
    Lot.objects.filter(pk=live_lot.pk).update(leader=None)
    assert refused_elsewhere(admitted_bidder, live_lot, "no-such-cached-session") == "session_ended"


def refused_elsewhere(user: AbstractBaseUser, lot: Lot, session_key: str) -> str:
    with pytest.raises(DomainError) as error:
        bid_from(user, lot, session_key)
    return error.value.code


def test_without_a_session_the_api_path_is_unchanged(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    outcome = engine.place_bid(
        user=admitted_bidder, lot_id=live_lot.pk, amount=START, key=str(uuid.uuid4())
    )
    assert outcome.created


@pytest.mark.parametrize("change", list(ENDINGS.values()), ids=list(ENDINGS))
def test_a_maximum_from_a_session_that_no_longer_holds_is_refused_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, change: Change
) -> None:
    key = logged_in(admitted_bidder)
    change(key, admitted_bidder)
    with pytest.raises(DomainError) as error:
        engine.set_maximum(
            user=admitted_bidder,
            lot_id=live_lot.pk,
            amount=START * 3,
            key=str(uuid.uuid4()),
            session_key=key,
        )
    assert error.value.code == "session_ended"
    assert not Maximum.objects.exists()
    assert not Bid.objects.exists()


def test_a_maximum_from_a_live_session_is_set_and_bids(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    outcome = engine.set_maximum(
        user=admitted_bidder,
        lot_id=live_lot.pk,
        amount=START * 3,
        key=str(uuid.uuid4()),
        session_key=logged_in(admitted_bidder),
    )
    assert outcome.created
    assert Bid.objects.get().amount == START
