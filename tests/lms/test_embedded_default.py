"""The README's `run` command on the embedded default (SQLite, in-memory layer,
in-process tasks): migrate, seed the demo, and the demo people's main pages answer.

Runs in a subprocess with a fresh SQLite file, as `make run` would on a new machine,
so that code paths that only work on PostgreSQL (row locks, JSON operators,
``unaccent``) are caught before a newcomer meets them.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.embedded_support import embedded_env, manage

PAGES_SCRIPT = textwrap.dedent(
    """
    from django.test import Client
    from django.urls import reverse
    from live.models import InPersonDay, VirtualClass
    from tutoring.models import Cohort

    cohort = Cohort.objects.get(enrolments__user__email="apprenant01@demo.tremplin.test")
    live_class = VirtualClass.objects.filter(cohort=cohort).first()
    day = InPersonDay.objects.filter(cohort=cohort).first()
    checks = {
        "enseignante@demo.tremplin.test": [
            reverse("lms:dashboard"),
            reverse("tutoring:my_trainings"),
            reverse("tutoring:cohort_home", args=[cohort.pk]),
            reverse("tutoring:forum", args=[cohort.pk]),
            reverse("tutoring:chat", args=[cohort.pk]),
            reverse("catalogue:my_registrations"),
            reverse("live:cohort_agenda", args=[cohort.pk]),
            reverse("live:class_detail", args=[live_class.uuid]),
            reverse("live:my_attendance", args=[cohort.pk]),
        ],
        "tuteur@demo.tremplin.test": [
            reverse("tutoring:cohort_list"),
            reverse("tutoring:dashboard", args=[cohort.pk]),
            reverse("tutoring:dashboard", args=[cohort.pk]) + "?flag=at_risk&q=apprenant",
            reverse("tutoring:dashboard_export", args=[cohort.pk, "csv"]),
            reverse("tutoring:submissions", args=[cohort.pk]),
            reverse("tutoring:nudge_rules", args=[cohort.pk]),
            reverse("live:attendance", args=[cohort.pk]),
            reverse("live:day_sheet", args=[day.uuid]),
        ],
    }
    for email, paths in checks.items():
        client = Client(HTTP_HOST="127.0.0.1")
        assert client.login(username=email, password="{password}"), email
        for path in paths:
            response = client.get(path)
            print(response.status_code, email, path)
    """
)


@pytest.mark.timeout(900)
def test_run_command_works_on_the_embedded_default(tmp_path):
    env = embedded_env(tmp_path)
    for step in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
        result = manage(*step, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "tremplin.sqlite3").exists()
    from django.conf import settings

    script = PAGES_SCRIPT.replace("{password}", settings.DEMO_PASSWORD)
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "@demo." in line]
    assert len(lines) == 17, result.stdout
    assert all(line.startswith("200 ") for line in lines), result.stdout
