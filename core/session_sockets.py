"""Websockets live only as long as the login session they were opened with.

Every socket of a logged-in user listens on the user's group. When a session ends the
group hears of it at once: a logout names the ended session (by a fingerprint, never the
key itself); a change to the user (password, deactivation) and a suspension of its company
ask every socket of the user to re-check its session, which `session_user` does. Sockets
also re-check on their own from time to time, in case the news was lost.

Bidders' services call `recheck_user_sockets` after commit (a suspension); the auth
events arrive by django.contrib.auth's signals, their documented hook.
"""

import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
    user_logged_out,
)
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core import sql

logger = logging.getLogger(__name__)

# The channel-layer messages a user's group carries; consumers handle them by these names.
SESSION_ENDED = "session.ended"
SESSION_CHECK = "session.check"


def user_group(user_id: int) -> str:
    """Return the channel-layer group every socket of the user listens on."""
    return f"user-{user_id}"


def session_fingerprint(session_key: str) -> str:
    """Return a name for the session that does not let anyone who reads it log in."""
    return hashlib.sha256(f"nedra-socket:{session_key}".encode()).hexdigest()[:32]


def session_user(session_key: str | None, user_id: int | None = None) -> User | None:
    """Return the active user the session still authenticates, or None.

    The session must still exist, name a user of a configured backend, and carry the
    hash of that user's current password (a password change ends every other session);
    the user must be active. Reads only: unlike `django.contrib.auth.get_user` it never
    rewrites the session, which belongs to the browser. Given the user the session should
    name (a socket's), it also refuses any other.
    """
    if not session_key:
        return None
    join = session_join(using=connection.alias) if user_id is not None else None
    if join is not None and user_id is not None:
        # A socket re-checks its session: the session and its user in one statement, not
        # two built by the ORM (half a bid's CPU before; bench/RESULTS.md).
        statement = _session_statement(join, connection.alias)
        with connection.cursor() as cursor:
            statement.execute(cursor, **join.bind(session_key, user_id))
            row = cursor.fetchone()
        return None if row is None else join.user(row, user_id=user_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return _checked(session, None, user_id, verdict=None)


def _checked(
    session: Any, user: User | None, user_id: int | None, *, verdict: "Verdict | None"
) -> User | None:
    """Return the user the decoded session authenticates (`user` if already read), or None;
    remember a passed `verdict`."""
    try:
        named = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if user is None:
        user = backend.get_user(named)
    elif user.pk != named or not getattr(backend, "user_can_authenticate", bool)(user):
        user = None
    if user is None or not user.is_active or (user_id is not None and user.pk != user_id):
        return None
    session_hash = session.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not any(constant_time_compare(session_hash, each) for each in hashes):
        return None
    if verdict is not None:
        if len(_verified) >= VERIFIED_SIZE:
            _verified.clear()
        _verified.add(verdict)
    return user


# What decides a check: the session's stored data (its user, backend and password hash,
# signed; kept as its SHA-256), the user, its current password hash and whether it is active.
Verdict = tuple[bytes, int, str, bool]
# Checks that passed. A logout deletes the session, a password change or a deactivation
# changes the user's row: either gives a key never seen, checked in full. Per process,
# bounded.
_verified: set[Verdict] = set()
VERIFIED_SIZE = 10_000


@receiver(setting_changed, dispatch_uid="core.session_sockets.setting_changed")
def _forget_verdicts(setting: str, **kwargs: Any) -> None:
    # The signing key and the backends decide a check too (tests change them).
    if setting in {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "AUTHENTICATION_BACKENDS"}:
        _verified.clear()


DATABASE_SESSIONS = "django.contrib.sessions.backends.db"


@dataclass(frozen=True, eq=False)
class SessionJoin:
    """How a statement reads a socket's session and its user alongside its own row.

    `joins` go after the statement's FROM and `columns` into its SELECT; fill its
    `params` (slots, in the order of the joins' placeholders) with `bind`, and give the
    row's `width` columns from where `columns` start to `user`. Unless bound to a session,
    both joins find nothing. The bid's lock reads them this way: one round trip fewer per
    bid than a statement of their own.
    """

    joins: str
    columns: str
    params: tuple[sql.Slot, ...]
    width: int
    convert_user: list[sql.Converter]
    attnames: list[str]
    pk_index: int
    using: str

    def bind(self, session_key: str | None, user_id: int | None) -> dict[str, object]:
        """Return the slots' values that read this session and user (nothing for None)."""
        (expires,) = sql.db_values(Session, [("expire_date", timezone.now())], using=self.using)
        return {
            "session_key": session_key,
            "session_expires": expires,
            "session_user_id": user_id if session_key else None,
        }

    def user(self, values: Sequence[Any], *, user_id: int) -> User | None:
        """Return the user whose session the joined columns (from the first of `columns`
        on) show still authenticated, as `session_user` decides; None if it is not."""
        session_data, user_values = values[0], values[1 : self.width]
        if session_data is None or user_values[self.pk_index] is None:
            return None
        converted = [
            convert(value) for convert, value in zip(self.convert_user, user_values, strict=True)
        ]
        user = get_user_model().from_db(self.using, self.attnames, converted)
        verdict = (
            hashlib.sha256(session_data.encode()).digest(),
            user_id,
            user.password,
            user.is_active,
        )
        if verdict in _verified:
            # The same stored session and the same password and flag as a check that passed:
            # the same answer, without decoding and hashing again (the session's signature,
            # its password hash; a tenth of a bid's CPU).
            return user
        return _checked(SessionStore().decode(session_data), user, user_id, verdict=verdict)


def session_join(*, using: str = "default") -> SessionJoin | None:
    """Return the joins reading a socket's session and user; None where sessions are not
    kept in the database (there, check with `session_user`)."""
    if settings.SESSION_ENGINE != DATABASE_SESSIONS:
        return None
    return _session_join(get_user_model(), using)


@functools.cache
def _session_join(user_model: type[User], using: str) -> SessionJoin:
    fields = [field.name for field in user_model._meta.concrete_fields]
    key, expires, data = (
        sql.column(Session, name, using=using)
        for name in ("session_key", "expire_date", "session_data")
    )
    user_pk = sql.column(user_model, user_model._meta.pk.name, alias="su", using=using)
    joins = (
        f"LEFT JOIN (SELECT {data} FROM {sql.table(Session, using=using)} "  # noqa: S608
        f"WHERE {key} = %s AND {expires} > %s) ss ON 1 = 1 "
        f"LEFT JOIN {sql.table(user_model, using=using)} su ON {user_pk} = %s"
    )
    columns = ", ".join(
        [f"ss.{data}", *(sql.column(user_model, name, alias="su", using=using) for name in fields)]
    )
    return SessionJoin(
        joins=joins,
        columns=columns,
        params=(sql.Slot("session_key"), sql.Slot("session_expires"), sql.Slot("session_user_id")),
        width=1 + len(fields),
        convert_user=sql.converters(user_model, fields, using=using),
        attnames=[field.attname for field in user_model._meta.concrete_fields],
        pk_index=fields.index(user_model._meta.pk.name),
        using=using,
    )


@functools.cache
def _session_statement(join: SessionJoin, using: str) -> sql.Compiled:
    """Return the statement of the joins alone, written and (on PostgreSQL) planned once per
    connection. Built anew per bid it cost a quarter of the session check, and its planning
    more than its run."""
    return sql.Compiled(
        sql=f"SELECT {join.columns} FROM (SELECT 1 AS one) one {join.joins}",  # noqa: S608
        params=join.params,
        name="nedra_session_user",
    )


def end_session_sockets(*, user_id: int, session_key: str) -> None:
    """Close every socket opened with the session, which has just ended."""
    _send(user_id, {"type": SESSION_ENDED, "session": session_fingerprint(session_key)})


def recheck_user_sockets(*, user_ids: Iterable[int]) -> None:
    """Have every socket of these users re-check its session and seat now.

    Call it after commit, so the sockets read what changed.
    """
    for user_id in user_ids:
        _send(user_id, {"type": SESSION_CHECK})


def _send(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), message)
    except Exception:
        # The channel layer may be down: the logout or the save must still succeed, and
        # the sockets' own periodic re-check closes them once it is back.
        logger.exception("Could not tell the sockets of user %s that its session changed", user_id)


@receiver(user_logged_out, dispatch_uid="core.session_sockets.logged_out")
def _end_sockets_of_logged_out_session(
    sender: type, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    # Sent before the session is flushed: the sockets are told which session ended rather
    # than asked to re-check it, which would still find it.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        end_session_sockets(user_id=user.pk, session_key=session_key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.session_sockets.saved")
def _recheck_sockets_of_changed_user(
    sender: type, instance: User, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    # A new password or deactivation: every session but the one the change was made in
    # (re-hashed by update_session_auth_hash) no longer authenticates. A login only stamps
    # last_login, which ends nothing; nor does loading a fixture.
    if kwargs.get("raw") or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    user_id = instance.pk
    transaction.on_commit(lambda: recheck_user_sockets(user_ids=[user_id]), robust=True)
