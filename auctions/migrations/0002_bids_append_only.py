"""Make bids append-only in PostgreSQL itself, whatever code or person touches the table."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION auctions_bid_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'bids are append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auctions_bid_no_update_or_delete
    BEFORE UPDATE OR DELETE ON auctions_bid
    FOR EACH ROW EXECUTE FUNCTION auctions_bid_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS auctions_bid_no_update_or_delete ON auctions_bid;
DROP FUNCTION IF EXISTS auctions_bid_append_only();
"""


def forbid_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [("auctions", "0001_initial")]

    operations = [migrations.RunPython(forbid_changes, allow_changes)]
