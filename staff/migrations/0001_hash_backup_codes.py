# Backup codes are stored as keyed hashes (staff.auth.backup_code_hash, issue #11). The codes
# stored in clear before (8 characters) are replaced by their hashes here, so they keep
# working once the login hashes what is typed. A hash is 16 characters, so running this again
# changes nothing. The codes cannot be got back from their hashes: reversing leaves the
# hashes, so code from before this change refuses every backup code (``manage.py staff_otp
# USERNAME`` makes new ones).
#
# The staff app has no models; this migration changes django-otp's table, which is why it
# lives here, beside the code that reads it.

from django.db import migrations

from staff.auth import backup_code_hash

HASH_LENGTH = 16


def hash_clear_backup_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    clear = (StaticToken.objects.exclude(token__regex=rf"^.{{{HASH_LENGTH}}}$")
             .select_related("device"))
    for token in clear.iterator():
        token.token = backup_code_hash(token.token.lower(), user_id=token.device.user_id)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):

    dependencies = [
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(hash_clear_backup_codes, migrations.RunPython.noop,
                             elidable=False),
    ]
