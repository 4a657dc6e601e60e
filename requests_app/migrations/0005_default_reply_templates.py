from django.db import migrations


def install(apps, schema_editor):
    from requests_app.casework.reply_defaults import install as install_defaults

    install_defaults(apps.get_model("requests_app", "ReplyTemplate"))


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0004_staff_workflow")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
