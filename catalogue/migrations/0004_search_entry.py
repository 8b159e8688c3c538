"""The search/facet row of live trainings, and PostgreSQL's French text search setup.

On PostgreSQL: the ``unaccent`` extension, a ``tremplin_fr`` text search
configuration (French stemming after accent folding) and a GIN index on the
vector. Elsewhere (the embedded SQLite) only the table is created.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models

POSTGRES_FORWARDS = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'tremplin_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION tremplin_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION tremplin_fr
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS catalogue_searchentry_vector_gin
    ON catalogue_trainingsearchentry USING gin (search_vector);
"""

POSTGRES_BACKWARDS = """
DROP INDEX IF EXISTS catalogue_searchentry_vector_gin;
DROP TEXT SEARCH CONFIGURATION IF EXISTS tremplin_fr;
"""


def postgres_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARDS)


def postgres_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARDS)


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0003_workflow_peer_review_task"),
    ]

    operations = [
        UnaccentExtension(),
        migrations.CreateModel(
            name="TrainingSearchEntry",
            fields=[
                ("training", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="search_entry", serialize=False, to="catalogue.trainingpage", verbose_name="formation")),
                ("title", models.CharField(max_length=255, verbose_name="titre")),
                ("document", models.TextField(blank=True, verbose_name="texte normalisé")),
                ("title_document", models.TextField(blank=True, verbose_name="titre normalisé")),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(blank=True, null=True)),
                ("modality", models.CharField(max_length=16, verbose_name="modalité")),
                ("hours_bucket", models.CharField(max_length=8, verbose_name="tranche d'heures")),
                ("total_hours", models.DecimalField(decimal_places=1, max_digits=6, verbose_name="heures")),
                ("levels", models.CharField(blank=True, max_length=255, verbose_name="niveaux")),
                ("audiences", models.CharField(blank=True, max_length=255, verbose_name="publics")),
                ("areas", models.CharField(blank=True, max_length=64, verbose_name="domaines")),
                ("competences", models.CharField(blank=True, max_length=255, verbose_name="compétences")),
                ("months", models.TextField(blank=True, verbose_name="mois des sessions à venir")),
                ("provinces", models.CharField(blank=True, max_length=255, verbose_name="provinces")),
                ("level_bits", models.IntegerField(default=0, verbose_name="niveaux (bits)")),
                ("audience_bits", models.IntegerField(default=0, verbose_name="publics (bits)")),
                ("area_bits", models.IntegerField(default=0, verbose_name="domaines (bits)")),
                ("competence_bits", models.IntegerField(default=0, verbose_name="compétences (bits)")),
                ("province_bits", models.IntegerField(default=0, verbose_name="provinces (bits)")),
                ("month_bits", models.BigIntegerField(default=0, verbose_name="mois (bits)")),
                ("next_session_on", models.DateField(blank=True, null=True, verbose_name="prochaine session")),
                ("open_from", models.DateTimeField(null=True, verbose_name="inscriptions ouvertes dès")),
                ("open_until", models.DateTimeField(null=True, verbose_name="inscriptions ouvertes jusqu'au")),
                ("refreshed_at", models.DateTimeField(auto_now=True, verbose_name="mis à jour le")),
            ],
            options={
                "verbose_name": "entrée de recherche du catalogue",
                "verbose_name_plural": "entrées de recherche du catalogue",
                "indexes": [
                    models.Index(fields=["next_session_on", "title"], name="catalogue_search_next_idx"),
                    models.Index(fields=["modality"], name="catalogue_search_modality_idx"),
                ],
            },
        ),
        migrations.RunPython(postgres_forwards, postgres_backwards, elidable=False),
    ]
