"""The storage under a bid's two writes, on PostgreSQL (bench/RESULTS.md, issue 12).

- Each bid's UPDATE of its lot changes the leader. With the leader indexed, PostgreSQL could
  never update the row in place (a HOT update): every bid wrote a new entry into each of the
  lot table's eight indexes and left the old row behind for the next lock to step over. The
  leader loses its index (nothing looks lots up by leader), and lot pages keep half their
  room free, so the new version of a lot's row fits on its page.
- A bid's lot had an index of its own beside the two unique ones that lead with it.
- The trigger that freezes a published lot's terms was tested, by its WHEN condition, on
  every UPDATE of a lot; it now fires only for an UPDATE that sets one of those columns or
  the status, which a bid's never does (the ORM's full saves still do, and still meet the
  condition). It also refuses what it let through before: a published lot moved back to
  draft, whose terms the trigger would then no longer guard.

The two indexes go by name, and the foreign keys stay as they are: altering the fields
would drop and re-add both constraints, checking every bid while holding the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

FROZEN_COLUMNS = [
    "event_id",
    "number",
    "deposit_id",
    "licence_type",
    "licence_term_years",
    "area_km2",
    "licensing_blocks",
    "starting_price",
    "bid_step",
]
CHANGED = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in FROZEN_COLUMNS)
# The function refuses any change to a lot that is not a draft of a published event; moved
# back to draft, a lot would leave its guard.
BACK_TO_DRAFT = "(NEW.status = 'draft' AND OLD.status IS DISTINCT FROM 'draft')"
TRIGGER = """
DROP TRIGGER IF EXISTS auctions_lot_published_no_change ON auctions_lot;
CREATE TRIGGER auctions_lot_published_no_change
    BEFORE UPDATE %(of)sON auctions_lot
    FOR EACH ROW WHEN (%(changed)s)
    EXECUTE FUNCTION auctions_lot_published_frozen();
"""
LOT_FILLFACTOR = 50
# Django's names for the foreign keys' own indexes (the same on every backend).
INDEXES = {
    "auctions_lot_leader_id_b79a1632": ("auctions_lot", "leader_id"),
    "auctions_bid_lot_id_b872a7bb": ("auctions_bid", "lot_id"),
}


def _on_postgresql(*statements: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0017_lot_maxima_changes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="bid",
                    name="lot",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bids",
                        to="auctions.lot",
                        verbose_name="lot",
                    ),
                ),
                migrations.AlterField(
                    model_name="lot",
                    name="leader",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="auctions.application",
                        verbose_name="leading participant",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX {name} ON {table} ({column})",
                )
                for name, (table, column) in INDEXES.items()
            ],
        ),
        migrations.RunPython(
            _on_postgresql(f"ALTER TABLE auctions_lot SET (fillfactor = {LOT_FILLFACTOR})"),
            _on_postgresql("ALTER TABLE auctions_lot RESET (fillfactor)"),
        ),
        migrations.RunPython(
            _on_postgresql(
                TRIGGER
                % {
                    "of": f"OF {', '.join([*FROZEN_COLUMNS, 'status'])} ",
                    "changed": f"{CHANGED} OR {BACK_TO_DRAFT}",
                }
            ),
            _on_postgresql(TRIGGER % {"of": "", "changed": CHANGED}),
        ),
    ]
