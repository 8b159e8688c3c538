"""Publish extracted package files to the default storage, all or nothing.

Only the ``Storage`` API is used (``save``, ``open``, ``delete``, ``listdir``,
``exists``), so this works the same on ``FileSystemStorage`` and S3. Keys are
``packages/<package uuid>/<validated path>``: built by us from segments that
``zipsafe`` validated, never from a raw archive name. A package's prefix is
written once; on any failure everything under it is deleted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _

from .errors import PackageError

logger = logging.getLogger(__name__)

PACKAGES_PREFIX = "packages"
UPLOADS_PREFIX = "package-uploads"


def package_prefix(package_uuid: object) -> str:
    """``packages/<uuid>/``: where a package's files live, immutably."""
    return f"{PACKAGES_PREFIX}/{package_uuid}/"


def publish(
    staging_root: Path,
    paths: Iterable[str],
    prefix: str,
    *,
    storage: Storage | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Copy ``staging_root/<path>`` to ``<prefix><path>`` for every path.

    Raises ``storage_error`` if the storage would rename a file (the prefix was
    not empty) or refuses a write; the caller then calls :func:`delete_prefix`.
    ``progress(bytes published, total bytes)`` is called after each file.
    Returns the number of files written.
    """
    storage = storage or default_storage
    paths = list(paths)
    sources = [staging_root.joinpath(*path.split("/")) for path in paths]
    total = max(sum(source.stat().st_size for source in sources), 1)
    done = 0
    for path, source in zip(paths, sources, strict=True):
        key = prefix + path
        with open(source, "rb") as handle:
            try:
                saved = storage.save(key, File(handle, name=os.path.basename(key)))
            except OSError as exc:
                logger.warning("storage refused %s: %s", key, exc)
                raise PackageError.one(
                    "storage_error",
                    _("Le stockage a refusé le fichier « %(path)s ».") % {"path": path},
                    path,
                ) from exc
        if saved != key:
            storage.delete(saved)
            raise PackageError.one(
                "storage_error",
                _(
                    "Le stockage a renommé le fichier « %(path)s » : le dossier du paquet n'était pas vide."
                )
                % {"path": path},
                path,
            )
        done += source.stat().st_size
        if progress is not None:
            progress(done, total)
    return len(paths)


def list_prefix(prefix: str, *, storage: Storage | None = None) -> list[str]:
    """Every file key under ``prefix`` (iterative walk over ``listdir``)."""
    storage = storage or default_storage
    keys: list[str] = []
    pending = [prefix.rstrip("/")]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        keys.extend(f"{folder}/{name}" for name in files)
        pending.extend(f"{folder}/{name}" for name in folders)
    return sorted(keys)


def delete_prefix(prefix: str, *, storage: Storage | None = None) -> int:
    """Delete every file under ``prefix`` (and, on a file system, its folders).

    Idempotent; returns the number of files deleted.
    """
    if not prefix.startswith(f"{PACKAGES_PREFIX}/") or prefix.count("/") < 2:
        raise ValueError(f"refusing to delete outside a package prefix: {prefix!r}")
    storage = storage or default_storage
    keys = list_prefix(prefix, storage=storage)
    for key in keys:
        storage.delete(key)
    # Empty folders only exist on file systems; deepest first.
    folders: set[str] = set()
    for key in keys:
        parts = key.split("/")
        for depth in range(2, len(parts)):
            folders.add("/".join(parts[:depth]))
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        _delete_folder(storage, folder)
    _delete_folder(storage, prefix.rstrip("/"))
    return len(keys)


def _delete_folder(storage: Storage, folder: str) -> None:
    try:
        if storage.exists(folder):
            storage.delete(folder)
    except OSError:
        # A folder that is not empty (a concurrent writer) is left in place.
        logger.warning("could not remove folder %s", folder)
