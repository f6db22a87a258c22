"""The storage under a bid's two writes, on PostgreSQL (bench/RESULTS.md, issue 12).

- Each bid's UPDATE of its lot changes the leader. With the leader indexed, PostgreSQL could
  never update the row in place (a HOT update): every bid wrote a new entry into each of the
  lot table's eight indexes and left the old row behind for the next lock to step over. The
  leader loses its index (nothing looks lots up by leader), and lot pages keep half their
  room free, so the new version of a lot's row fits on its page.
- A bid's lot had an index of its own beside the two unique ones that lead with it.
- The trigger that freezes a published lot's terms was tested, by its WHEN condition, on
  every UPDATE of a lot; it now fires only for an UPDATE that sets one of those columns,
  which a bid's never does (the ORM's full saves still do, and still meet the condition).
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
TRIGGER = """
DROP TRIGGER IF EXISTS auctions_lot_published_no_change ON auctions_lot;
CREATE TRIGGER auctions_lot_published_no_change
    BEFORE UPDATE %(of)sON auctions_lot
    FOR EACH ROW WHEN (%(changed)s)
    EXECUTE FUNCTION auctions_lot_published_frozen();
"""
LOT_FILLFACTOR = 50


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
        migrations.RunPython(
            _on_postgresql(f"ALTER TABLE auctions_lot SET (fillfactor = {LOT_FILLFACTOR})"),
            _on_postgresql("ALTER TABLE auctions_lot RESET (fillfactor)"),
        ),
        migrations.RunPython(
            _on_postgresql(
                TRIGGER % {"of": f"OF {', '.join(FROZEN_COLUMNS)} ", "changed": CHANGED}
            ),
            _on_postgresql(TRIGGER % {"of": "", "changed": CHANGED}),
        ),
    ]
