"""``manage.py import_package``: success output, refusals in French, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Activity
from tests.courses.package_builders import build_h5p, build_scorm2004, make_zip
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401
from tests.factories.courses import CourseFactory

SAMPLES = Path("/work/shared/data/scorm")


def test_command_imports_and_prints_activity_and_standard(package_env):
    """The command prints the created activity id and the detected standard."""
    CourseFactory(code="NUM-2026")
    out = StringIO()
    call_command(
        "import_package",
        str(SAMPLES / "RuntimeBasicCalls_SCORM20043rdEdition.zip"),
        course="NUM-2026",
        title="Le golf",
        stdout=out,
    )
    activity = Activity.objects.get()
    text = out.getvalue()
    assert f"Activité {activity.pk} créée" in text
    assert "SCORM 2004 3e édition" in text
    assert "« Le golf »" in text
    assert f"activity_id={activity.pk}" in text
    assert activity.title == "Le golf"


def test_command_h5p(package_env, tmp_path):
    """An .h5p file is imported as an H5P activity."""
    CourseFactory(code="NUM-H5P")
    path = tmp_path / "quiz.h5p"
    path.write_bytes(build_h5p())
    out = StringIO()
    call_command("import_package", str(path), course="NUM-H5P", stdout=out)
    assert "(H5P)" in out.getvalue()
    assert Activity.objects.get().kind == Activity.Kind.H5P


def test_command_lists_problems_in_french(package_env, tmp_path):
    """A refused package exits with an error listing each problem in French."""
    CourseFactory(code="NUM-BAD")
    path = tmp_path / "evil.zip"
    path.write_bytes(make_zip({"../evil.html": "x", "C:/win.html": "y"}))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_package", str(path), course="NUM-BAD")
    message = str(excinfo.value)
    assert message.startswith("Paquet refusé :")
    assert "Chemin dangereux dans l'archive" in message
    assert "../evil.html" in message and "C:/win.html" in message
    assert excinfo.value.returncode == 1
    assert not Activity.objects.exists()


def test_command_unknown_course(package_env):
    """An unknown course code is reported in French."""
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_package",
            str(SAMPLES / "RuntimeBasicCalls_SCORM12.zip"),
            course="INCONNU",
        )
    assert "Aucun cours ne porte le code « INCONNU »" in str(excinfo.value)


def test_command_missing_file(package_env):
    """A path that does not exist is reported in French."""
    CourseFactory(code="NUM-MISSING")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_package", "/nonexistent/x.zip", course="NUM-MISSING")
    assert "Fichier introuvable : « /nonexistent/x.zip »" in str(excinfo.value)


@pytest.mark.django_db(transaction=True)
def test_command_exit_codes_in_a_real_process(tmp_path, settings):
    """Run as a process: exit 0 with the id on success, non-zero on refusal."""
    CourseFactory(code="NUM-PROC")
    good = tmp_path / "good.zip"
    good.write_bytes(build_scorm2004())
    bad = tmp_path / "bad.zip"
    bad.write_bytes(make_zip({"course.crs": "[Course]", "course.au": "x"}))
    database = django_settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "TREMPLIN_VAR_DIR": str(tmp_path / "var"),
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    ok = subprocess.run(
        [
            sys.executable,
            str(manage),
            "import_package",
            str(good),
            "--course",
            "NUM-PROC",
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    activity = Activity.objects.get()
    assert f"activity_id={activity.pk}" in ok.stdout
    assert "SCORM 2004 4e édition" in ok.stdout

    refused = subprocess.run(
        [
            sys.executable,
            str(manage),
            "import_package",
            str(bad),
            "--course",
            "NUM-PROC",
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "Norme non prise en charge" in refused.stderr
    assert "AICC" in refused.stderr
    assert Activity.objects.count() == 1
