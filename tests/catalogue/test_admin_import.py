"""The import/export page of the Wagtail admin: permissions, dry run then confirm, report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Session, TrainingPage
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import catalogue_index
from tests.two_factor_support import force_login_verified

from .builders_importing import both_sheets, session_row, training_row

pytestmark = pytest.mark.django_db

IMPORT = "catalogue_import:import"


@pytest.fixture(autouse=True)
def _index():
    catalogue_index()


def _upload(data: bytes, name: str = "catalogue.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_catalogue_manager_checks_then_confirms_an_import(client, catalogue_manager):
    """The upload is only checked; confirming imports the training as a draft."""
    force_login_verified(client, catalogue_manager)
    data = both_sheets([training_row()], [session_row()])
    response = client.post(reverse(IMPORT), {"file": _upload(data)})
    assert response.status_code == 200
    assert "Confirmer l'import" in response.content.decode()
    assert not TrainingPage.objects.filter(code="IMP-001").exists()
    token = response.context["confirm_token"]
    response = client.post(reverse(IMPORT), {"confirm_token": token}, follow=True)
    assert response.status_code == 200
    assert "Formations : 1 créées" in response.content.decode()
    assert not TrainingPage.objects.get(code="IMP-001").live
    assert Session.objects.filter(code="IMP-001-S1").exists()


def test_report_table_lists_line_and_column(client, catalogue_manager):
    """A bad file shows the report table (sheet, line, column, message); nothing saved."""
    force_login_verified(client, catalogue_manager)
    data = both_sheets([training_row()], [session_row(places="0")])
    response = client.post(reverse(IMPORT), {"file": _upload(data)})
    content = response.content.decode()
    assert "est refusé (1 erreur)" in content
    assert "<td>sessions</td>" in content and "<td>places</td>" in content
    assert "<td>2</td>" in content
    assert not response.context["confirm_token"]
    assert not TrainingPage.objects.filter(code="IMP-001").exists()


def test_oversized_upload_is_refused_before_reading(
    client, catalogue_manager, settings
):
    """An upload over CATALOGUE_IMPORT_MAX_BYTES is refused by the form."""
    settings.CATALOGUE_IMPORT_MAX_BYTES = 1024
    force_login_verified(client, catalogue_manager)
    response = client.post(reverse(IMPORT), {"file": _upload(b"x" * 4096, "f.csv")})
    assert "taille maximale" in response.content.decode()
    assert "report" not in response.context


@pytest.mark.parametrize("role", [Role.TEACHER, Role.REGISTRATIONS_MANAGER])
def test_other_roles_cannot_import_or_export(client, role):
    """Teachers and registrations managers can neither import nor export."""
    force_login_verified(client, UserFactory(roles=[role]))
    for url in (
        reverse(IMPORT),
        reverse("catalogue_import:export", args=["xlsx"]),
    ):
        assert client.get(url).status_code in (302, 403)
    data = both_sheets([training_row()], [])
    response = client.post(reverse(IMPORT), {"file": _upload(data)})
    assert response.status_code in (302, 403)
    assert not TrainingPage.objects.filter(code="IMP-001").exists()


def test_catalogue_manager_downloads_exports(client, catalogue_manager):
    """The export buttons return a workbook and CSV files."""
    force_login_verified(client, catalogue_manager)
    response = client.get(reverse("catalogue_import:export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    response = client.get(reverse("catalogue_import:export", args=["sessions"]))
    assert response.content.startswith("\ufeffformation;code".encode())
