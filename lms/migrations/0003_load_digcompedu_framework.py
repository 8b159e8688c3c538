"""Load the DigCompEdu areas and competences (reference data)."""

from django.db import migrations


def load(apps, schema_editor):
    from lms import digcompedu

    area_model = apps.get_model("lms", "CompetenceArea")
    competence_model = apps.get_model("lms", "Competence")
    areas = {}
    for area in digcompedu.areas():
        areas[area.code], _ = area_model.objects.update_or_create(
            code=area.code, defaults={"name_fr": area.name_fr, "name_en": area.name_en}
        )
    for comp in digcompedu.competences():
        competence_model.objects.update_or_create(
            code=comp.code,
            defaults={
                "area": areas[comp.area],
                "name_fr": comp.name_fr,
                "name_en": comp.name_en,
                "description_en": comp.description_en,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("lms", "0002_add_digcompedu_framework")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
