"""Fixtures for package tests: private storage and staging folders per test.

Import the fixture in a test module (``from tests.courses.package_fixtures
import package_env_fixture  # noqa: F401``) and request ``package_env``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from courses.models import Package
from courses.packages import storage
from courses.packages.importer import create_package_from_upload, process_package


@dataclass
class PackageEnv:
    media: Path
    staging: Path

    def upload(self, data: bytes, name: str = "paquet.zip", user=None) -> Package:
        return create_package_from_upload(ContentFile(data, name=name), user)

    def process(self, data: bytes, name: str = "paquet.zip") -> Package:
        package = self.upload(data, name)
        return process_package(package.pk)

    def stored_files(self, package: Package) -> list[str]:
        return storage.list_prefix(storage.package_prefix(package.uuid))

    def all_media_files(self) -> list[str]:
        return sorted(
            str(path.relative_to(self.media))
            for path in self.media.rglob("*")
            if path.is_file() or path.is_symlink()
        )

    def staging_leftovers(self) -> list[str]:
        return sorted(str(path) for path in self.staging.rglob("*"))


@pytest.fixture(name="package_env")
def package_env_fixture(settings, tmp_path, monkeypatch, db) -> PackageEnv:
    media = tmp_path / "media"
    media.mkdir()
    staging = tmp_path / "staging"
    staging.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    return PackageEnv(media=media, staging=staging)
