"""Admin history written before the identity policy named applications by participant
number ("Participant 2, lot 5") beside the company they belong to: rewrite those entries
with the neutral name the application has now."""

from django.db import migrations


def rename_history(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Application = apps.get_model("auctions", "Application")
    content_type = ContentType.objects.filter(app_label="auctions", model="application").first()
    if content_type is None:
        return
    lots = dict(Application.objects.values_list("pk", "lot__number"))
    for entry in LogEntry.objects.filter(content_type=content_type).iterator():
        try:
            number = lots[int(entry.object_id)]
        except (KeyError, TypeError, ValueError):
            number = "?"
        entry.object_repr = f"Application {entry.object_id} for lot {number}"
        entry.save(update_fields=["object_repr"])


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auctions", "0007_catalogue_start_index"),
    ]

    operations = [migrations.RunPython(rename_history, migrations.RunPython.noop)]
