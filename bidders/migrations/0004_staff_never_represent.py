"""Separation of duties in the database itself: staff never represent a company.

Two triggers, on PostgreSQL and SQLite alike, whatever code or person writes the tables:
a representative row may not name a staff or superuser account, and an account that
represents a company may not be made staff or superuser. The migration refuses to run
while any such pair exists, naming the accounts, rather than pick which role to remove.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Q

# {user} and {representative} are the two tables' names, filled in from the models.
POSTGRESQL_FORBID = """
CREATE OR REPLACE FUNCTION bidders_representative_not_staff() RETURNS trigger AS $$
DECLARE
    account record;
BEGIN
    -- FOR SHARE: a concurrent transaction making this account staff waits for ours (and
    -- then sees our row), or we wait for it and see the account as staff.
    SELECT username, is_staff, is_superuser INTO account
        FROM {user} WHERE id = NEW.user_id FOR SHARE;
    IF account.is_staff OR account.is_superuser THEN
        RAISE EXCEPTION
            'separation of duties: user "%" (id %) is staff or superuser and cannot be a '
            'company representative', account.username, NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER bidders_representative_not_staff
    BEFORE INSERT OR UPDATE OF user_id ON {representative}
    FOR EACH ROW EXECUTE FUNCTION bidders_representative_not_staff();

CREATE OR REPLACE FUNCTION bidders_staff_not_representative() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {representative} WHERE user_id = NEW.id) THEN
        RAISE EXCEPTION
            'separation of duties: user "%" (id %) represents a company and cannot be made '
            'staff or superuser', NEW.username, NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER bidders_staff_not_representative
    BEFORE UPDATE OF is_staff, is_superuser ON {user}
    FOR EACH ROW WHEN (NEW.is_staff OR NEW.is_superuser)
    EXECUTE FUNCTION bidders_staff_not_representative();
"""
POSTGRESQL_ALLOW = """
DROP TRIGGER IF EXISTS bidders_staff_not_representative ON {user};
DROP FUNCTION IF EXISTS bidders_staff_not_representative();
DROP TRIGGER IF EXISTS bidders_representative_not_staff ON {representative};
DROP FUNCTION IF EXISTS bidders_representative_not_staff();
"""

# SQLite's RAISE takes a literal message only, and its writes are serialised, so no lock.
SQLITE_MESSAGES = {
    "staff_as_representative": "separation of duties: a staff or superuser account cannot "
    "be a company representative",
    "representative_as_staff": "separation of duties: an account that represents a company "
    "cannot be made staff or superuser",
}
SQLITE_FORBID = (
    """
CREATE TRIGGER bidders_representative_not_staff_insert
    BEFORE INSERT ON {representative}
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM {user} WHERE id = NEW.user_id AND (is_staff OR is_superuser)
    )
    BEGIN SELECT RAISE(ABORT, '{staff_as_representative}'); END;
""",
    """
CREATE TRIGGER bidders_representative_not_staff_update
    BEFORE UPDATE OF user_id ON {representative}
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM {user} WHERE id = NEW.user_id AND (is_staff OR is_superuser)
    )
    BEGIN SELECT RAISE(ABORT, '{staff_as_representative}'); END;
""",
    """
CREATE TRIGGER bidders_staff_not_representative
    BEFORE UPDATE OF is_staff, is_superuser ON {user}
    FOR EACH ROW WHEN (NEW.is_staff OR NEW.is_superuser)
        AND EXISTS (SELECT 1 FROM {representative} WHERE user_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{representative_as_staff}'); END;
""",
)
SQLITE_ALLOW = (
    "DROP TRIGGER IF EXISTS bidders_staff_not_representative;",
    "DROP TRIGGER IF EXISTS bidders_representative_not_staff_update;",
    "DROP TRIGGER IF EXISTS bidders_representative_not_staff_insert;",
)


class StaffRepresentatives(Exception):
    """Staff accounts already represent companies: someone must choose which role goes."""


def _tables(apps) -> dict[str, str]:
    user = apps.get_model(settings.AUTH_USER_MODEL)
    representative = apps.get_model("bidders", "Representative")
    return {"user": user._meta.db_table, "representative": representative._meta.db_table}


def _refuse_staff_representatives(apps) -> None:
    representative = apps.get_model("bidders", "Representative")
    pairs = (
        representative.objects.filter(Q(user__is_staff=True) | Q(user__is_superuser=True))
        .order_by("user_id")
        .values_list("user_id", "user__username", "company__legal_name")
    )
    offenders = [
        f"{username} (id {user_id}, for {company})" for user_id, username, company in pairs
    ]
    if offenders:
        raise StaffRepresentatives(
            "Staff must never represent a company, but these staff or superuser accounts "
            "are company representatives: " + "; ".join(offenders) + ". For each, either "
            "delete its representative row or take away is_staff and is_superuser "
            "(a person who needs both gets two accounts), then run migrate again."
        )


def forbid(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    _refuse_staff_representatives(apps)
    tables = _tables(apps)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORBID.format(**tables), params=None)
    else:
        for statement in SQLITE_FORBID:
            schema_editor.execute(statement.format(**tables, **SQLITE_MESSAGES), params=None)


def allow(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    tables = _tables(apps)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_ALLOW.format(**tables), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_ALLOW:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("bidders", "0003_representative_language"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
