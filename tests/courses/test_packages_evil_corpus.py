"""Every archive of the evil corpus is refused, leaving nothing behind."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from courses.models import Package
from courses.packages.errors import CODES, PackageError
from tests.courses.evil_packages import CASES, EvilCase
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401

ESCAPE_CANARIES = [
    Path("/abs.txt"),
    Path("/x.txt"),
    Path("/etc/cron.d/evil"),
    Path("/tmp/pwned.txt"),  # noqa: S108 - must not exist
]


def test_corpus_has_at_least_forty_cases():
    """The corpus holds at least 40 distinct hostile archives with known codes."""
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.code for case in CASES} <= set(CODES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_evil_package_is_refused_and_leaves_nothing(
    case: EvilCase, package_env, settings
):
    """A hostile archive is refused with its code, a French reason, and no file
    left in storage, in the staging area or outside it."""
    for name, value in case.settings.items():
        setattr(settings, name, value)
    data = case.build()
    before = package_env.all_media_files()
    started = time.monotonic()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    if case.stage == "upload":
        with pytest.raises(PackageError) as caught:
            package_env.upload(data, case.filename)
        assert case.code in caught.value.codes
        assert all(problem.message for problem in caught.value.problems)
        assert Package.objects.count() == 0
        assert package_env.all_media_files() == before
    else:
        package = package_env.process(data, case.filename)
        assert package.status == Package.Status.FAILED, package.errors
        codes = [problem["code"] for problem in package.errors]
        assert case.code in codes, package.errors
        assert all(problem["message"] for problem in package.errors)
        assert package.progress == 100
        assert package_env.stored_files(package) == []
        assert not (package_env.media / "packages" / str(package.uuid)).exists()
        # Only the raw upload was added to storage.
        assert package_env.all_media_files() == sorted([*before, package.upload.name])

    assert package_env.staging_leftovers() == []
    for canary in ESCAPE_CANARIES:
        assert not canary.exists(), canary
    assert not (package_env.staging.parent / "evil.txt").exists()
    assert not (package_env.media.parent / "x.txt").exists()
    assert time.monotonic() - started < 10
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kb < 256 * 1024


def test_refusal_names_the_entry(package_env):
    """The problem names the guilty entry so staff know what to fix."""
    case = next(c for c in CASES if c.id == "dotdot")
    package = package_env.process(case.build())
    problem = next(p for p in package.errors if p["code"] == "unsafe_path")
    assert problem["entry"] == "../evil.txt"
    assert "../evil.txt" in problem["message"]
    assert "dangereux" in problem["message"]


def test_symlink_is_never_materialised(package_env):
    """No symlink is ever created, whatever the archive says."""
    case = next(c for c in CASES if c.id == "symlink-dir-then-write")
    package_env.process(case.build())
    for root, dirs, files in os.walk(package_env.media.parent):
        for name in dirs + files:
            assert not os.path.islink(os.path.join(root, name))
