"""Load the DigCompEdu framework row and its six levels; link the areas to it."""

from django.db import migrations


def load(apps, schema_editor):
    from lms import digcompedu

    digcompedu.load_framework(
        apps.get_model("lms", "CompetenceArea"),
        apps.get_model("lms", "Competence"),
        apps.get_model("lms", "Framework"),
        apps.get_model("lms", "ProficiencyLevel"),
    )


class Migration(migrations.Migration):
    dependencies = [("lms", "0004_add_framework_versions_and_levels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
