"""Roles are no longer Django groups: delete the "role: …" groups.

The groups carried one role's permissions into every organisation the user belonged to (an
organisation admin of B could change A's settings where they were only a handler), and a
demoted member kept them. Rights now come from the memberships alone (``access``), so the
groups are deleted, and with them the rights they leaked to old installs. Nothing recreates
them; reversing this migration leaves them gone.
"""

from django.db import migrations

PREFIX = "role: "


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__startswith=PREFIX).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("requests_app", "0012_encrypt_attachments"),
    ]

    operations = [
        migrations.RunPython(delete_role_groups, migrations.RunPython.noop, elidable=True),
    ]
