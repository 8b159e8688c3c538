"""Retention for the audit journal: the append-only trigger also lets through
deletes of entries older than the moment ``lms.audit.purge_before`` sets for
its own transaction; new journal actions."""

from importlib import import_module

from django.db import migrations, models

PREVIOUS_FUNCTION = import_module(
    "lms.migrations.0006_audit_journal_and_erasure"
).APPEND_ONLY["postgresql"][0][0]

FUNCTION = """
CREATE OR REPLACE FUNCTION lms_auditevent_append_only() RETURNS trigger AS $$
DECLARE
    purge_before timestamptz :=
        NULLIF(current_setting('tremplin.audit_purge_before', true), '');
BEGIN
    IF TG_OP = 'DELETE' AND purge_before IS NOT NULL AND OLD.at < purge_before THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND current_setting('tremplin.audit_redaction', true) = 'on'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
       AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$ LANGUAGE plpgsql
"""


def _replace_function(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0006_audit_journal_and_erasure"),
    ]

    operations = [
        migrations.RunPython(
            _replace_function(FUNCTION), _replace_function(PREVIOUS_FUNCTION)
        ),
    ]
