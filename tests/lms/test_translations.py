"""The English catalogue is complete and in sync with the French source strings."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parents[2]
EN_PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = [
    "lms",
    "themes",
    "catalogue",
    "courses",
    "tutoring",
    "live",
    "certification",
    "indicators",
]


def test_every_english_entry_is_translated():
    """No English entry is empty or fuzzy."""
    po = polib.pofile(str(EN_PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert len(po.translated_entries()) > 100


def test_english_catalogue_matches_source_strings(tmp_path):
    """makemessages on a copy of the code finds exactly the msgids we translated."""
    for name in SOURCE_DIRS:
        shutil.copytree(
            BASE_DIR / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(BASE_DIR / "manage.py", tmp_path)
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "TREMPLIN_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(EN_PO))
    fresh_ids = {(e.msgctxt, e.msgid) for e in fresh}
    committed_ids = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    assert fresh_ids - committed_ids == set(), (
        "untranslated new strings: run scripts/update-translations"
    )
    assert committed_ids - fresh_ids == set(), (
        "stale strings: run scripts/update-translations"
    )
