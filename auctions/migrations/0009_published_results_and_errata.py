"""Published means frozen: a snapshot of each published lot result, errata as the only
way to correct it, and on PostgreSQL triggers that refuse any other change.

Events published before this migration get their snapshot now, from the data as it
stands: what their pages showed at that moment.
"""

import django.db.models.deletion
import django_countries.fields
from django.conf import settings
from django.db import migrations, models

# The trigger functions read the erratum in force from a transaction-local setting that
# `auctions.services.publish_erratum` sets (SET LOCAL semantics, via set_config(..., true))
# to the id of the erratum it has just written, and clears after applying it. A change is
# allowed only when that erratum exists and is about the row being changed.
ERRATUM_IN_FORCE = """
CREATE OR REPLACE FUNCTION auctions_erratum_in_force() RETURNS bigint AS $$
    SELECT CASE WHEN value ~ '^[0-9]{1,18}$' THEN value::bigint END
    FROM (SELECT current_setting('nedra.erratum', true) AS value) AS setting
$$ LANGUAGE sql STABLE;
"""

# A published result: never deleted; changed only by an erratum about its lot.
PUBLISHED_RESULT = """
CREATE OR REPLACE FUNCTION auctions_published_result_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.lot_id = OLD.lot_id AND NEW.published_at = OLD.published_at
        AND EXISTS (SELECT 1 FROM auctions_erratum
                    WHERE id = auctions_erratum_in_force() AND lot_id = OLD.lot_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'published results are frozen: % of the result of lot % needs an erratum',
        TG_OP, OLD.lot_id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auctions_published_result_no_change
    BEFORE UPDATE OR DELETE ON auctions_publishedresult
    FOR EACH ROW EXECUTE FUNCTION auctions_published_result_frozen();
"""

# Errata are a public record: append-only, as bids are.
ERRATUM = """
CREATE OR REPLACE FUNCTION auctions_erratum_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'errata are append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auctions_erratum_no_update_or_delete
    BEFORE UPDATE OR DELETE ON auctions_erratum
    FOR EACH ROW EXECUTE FUNCTION auctions_erratum_append_only();
"""

# A published event: never deleted nor unpublished; its code, names and publication time
# never change; its exchange rate only by an erratum of the event. Everything else moves
# on: the results email's flag (results_notified_at) is set after publication.
EVENT_FROZEN_COLUMNS = [
    "code",
    "name",
    "name_en",
    "name_ru",
    "name_kk",
    "name_zh_hans",
    "results_published_at",
]
EVENT = """
CREATE OR REPLACE FUNCTION auctions_event_published_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.results_published_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the results of event % are published: it cannot be deleted', OLD.code;
    END IF;
    IF %(frozen)s THEN
        RAISE EXCEPTION 'the results of event % are published: its code, name and '
            'publication are frozen', OLD.code;
    END IF;
    IF NEW.kzt_per_usd IS DISTINCT FROM OLD.kzt_per_usd AND NOT EXISTS (
            SELECT 1 FROM auctions_erratum WHERE id = auctions_erratum_in_force()
            AND event_id = OLD.id AND lot_id IS NULL) THEN
        RAISE EXCEPTION 'the results of event % are published: its exchange rate changes '
            'only by an erratum', OLD.code;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auctions_event_published_no_change
    BEFORE UPDATE OR DELETE ON auctions_auctionevent
    FOR EACH ROW EXECUTE FUNCTION auctions_event_published_frozen();
"""

# An offered lot of a published event: never deleted, moved to another event or
# renumbered, and its deposit and licence terms stay what was published. Its state
# (status, price, end, bid chain) still moves: a lot of an event published early runs on,
# and licensing fails a closed lot nobody paid for. The WHEN clause keeps the trigger off
# the bid path, which changes none of these columns.
LOT_FROZEN_COLUMNS = [
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
LOT = """
CREATE OR REPLACE FUNCTION auctions_lot_published_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND EXISTS (
            SELECT 1 FROM auctions_auctionevent
            WHERE id = OLD.event_id AND results_published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'lot % belongs to an event whose results are published: % of it '
            'is not allowed', OLD.number, TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auctions_lot_published_no_delete
    BEFORE DELETE ON auctions_lot
    FOR EACH ROW EXECUTE FUNCTION auctions_lot_published_frozen();
CREATE TRIGGER auctions_lot_published_no_change
    BEFORE UPDATE ON auctions_lot
    FOR EACH ROW WHEN (%(changed)s)
    EXECUTE FUNCTION auctions_lot_published_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS auctions_lot_published_no_change ON auctions_lot;
DROP TRIGGER IF EXISTS auctions_lot_published_no_delete ON auctions_lot;
DROP FUNCTION IF EXISTS auctions_lot_published_frozen();
DROP TRIGGER IF EXISTS auctions_event_published_no_change ON auctions_auctionevent;
DROP FUNCTION IF EXISTS auctions_event_published_frozen();
DROP TRIGGER IF EXISTS auctions_erratum_no_update_or_delete ON auctions_erratum;
DROP FUNCTION IF EXISTS auctions_erratum_append_only();
DROP TRIGGER IF EXISTS auctions_published_result_no_change ON auctions_publishedresult;
DROP FUNCTION IF EXISTS auctions_published_result_frozen();
DROP FUNCTION IF EXISTS auctions_erratum_in_force();
"""


def changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in columns)


def freeze(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in (
        ERRATUM_IN_FORCE,
        PUBLISHED_RESULT,
        ERRATUM,
        EVENT.replace("%(frozen)s", changed(EVENT_FROZEN_COLUMNS)),
        LOT.replace("%(changed)s", changed(LOT_FROZEN_COLUMNS)),
    ):
        schema_editor.execute(statement, params=None)


def unfreeze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


FINISHED_STATUSES = ("closed", "failed", "cancelled")


def snapshot_published_results(apps, schema_editor):
    """Snapshot every finished lot of an already published event, as the publication
    service does (auctions.services.snapshot_finished_lots)."""
    Lot = apps.get_model("auctions", "Lot")
    Application = apps.get_model("auctions", "Application")
    PublishedResult = apps.get_model("auctions", "PublishedResult")
    lots = Lot.objects.filter(
        event__results_published_at__isnull=False,
        status__in=FINISHED_STATUSES,
        published_result__isnull=True,
    ).select_related("event")
    for lot in lots.iterator():
        result = getattr(lot, "result", None)
        awarded = result is not None and result.outcome == "awarded"
        winner = (
            Application.objects.select_related("company").get(pk=result.winner_id)
            if awarded
            else None
        )
        participants = (
            Application.objects.filter(lot=lot, status="admitted")
            .select_related("company")
            .order_by("participant_number")
        )
        PublishedResult.objects.create(
            lot=lot,
            outcome="awarded" if awarded else "failed",
            winner_legal_name=winner.company.legal_name if winner else "",
            winner_country=str(winner.company.country) if winner else "",
            winner_participant_number=winner.participant_number if winner else None,
            winning_bonus=result.winning_bonus if awarded else None,
            bid_count=result.bid_count if result is not None else lot.bid_count,
            closed_at=result.closed_at if result is not None else None,
            participants=[
                {
                    "number": application.participant_number,
                    "legal_name": application.company.legal_name,
                    "country": str(application.company.country),
                }
                for application in participants
            ],
            published_at=lot.event.results_published_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0008_application_history_without_numbers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Erratum",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "field",
                    models.CharField(
                        choices=[
                            ("winner_legal_name", "Winner's legal name"),
                            ("winner_country", "Winner's country"),
                            ("winning_bonus", "Winning signature bonus"),
                            ("bid_count", "Number of bids"),
                            ("kzt_per_usd", "KZT per USD for reporting"),
                        ],
                        max_length=20,
                        verbose_name="corrected",
                    ),
                ),
                (
                    "old_value",
                    models.CharField(blank=True, max_length=255, verbose_name="published value"),
                ),
                ("new_value", models.CharField(max_length=255, verbose_name="corrected value")),
                ("reason", models.TextField(verbose_name="reason")),
                ("published_at", models.DateTimeField(verbose_name="published")),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="errata",
                        to="auctions.auctionevent",
                        verbose_name="event",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="errata",
                        to="auctions.lot",
                        verbose_name="lot",
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="published by",
                    ),
                ),
            ],
            options={
                "verbose_name": "erratum",
                "verbose_name_plural": "errata",
                "ordering": ["event", "published_at", "pk"],
                "permissions": [("publish_erratum", "Can publish an erratum to published results")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("field", "kzt_per_usd"), ("lot__isnull", True)),
                            models.Q(
                                models.Q(("field", "kzt_per_usd"), _negated=True),
                                ("lot__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="erratum_lot_iff_lot_field",
                        violation_error_message=(
                            "A correction of a lot's result names the lot; one of the "
                            "event's rate does not."
                        ),
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True),
                        name="erratum_has_reason",
                        violation_error_message="An erratum needs a reason.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PublishedResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[("awarded", "Awarded"), ("failed", "Failed")],
                        max_length=10,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "winner_legal_name",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="winner's legal name"
                    ),
                ),
                (
                    "winner_country",
                    django_countries.fields.CountryField(
                        blank=True, max_length=2, verbose_name="winner's country"
                    ),
                ),
                (
                    "winner_participant_number",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="winner's participant number"
                    ),
                ),
                (
                    "winning_bonus",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=18,
                        null=True,
                        verbose_name="winning signature bonus, KZT",
                    ),
                ),
                ("bid_count", models.PositiveIntegerField(verbose_name="bids")),
                (
                    "closed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
                ),
                (
                    "participants",
                    models.JSONField(blank=True, default=list, verbose_name="participants"),
                ),
                ("published_at", models.DateTimeField(verbose_name="published")),
                (
                    "lot",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="published_result",
                        to="auctions.lot",
                        verbose_name="lot",
                    ),
                ),
            ],
            options={
                "verbose_name": "published result",
                "verbose_name_plural": "published results",
                "ordering": ["lot"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("outcome", "awarded"),
                                models.Q(("winner_legal_name", ""), _negated=True),
                                ("winner_participant_number__isnull", False),
                                ("winning_bonus__gt", 0),
                            ),
                            models.Q(
                                ("outcome", "failed"),
                                ("winner_legal_name", ""),
                                ("winner_participant_number__isnull", True),
                                ("winning_bonus__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="published_result_awarded_has_winner",
                        violation_error_message=(
                            "An awarded lot has a named winner and a bonus; a failed lot "
                            "has neither."
                        ),
                    )
                ],
            },
        ),
        migrations.RunPython(snapshot_published_results, migrations.RunPython.noop),
        migrations.RunPython(freeze, unfreeze),
    ]
