"""Processing packages end to end: storage, progress, idempotence, import, task."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile

import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages

from courses.models import Activity, Package
from courses.packages import importer, storage, zipsafe
from courses.packages.errors import PackageError
from courses.tasks import process_package_task
from tests.courses.package_builders import (
    build_h5p,
    build_scorm12,
    build_scorm2004,
    make_zip,
    multi_sco_2004,
    scorm12_manifest,
)
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tests.shared_data import SCORM_SAMPLES

SAMPLES = SCORM_SAMPLES


@pytest.mark.parametrize(
    ("name", "standard", "edition", "scos"),
    [
        ("RuntimeBasicCalls_SCORM12.zip", "scorm12", "1.2", 1),
        ("RuntimeBasicCalls_SCORM20043rdEdition.zip", "scorm2004", "2004 3rd", 1),
        (
            "ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip",
            "scorm2004",
            "2004 3rd",
            18,
        ),
    ],
)
def test_real_packages_are_published_to_storage(
    package_env, name, standard, edition, scos
):
    """Real authoring-tool packages become READY with every file in storage."""
    data = (SAMPLES / name).read_bytes()
    package = package_env.process(data, name)
    assert package.status == Package.Status.READY, package.errors
    assert (package.standard, package.edition) == (standard, edition)
    assert len(package.scos) == scos
    assert package.progress == 100
    assert package.storage_prefix == f"packages/{package.uuid}/"
    assert package.sha256 == hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(SAMPLES / name) as archive:
        expected = sorted(n for n in archive.namelist() if not n.endswith("/"))
        originals = {n: archive.read(n) for n in expected}
    stored = package_env.stored_files(package)
    assert stored == sorted(package.storage_prefix + n for n in expected)
    assert package.file_count == len(expected)
    assert package.uncompressed_size == sum(len(v) for v in originals.values())
    launch = package.launch_path.split("?")[0]
    with default_storage.open(package.storage_prefix + launch) as handle:
        assert handle.read() == originals[launch]
    assert package_env.staging_leftovers() == []


def test_manifest_in_single_top_level_folder(package_env):
    """A package zipped with its folder is accepted and the folder stripped."""
    package = package_env.process(build_scorm12(root_folder="Mon module"))
    assert package.status == Package.Status.READY, package.errors
    assert package_env.stored_files(package) == [
        f"packages/{package.uuid}/imsmanifest.xml",
        f"packages/{package.uuid}/sco12.html",
    ]
    assert package.launch_path == "sco12.html"


def test_macos_litter_is_skipped(package_env):
    """__MACOSX and .DS_Store entries are validated but not published."""
    data = make_zip(
        {
            "course/imsmanifest.xml": scorm12_manifest(),
            "course/sco12.html": "<p>x</p>",
            "course/.DS_Store": b"\0",
            "__MACOSX/course/._sco12.html": b"\0",
        }
    )
    package = package_env.process(data)
    assert package.status == Package.Status.READY, package.errors
    assert [k.rsplit("/", 1)[-1] for k in package_env.stored_files(package)] == [
        "imsmanifest.xml",
        "sco12.html",
    ]


def test_scorm2004_fourth_edition_multi_sco(package_env):
    """A 4th edition multi-SCO package is READY with its three SCOs."""
    package = package_env.process(build_scorm2004(scos=multi_sco_2004()))
    assert package.status == Package.Status.READY, package.errors
    assert package.edition == "2004 4th"
    assert [s["identifier"] for s in package.scos] == ["intro", "lesson", "quiz"]
    assert package.launch_path == "intro/index.html"
    assert package.title == "Module SCORM 2004"


def test_h5p_package_is_published_for_h5p_standalone(package_env):
    """An .h5p is READY with h5p.json, content/ and library folders at its root."""
    package = package_env.process(build_h5p(title="Quiz"), "quiz.h5p")
    assert package.status == Package.Status.READY, package.errors
    assert package.standard == Package.Standard.H5P
    assert package.title == "Quiz"
    prefix = package.storage_prefix
    assert package_env.stored_files(package) == sorted(
        prefix + p
        for p in [
            "h5p.json",
            "content/content.json",
            "H5P.TremplinQuiz-1.0/library.json",
            "H5P.TremplinQuiz-1.0/quiz.js",
            "H5P.TremplinQuiz-1.0/quiz.css",
        ]
    )
    assert package.structure["main_library"] == "H5P.TremplinQuiz-1.0"


def test_progress_is_reported_while_processing(package_env, monkeypatch):
    """Progress goes 10 after validation, rises during extraction and publication."""
    seen: list[int] = []
    original = importer._set_progress

    def spy(package, value):
        original(package, value)
        seen.append(Package.objects.get(pk=package.pk).progress)

    monkeypatch.setattr(importer, "_set_progress", spy)
    files = {f"page{i}.html": f"<p>{i}</p>" for i in range(20)}
    package = package_env.process(build_scorm12(files=files))
    assert package.status == Package.Status.READY
    assert seen[0] == 10
    assert seen == sorted(seen)
    assert any(10 < value < 50 for value in seen)
    assert any(50 < value < 100 for value in seen)
    assert Package.objects.get(pk=package.pk).progress == 100


def test_processing_a_ready_package_again_changes_nothing(package_env):
    """Re-running processing on a READY package is a no-op (immutable files)."""
    package = package_env.process(build_scorm12())
    stored = package_env.stored_files(package)
    modified = package.updated_at
    again = importer.process_package(package.pk)
    assert again.status == Package.Status.READY
    assert package_env.stored_files(again) == stored
    assert Package.objects.get(pk=package.pk).updated_at == modified


def test_crashed_run_is_cleaned_and_redone(package_env):
    """A package left PROCESSING with stray files is processed from a clean prefix."""
    package = package_env.upload(build_scorm12())
    prefix = storage.package_prefix(package.uuid)
    default_storage.save(prefix + "stray.html", ContentFile(b"old"))
    default_storage.save(prefix + "sco12.html", ContentFile(b"half"))
    Package.objects.filter(pk=package.pk).update(status=Package.Status.PROCESSING)
    package = importer.process_package(package.pk)
    assert package.status == Package.Status.READY, package.errors
    assert package_env.stored_files(package) == [
        prefix + "imsmanifest.xml",
        prefix + "sco12.html",
    ]
    with default_storage.open(prefix + "sco12.html") as handle:
        assert handle.read() != b"half"


def test_concurrent_run_is_skipped(package_env):
    """While another worker holds the lock, processing leaves the package alone."""
    package = package_env.upload(build_scorm12())
    lock = f"courses:package-processing:{package.uuid}"
    cache.add(lock, "1", 60)
    try:
        result = importer.process_package(package.pk)
    finally:
        cache.delete(lock)
    assert result.status == Package.Status.PENDING
    assert package_env.stored_files(package) == []


def test_storage_failure_leaves_nothing(package_env, monkeypatch):
    """If storage fails half-way, the package is FAILED and the prefix emptied."""
    calls = {"count": 0}
    original = FileSystemStorage.save

    def flaky(self, name, content, max_length=None):
        if name.startswith("packages/"):
            calls["count"] += 1
            if calls["count"] == 3:
                raise OSError("disk full")
        return original(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", flaky)
    files = {f"p{i}.html": "x" for i in range(5)}
    package = package_env.process(build_scorm12(files=files))
    assert package.status == Package.Status.FAILED
    assert [p["code"] for p in package.errors] == ["storage_error"]
    assert package_env.stored_files(package) == []
    assert package_env.staging_leftovers() == []


def test_unexpected_error_is_reported_as_internal(package_env, monkeypatch):
    """A bug during processing marks the package FAILED with a French message."""

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(zipsafe, "inspect_archive", boom)
    package = package_env.process(build_scorm12())
    assert package.status == Package.Status.FAILED
    assert package.errors[0]["code"] == "internal_error"
    assert "Erreur interne" in package.errors[0]["message"]


def test_upload_is_stored_under_generated_key(package_env, teacher):
    """The raw archive is kept under a key we generate, never the user's name."""
    package = package_env.upload(build_scorm12(), "../../etc/évil name.zip", teacher)
    assert package.status == Package.Status.PENDING
    assert package.upload.name == f"package-uploads/{package.uuid}.zip"
    assert package.original_filename == "évil name.zip"
    assert package.uploaded_by == teacher


def test_upload_too_large_is_refused(package_env, settings):
    """An upload over PACKAGE_MAX_UPLOAD_BYTES is refused before storage."""
    settings.PACKAGE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(PackageError) as excinfo:
        package_env.upload(build_scorm12())
    assert excinfo.value.codes == ["upload_too_large"]
    assert package_env.all_media_files() == []


def test_inner_zip_is_kept_as_an_opaque_file(package_env):
    """An archive inside a SCORM package is published as is, never opened."""
    inner = make_zip({"bomb.bin": b"\0" * 100_000})
    package = package_env.process(
        build_scorm12(files={"downloads/resources.zip": inner})
    )
    assert package.status == Package.Status.READY, package.errors
    with default_storage.open(package.storage_prefix + "downloads/resources.zip") as f:
        assert f.read() == inner


def test_new_upload_gets_a_new_prefix(package_env):
    """Replacing a package never touches the files of the previous version (A15)."""
    first = package_env.process(build_scorm12(title="v1"))
    files_v1 = package_env.stored_files(first)
    second = package_env.process(build_scorm12(title="v2"))
    assert second.storage_prefix != first.storage_prefix
    assert package_env.stored_files(first) == files_v1


def test_task_processes_the_package(package_env):
    """The Celery task runs the processing service and is idempotent."""
    package = package_env.upload(build_scorm12())
    process_package_task.apply(args=[package.pk]).get()
    package.refresh_from_db()
    assert package.status == Package.Status.READY
    process_package_task.apply(args=[package.pk]).get()
    package.refresh_from_db()
    assert package.status == Package.Status.READY


def test_task_retries_while_another_run_holds_the_lock(package_env):
    """When the package is locked by another run, the task asks to retry later."""
    package = package_env.upload(build_scorm12())
    lock = f"courses:package-processing:{package.uuid}"
    cache.add(lock, "1", 60)
    try:
        with pytest.raises(Retry) as excinfo:
            process_package_task.apply(args=[package.pk])
    finally:
        cache.delete(lock)
    assert excinfo.value.when == 60
    package.refresh_from_db()
    assert package.status == Package.Status.PENDING


def test_repeated_crashes_stop_with_a_clear_error(package_env):
    """A package whose runs keep dying is marked FAILED instead of looping."""
    package = package_env.upload(build_scorm12())
    Package.objects.filter(pk=package.pk).update(status=Package.Status.PROCESSING)
    key = f"courses:package-crashes:{package.uuid}"
    cache.set(key, 2, 60)
    try:
        package = importer.process_package(package.pk)
    finally:
        cache.delete(key)
    assert package.status == Package.Status.FAILED
    assert "plusieurs reprises" in package.errors[0]["message"]
    assert package_env.stored_files(package) == []


def test_task_options():
    """The task acknowledges late and has soft and hard time limits."""
    assert process_package_task.acks_late is True
    assert process_package_task.soft_time_limit < process_package_task.time_limit


def test_task_ignores_a_vanished_package(db):
    """A deleted package makes the task log and return, not crash."""
    process_package_task.apply(args=[987654321]).get()


def test_import_package_creates_module_and_activity(package_env, tmp_path):
    """import_package creates « Modules en ligne » and a SCORM activity."""
    course = CourseFactory(code="TICE-01")
    path = tmp_path / "module.zip"
    path.write_bytes(build_scorm12(title="Découvrir"))
    activity = importer.import_package(path, "TICE-01")
    assert activity.kind == Activity.Kind.SCORM
    assert activity.title == "Découvrir"
    assert activity.completion_rule == Activity.CompletionRule.COMPLETED
    assert activity.module.course == course
    assert activity.module.title == "Modules en ligne"
    assert activity.package.status == Package.Status.READY


def test_import_package_appends_to_last_module(package_env, tmp_path):
    """With existing modules, the activity goes last in the last module."""
    course = CourseFactory(code="TICE-02")
    ModuleFactory(course=course, position=0)
    last = ModuleFactory(course=course, position=5)
    ActivityFactory(module=last, position=3)
    path = tmp_path / "quiz.h5p"
    path.write_bytes(build_h5p())
    activity = importer.import_package(path, "TICE-02", title="Mon quiz")
    assert activity.module == last
    assert activity.position == 4
    assert activity.kind == Activity.Kind.H5P
    assert activity.title == "Mon quiz"


def test_import_package_with_mastery_score_requires_passing(package_env, tmp_path):
    """A mastery score makes the activity complete only when passed."""
    CourseFactory(code="TICE-03")
    path = tmp_path / "exam.zip"
    path.write_bytes(build_scorm12(mastery_score=80))
    activity = importer.import_package(path, "TICE-03")
    assert activity.completion_rule == Activity.CompletionRule.PASSED


def test_import_package_unknown_course(package_env, tmp_path):
    """An unknown course code is a clear French error, nothing stored."""
    path = tmp_path / "module.zip"
    path.write_bytes(build_scorm12())
    with pytest.raises(PackageError) as excinfo:
        importer.import_package(path, "NOPE")
    assert excinfo.value.codes == ["course_not_found"]
    assert "NOPE" in excinfo.value.problems[0].message
    assert package_env.all_media_files() == []


def test_import_package_refused_package(package_env, tmp_path):
    """A refused package raises its problems and creates no activity."""
    CourseFactory(code="TICE-04")
    path = tmp_path / "bad.zip"
    path.write_bytes(make_zip({"index.html": "x"}))
    with pytest.raises(PackageError) as excinfo:
        importer.import_package(path, "TICE-04")
    assert excinfo.value.codes == ["manifest_missing"]
    assert not Activity.objects.exists()


def test_works_with_an_object_store_like_storage(db, settings, tmp_path, monkeypatch):
    """Only the Storage API is used: an in-memory store (no real folders) works."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    store = storages["default"]
    package = importer.create_package_from_upload(
        ContentFile(build_scorm2004(scos=multi_sco_2004()), name="m.zip")
    )
    package = importer.process_package(package.pk)
    assert package.status == Package.Status.READY, package.errors
    keys = storage.list_prefix(package.storage_prefix, storage=store)
    assert package.storage_prefix + "quiz/index.html" in keys
    assert storage.delete_prefix(package.storage_prefix, storage=store) == len(keys)
    assert storage.list_prefix(package.storage_prefix, storage=store) == []
    assert list(tmp_path.iterdir()) == []
