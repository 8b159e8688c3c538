"""Seed the lookup rows of education levels and audiences."""

from django.db import migrations


def seed(apps, schema_editor):
    from catalogue.models.taxonomy import Audience, Level

    level_model = apps.get_model("catalogue", "EducationLevel")
    audience_model = apps.get_model("catalogue", "AudienceFunction")
    for position, code in enumerate(Level.values):
        level_model.objects.update_or_create(code=code, defaults={"position": position})
    for position, code in enumerate(Audience.values):
        audience_model.objects.update_or_create(
            code=code, defaults={"position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
