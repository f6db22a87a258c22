"""Index the deposit catalogue's order: by name in the reader's language, then id.

Without it every catalogue page sorts the whole table (all 10,000 deposits in the issue #6
benchmark: 27 ms of a page's time on PostgreSQL, growing with the table); with it the
first page reads 25 index entries. modeltranslation orders `name` by `name_<language>`,
so each language has its own index. Plain SQL keeps the models untouched; the statement
is the same on PostgreSQL and SQLite.
"""

from django.db import migrations

LANGUAGE_FIELDS = ("name_en", "name_ru", "name_kk", "name_zh_hans")


class Migration(migrations.Migration):
    dependencies = [
        ("deposits", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX deposit_catalogue_{field} ON deposits_deposit ({field}, id)",
            reverse_sql=f"DROP INDEX deposit_catalogue_{field}",
        )
        for field in LANGUAGE_FIELDS
    ]
