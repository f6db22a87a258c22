"""A socket's session re-check (`session_sockets.session_user`): the one-statement read a
socket makes before each bid must refuse exactly what Django's own session machinery does."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.sessions.models import Session
from django.utils import timezone

from core import session_sockets
from core.tests.sessions import logged_in

pytestmark = pytest.mark.django_db

# The database sessions' one statement (given the socket's user), and Django's SessionStore
# and the backend's get_user (without it, or with sessions kept elsewhere).
WAYS = {
    "one statement": lambda key, user: session_sockets.session_user(key, user.pk),
    "session store": lambda key, user: session_sockets.session_user(key),
}
Way = Callable[[str, AbstractBaseUser], User | None]


@pytest.fixture(params=list(WAYS), ids=list(WAYS))
def read(request: pytest.FixtureRequest) -> Way:
    return WAYS[request.param]


def test_a_live_session_names_its_active_user(read: Way, bidder_user: AbstractBaseUser) -> None:
    found = read(logged_in(bidder_user), bidder_user)
    assert found is not None
    assert found.pk == bidder_user.pk
    assert found.get_username() == bidder_user.get_username()
    assert found.date_joined == bidder_user.date_joined  # type: ignore[attr-defined]
    assert found.password == bidder_user.password


def test_a_deleted_session_names_nobody(read: Way, bidder_user: AbstractBaseUser) -> None:
    key = logged_in(bidder_user)
    # It passed a check first: a remembered verdict must not outlive the change.
    assert read(key, bidder_user) is not None
    Session.objects.filter(session_key=key).delete()
    assert read(key, bidder_user) is None


def test_an_expired_session_names_nobody(read: Way, bidder_user: AbstractBaseUser) -> None:
    key = logged_in(bidder_user)
    # It passed a check first: a remembered verdict must not outlive the change.
    assert read(key, bidder_user) is not None
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert read(key, bidder_user) is None


def test_a_password_change_ends_the_session(read: Way, bidder_user: AbstractBaseUser) -> None:
    key = logged_in(bidder_user)
    # It passed a check first: a remembered verdict must not outlive the change.
    assert read(key, bidder_user) is not None
    bidder_user.set_password("another long passphrase 7")
    bidder_user.save()
    assert read(key, bidder_user) is None


def test_a_deactivated_user_is_named_by_no_session(
    read: Way, bidder_user: AbstractBaseUser
) -> None:
    key = logged_in(bidder_user)
    # It passed a check first: a remembered verdict must not outlive the change.
    assert read(key, bidder_user) is not None
    User.objects.filter(pk=bidder_user.pk).update(is_active=False)
    assert read(key, bidder_user) is None


def test_a_session_with_a_backend_no_longer_configured_names_nobody(
    read: Way, bidder_user: AbstractBaseUser
) -> None:
    key = logged_in(bidder_user)
    # It passed a check first: a remembered verdict must not outlive the change.
    assert read(key, bidder_user) is not None
    store: Any = Session.objects.get(session_key=key).get_decoded()
    store[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    Session.objects.save(key, store, timezone.now() + timedelta(days=1))
    assert read(key, bidder_user) is None


def test_a_session_of_another_user_is_refused_for_this_socket(
    bidder_user: AbstractBaseUser, staff_clerk: AbstractBaseUser
) -> None:
    assert session_sockets.session_user(logged_in(staff_clerk), bidder_user.pk) is None


def test_an_unknown_or_empty_key_names_nobody(read: Way, bidder_user: AbstractBaseUser) -> None:
    assert read("x" * 32, bidder_user) is None
    assert read("", bidder_user) is None


def test_a_backend_removed_from_the_settings_ends_a_session_checked_before(
    read: Way, bidder_user: AbstractBaseUser, settings: Any
) -> None:
    key = logged_in(bidder_user)
    assert read(key, bidder_user) is not None
    settings.AUTHENTICATION_BACKENDS = ["somewhere.else.Backend"]
    assert read(key, bidder_user) is None


def test_a_repeated_check_reads_the_session_each_time(bidder_user: AbstractBaseUser) -> None:
    key = logged_in(bidder_user)
    for _ in range(3):
        found = session_sockets.session_user(key, bidder_user.pk)
        assert found is not None
        assert found.pk == bidder_user.pk
    Session.objects.filter(session_key=key).delete()
    assert session_sockets.session_user(key, bidder_user.pk) is None
