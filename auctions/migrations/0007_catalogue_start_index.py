"""Index the lot catalogue's order: by auction start, then lot number and id.

Without it every catalogue page joins and sorts all public lots (3,000 in the issue #6
benchmark: about 20 ms of a page's time on PostgreSQL, growing with the table). Plain SQL
keeps the models untouched; the statement is the same on PostgreSQL and SQLite.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0006_live_monitor"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX lot_catalogue_start ON auctions_lot (starts_at, number, id)",
            reverse_sql="DROP INDEX lot_catalogue_start",
        )
    ]
