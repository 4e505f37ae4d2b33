"""The field form's models and the import queue arrived side by side; one history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_field_form"),
        ("portal", "0002_import_jobs"),
    ]

    operations = []
