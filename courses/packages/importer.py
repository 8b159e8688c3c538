"""Services that turn an uploaded archive into a playable ``Package`` and activity.

Lifecycle of a ``Package``: ``PENDING`` (raw archive stored by
:func:`create_package_from_upload`) → ``PROCESSING`` (:func:`process_package`,
normally run by the Celery task ``courses.tasks.process_package_task``) →
``READY`` or ``FAILED``. ``progress`` goes 0 → 10 once the archive is validated
(before any byte is extracted) → 10–50 while extracting to a private staging
folder → 50–95 while publishing to storage → 100 in both final states. Files
become visible under ``packages/<uuid>/`` only once the whole package is valid;
the player must serve ``READY`` packages only. On failure nothing is left under
the prefix and ``errors`` lists ``{"code", "message", "entry"}`` in French.

A ``READY`` package is immutable: re-running processing returns it unchanged,
and a new upload is a new package with a new prefix, so in-flight attempts keep
the files they started with (reliability A15).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from courses.models import Activity, Course, Module, Package

from . import detection, h5p, manifest, storage, zipsafe
from .errors import PackageError

logger = logging.getLogger(__name__)

ACCEPTED_EXTENSIONS = (".zip", ".h5p")
LOCK_SECONDS = 15 * 60
COPY_CHUNK = 1024 * 1024


@dataclass(slots=True)
class _Result:
    standard: str
    edition: str
    title: str
    structure: dict[str, Any]
    launch_path: str
    files: list[str] = field(default_factory=list)


# --- Upload -----------------------------------------------------------------------


def _clean_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return "".join(c for c in base if c.isprintable())[:255] or "paquet.zip"


def create_package_from_upload(uploaded_file: File, user: Any = None) -> Package:
    """Store an uploaded archive under a generated key and create a PENDING package.

    Preconditions: none (the upload may be anything). Checks only the size and
    the zip signature (so a renamed PDF is refused at once); everything else is
    done by :func:`process_package`. Side effect: one file in the default storage
    under ``package-uploads/``. Raises ``PackageError`` (``upload_too_large``,
    ``not_a_zip``). The caller enqueues ``process_package_task`` on commit.
    """
    limit = settings.PACKAGE_MAX_UPLOAD_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    if size > limit:
        raise PackageError.one(
            "upload_too_large",
            _("Le fichier dépasse la taille maximale autorisée (%(max)s octets).")
            % {"max": limit},
        )
    uploaded_file.seek(0)
    zipsafe.check_archive_header(uploaded_file)  # type: ignore[arg-type]
    uploaded_file.seek(0)
    original = _clean_filename(getattr(uploaded_file, "name", "") or "")
    extension = os.path.splitext(original)[1].lower()
    if extension not in ACCEPTED_EXTENSIONS:
        extension = ".zip"
    package = Package(
        original_filename=original,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        status=Package.Status.PENDING,
    )
    key = f"{storage.UPLOADS_PREFIX}/{package.uuid}{extension}"
    saved = default_storage.save(key, uploaded_file)
    package.upload.name = saved
    try:
        package.save()
    except Exception:
        default_storage.delete(saved)
        raise
    logger.info("package %s uploaded (%s bytes)", package.uuid, size)
    return package


# --- Processing -------------------------------------------------------------------


def _set_progress(package: Package, value: int) -> None:
    value = max(0, min(100, int(value)))
    if value != package.progress:
        package.progress = value
        Package.objects.filter(pk=package.pk).update(progress=value)


def _copy_upload(package: Package, target: Path) -> str:
    """Copy the raw archive from storage to local disk; return its SHA-256."""
    limit = settings.PACKAGE_MAX_UPLOAD_BYTES
    digest = hashlib.sha256()
    copied = 0
    with package.upload.open("rb") as source, open(target, "wb") as output:
        while chunk := source.read(COPY_CHUNK):
            copied += len(chunk)
            if copied > limit:
                raise PackageError.one(
                    "upload_too_large",
                    _(
                        "Le fichier dépasse la taille maximale autorisée (%(max)s octets)."
                    )
                    % {"max": limit},
                )
            digest.update(chunk)
            output.write(chunk)
    return digest.hexdigest()


def _validate(zf: zipfile.ZipFile, listing: zipsafe.Listing, filename: str) -> _Result:
    kind, manifest_path = detection.detect_kind(listing, filename)

    def read(path: str, cap: int, code: str) -> bytes:
        return zipsafe.read_member(zf, listing.files[path], cap, code)

    if kind == detection.KIND_H5P:
        package = h5p.validate_h5p(listing, read)
        return _Result(
            standard=Package.Standard.H5P,
            edition="",
            title=package.title,
            structure=package.structure,
            launch_path="h5p.json",
            files=package.files,
        )
    parsed = manifest.parse_manifest(
        read(manifest_path, manifest.MANIFEST_MAX_BYTES, "manifest_too_large")
    )
    manifest.check_launch_files(parsed, listing.files.keys())
    return _Result(
        standard=parsed.standard,
        edition=parsed.edition,
        title=parsed.title,
        structure=parsed.structure,
        launch_path=parsed.launch_href,
        files=list(listing.files),
    )


def _run(package: Package, workdir: Path) -> None:
    archive = workdir / "archive"
    staging = workdir / "files"
    package.sha256 = _copy_upload(package, archive)
    limits = zipsafe.Limits.from_settings()
    with open(archive, "rb") as handle:
        zf = zipsafe.open_archive(handle, limits)
        with zf:
            listing = zipsafe.inspect_archive(zf, limits)
            result = _validate(zf, listing, package.original_filename)
            _set_progress(package, 10)
            entries = [listing.files[path] for path in result.files]
            staging.mkdir(mode=0o700)
            size = zipsafe.extract(
                zf,
                entries,
                staging,
                limits.max_bytes,
                progress=lambda done, total: _set_progress(
                    package, 10 + 40 * done // max(total, 1)
                ),
            )
    prefix = storage.package_prefix(package.uuid)
    storage.publish(
        staging,
        result.files,
        prefix,
        progress=lambda done, total: _set_progress(
            package, 50 + 45 * done // max(total, 1)
        ),
    )
    package.standard = result.standard
    package.edition = result.edition
    package.title = package.title or result.title[:255]
    package.structure = result.structure
    package.launch_path = result.launch_path[:1000]
    package.file_count = len(result.files)
    package.uncompressed_size = size
    package.storage_prefix = prefix
    package.errors = []
    package.progress = 100
    package.status = Package.Status.READY
    package.save()


def _fail(package: Package, problems: list[dict[str, str]]) -> None:
    try:
        storage.delete_prefix(storage.package_prefix(package.uuid))
    except Exception:
        # The package is FAILED, so never served; the next run deletes first.
        logger.exception("package %s: could not clean its prefix", package.uuid)
    package.status = Package.Status.FAILED
    package.errors = problems
    package.progress = 100
    package.storage_prefix = ""
    package.save(
        update_fields=[
            "status",
            "errors",
            "progress",
            "storage_prefix",
            "sha256",
            "updated_at",
        ]
    )


def _acquire(lock: str) -> bool:
    """Take the per-package lock; without a cache, process anyway (idempotent)."""
    try:
        return bool(cache.add(lock, "1", LOCK_SECONDS))
    except Exception:
        logger.exception("package lock unavailable, processing without it")
        return True


def _count_crash(package: Package) -> int:
    """Count runs that found the package still PROCESSING (a previous run died)."""
    key = f"courses:package-crashes:{package.uuid}"
    try:
        cache.add(key, 0, 24 * 3600)
        return int(cache.incr(key))
    except Exception:
        logger.exception("package crash counter unavailable")
        return 1


def _release(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception:
        logger.exception("could not release package lock %s", lock)


def process_package(package_id: int) -> Package:
    """Validate, parse and publish a package; return it READY or FAILED.

    Idempotent: a READY package is returned unchanged; a package being processed
    by another worker (cache lock) is returned as it is; a package left
    PROCESSING by a crashed worker is processed again from a clean prefix (and
    marked FAILED after three such crashes, so a package that kills workers
    cannot loop forever).
    Never raises ``PackageError`` (problems go to ``Package.errors``); unexpected
    errors are logged and reported as ``internal_error``.
    """
    package = Package.objects.get(pk=package_id)
    if package.status == Package.Status.READY:
        return package
    lock = f"courses:package-processing:{package.uuid}"
    if not _acquire(lock):
        logger.info("package %s is already being processed", package.uuid)
        return package
    try:
        if package.status == Package.Status.PROCESSING and _count_crash(package) > 2:
            # Three runs died mid-way (worker killed, out of memory): stop looping.
            logger.error("package %s: processing crashed repeatedly", package.uuid)
            _fail(
                package,
                [
                    {
                        "code": "internal_error",
                        "message": _(
                            "Le traitement du paquet a échoué à plusieurs reprises ; "
                            "il a été abandonné."
                        ),
                        "entry": "",
                    }
                ],
            )
            return package
        package.status = Package.Status.PROCESSING
        package.progress = 0
        package.errors = []
        package.save(update_fields=["status", "progress", "errors", "updated_at"])
        workdir = Path(tempfile.mkdtemp(prefix="tremplin-package-"))
        try:
            # Leftovers of a crashed run would make the storage rename files.
            storage.delete_prefix(storage.package_prefix(package.uuid))
            _run(package, workdir)
            logger.info(
                "package %s ready: %s %s, %s files",
                package.uuid,
                package.standard,
                package.edition,
                package.file_count,
            )
        except PackageError as exc:
            logger.info("package %s refused: %s", package.uuid, ",".join(exc.codes))
            _fail(package, exc.as_list())
        except SoftTimeLimitExceeded:
            logger.warning("package %s: processing timed out", package.uuid)
            _fail(
                package,
                [
                    {
                        "code": "processing_timeout",
                        "message": _(
                            "Le traitement du paquet a pris trop de temps ; il a été "
                            "interrompu."
                        ),
                        "entry": "",
                    }
                ],
            )
        except Exception:
            logger.exception("package %s: processing failed", package.uuid)
            _fail(
                package,
                [
                    {
                        "code": "internal_error",
                        "message": _(
                            "Erreur interne pendant le traitement du paquet. "
                            "Réessayez ou contactez l'assistance."
                        ),
                        "entry": "",
                    }
                ],
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        _release(lock)
    return package


# --- Command-line import ----------------------------------------------------------


def _completion_rule(package: Package) -> str:
    if any(
        sco.get("mastery_score") is not None
        or sco.get("scaled_passing_score") is not None
        for sco in package.scos
    ):
        return Activity.CompletionRule.PASSED
    return Activity.CompletionRule.COMPLETED


def attach_to_course(
    package: Package, course: Course, title: str | None = None
) -> Activity:
    """Append a SCORM/H5P activity for a READY ``package`` to ``course``.

    Creates the module « Modules en ligne » if the course has no module, else
    appends to its last module. Completion rule: PASSED when a SCO declares a
    mastery score (1.2) or a scaled passing score (2004), COMPLETED otherwise.
    """
    if package.status != Package.Status.READY:
        raise ValueError("only a READY package can be attached")
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        module = course.modules.order_by("-position", "-id").first()
        if module is None:
            module = Module.objects.create(
                course=course, position=0, title=_("Modules en ligne")
            )
        position = module.activities.aggregate(last=Max("position"))["last"]
        return Activity.objects.create(
            module=module,
            position=0 if position is None else position + 1,
            title=(title or package.title or package.original_filename)[:200],
            kind=Activity.Kind.H5P
            if package.standard == Package.Standard.H5P
            else Activity.Kind.SCORM,
            completion_rule=_completion_rule(package),
            package=package,
        )


def import_package(
    path: str | os.PathLike[str],
    course_code: str,
    title: str | None = None,
    user: Any = None,
) -> Activity:
    """Import the archive at ``path`` into the course with code ``course_code``.

    Processes synchronously (for ``manage.py import_package``). Raises
    ``PackageError`` with French problems: ``course_not_found``,
    ``file_not_found``, or whatever made the package FAILED (the FAILED package
    is kept for the record).
    """
    course = Course.objects.filter(code=course_code).first()
    if course is None:
        raise PackageError.one(
            "course_not_found",
            _("Aucun cours ne porte le code « %(code)s ».") % {"code": course_code},
        )
    source = Path(path)
    if not source.is_file():
        raise PackageError.one(
            "file_not_found",
            _("Fichier introuvable : « %(path)s ».") % {"path": str(source)},
            str(source),
        )
    with open(source, "rb") as handle:
        package = create_package_from_upload(File(handle, name=source.name), user)
    package = process_package(package.pk)
    if package.status != Package.Status.READY:
        raise PackageError.from_dicts(package.errors)
    return attach_to_course(package, course, title)
