"""Every periodic task of the beat schedule exists (a typo would never run)."""

from lms.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    missing = [
        entry["task"]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] not in app.tasks
    ]
    assert missing == []
