"""Seed the lookup rows of education levels and audiences."""

from django.db import migrations


def seed(apps, schema_editor):
    from catalogue.reference import seed_vocabularies

    seed_vocabularies(
        apps.get_model("catalogue", "EducationLevel"),
        apps.get_model("catalogue", "AudienceFunction"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
