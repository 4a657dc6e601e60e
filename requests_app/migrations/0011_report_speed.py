# Reports (issue #7): covering indexes, so that the figures of a period are counted from an
# index alone (docs/benchmarks.md, "Reports"). The covering index on received_at replaces the
# plain one of 0009.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0010_outcomes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="request",
            name="req_received_idx",
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(fields=["received_at"],
                               include=("organisation", "status", "type", "channel",
                                        "relationship"),
                               name="req_received_cover_idx"),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(condition=models.Q(("status__in", ["completed", "refused",
                                                                  "withdrawn", "forwarded"])),
                               fields=["closed_at"],
                               include=("organisation", "status", "type", "channel",
                                        "relationship", "received_at", "due_date",
                                        "extended_at", "extension_reason", "partly_refused",
                                        "refusal_ground", "forwarded_to_name", "purged_at"),
                               name="req_closed_cover_idx"),
        ),
    ]
