"""Load the DigCompEdu areas and competences (reference data)."""

from django.db import migrations


def load(apps, schema_editor):
    from lms import digcompedu

    digcompedu.load_framework(
        apps.get_model("lms", "CompetenceArea"), apps.get_model("lms", "Competence")
    )


class Migration(migrations.Migration):
    dependencies = [("lms", "0002_add_digcompedu_framework")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
