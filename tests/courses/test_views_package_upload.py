"""Package upload endpoint (202 + status JSON, 413, refusals) and attaching packages."""

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Activity, Attempt, Package
from tests.courses.package_builders import build_scorm12, make_zip
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401
from tests.courses.structure_fixtures import ready_package
from tests.factories.courses import ActivityFactory, ModuleFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db

UPLOAD = "courses:package_upload"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def eager_tasks():
    """Celery tasks run in-process (after commit), as in the embedded default."""
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def _post(client, data: bytes, name: str, **extra):
    return client.post(
        reverse(UPLOAD),
        {"file": SimpleUploadedFile(name, data), **extra},
        **JSON,
    )


def test_upload_page_has_a_progress_bar_and_live_region(client, catalogue_manager):
    """The page carries the <progress>, the percent text (aria-live) and its script."""
    force_login_verified(client, catalogue_manager)
    html = client.get(reverse(UPLOAD)).text
    assert '<progress id="upload-progress"' in html
    assert 'id="upload-percent" aria-live="polite"' in html
    assert "courses/js/package_upload.js" in html
    assert 'accept=".zip,.h5p"' in html


def test_valid_scorm_upload_returns_202_then_status_reports_ready(
    client,
    catalogue_manager,
    package_env,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """202 with a status URL; once processed the status JSON says READY, SCORM 1.2."""
    force_login_verified(client, catalogue_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, build_scorm12(title="Numérique & classe"), "module.zip"
        )
    assert response.status_code == 202
    payload = response.json()
    assert payload["status"] == "pending"
    assert response["Location"] == payload["status_url"]
    package = Package.objects.get(uuid=payload["uuid"])
    assert package.uploaded_by == catalogue_manager
    status = client.get(payload["status_url"])
    assert status["Cache-Control"].startswith("max-age=0")
    data = status.json()
    assert data["status"] == "ready"
    assert data["progress"] == 100
    assert data["standard_label"] == "SCORM 1.2"
    assert data["title"] == "Numérique & classe"
    assert data["problems"] == []
    detail = client.get(data["detail_url"])
    assert "Utiliser ce paquet" in detail.text


def test_upload_carries_the_target_activity_to_the_package_page(
    client, catalogue_manager, package_env
):
    """Uploading for an activity leads to the page offering to replace its package."""
    force_login_verified(client, catalogue_manager)
    activity = ActivityFactory(kind=Activity.Kind.SCORM, package=ready_package())
    response = _post(client, build_scorm12(), "v2.zip", activity=str(activity.uuid))
    assert response.json()["detail_url"].endswith(f"?activity={activity.uuid}")


def test_oversized_upload_gets_a_french_413(
    client, catalogue_manager, package_env, settings
):
    """Past PACKAGE_MAX_UPLOAD_BYTES: 413 JSON with a French reason, nothing stored."""
    settings.PACKAGE_MAX_UPLOAD_BYTES = 2000
    force_login_verified(client, catalogue_manager)
    for size in (5_000, 200_000):  # read-time check, then the declared length
        response = _post(client, b"PK" + b"x" * size, "gros.zip")
        assert response.status_code == 413
        problem = response.json()["problems"][0]
        assert problem["code"] == "upload_too_large"
        assert "taille maximale autorisée (0 Mo)" in problem["message"]
    assert not Package.objects.exists()
    assert package_env.all_media_files() == []


def test_non_zip_upload_is_refused_with_french_problems(
    client, catalogue_manager, package_env
):
    """A PDF renamed .zip is refused at once (400) with the French problem list."""
    force_login_verified(client, catalogue_manager)
    response = _post(client, b"%PDF-1.4 pas un zip", "faux.zip")
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "refused"
    assert payload["problems"][0]["code"] == "not_a_zip"
    assert payload["problems"][0]["message"]
    assert not Package.objects.exists()


def test_zip_without_manifest_fails_processing_with_problems_in_status(
    client,
    catalogue_manager,
    package_env,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """A zip with no manifest is accepted for processing then reported FAILED."""
    force_login_verified(client, catalogue_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, make_zip({"index.html": "<p>x</p>"}), "vide.zip")
    assert response.status_code == 202
    data = client.get(response.json()["status_url"]).json()
    assert data["status"] == "failed"
    assert data["status_label"] == "refusé"
    assert [p["code"] for p in data["problems"]] == ["manifest_missing"]
    detail = client.get(data["detail_url"]).text
    assert "Le paquet a été refusé pour les raisons suivantes" in detail


def test_upload_without_a_file_is_a_400(client, catalogue_manager):
    """Posting no file returns the field error in JSON."""
    force_login_verified(client, catalogue_manager)
    response = client.post(reverse(UPLOAD), {}, **JSON)
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "no_file"


def test_upload_without_javascript_redirects_to_the_package(
    client, catalogue_manager, package_env
):
    """A plain form post lands on the package page."""
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse(UPLOAD), {"file": SimpleUploadedFile("m.zip", build_scorm12())}
    )
    package = Package.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "courses:package_detail", args=[package.uuid]
    )


def test_upload_requires_csrf_token(catalogue_manager, package_env):
    """The upload endpoint stays CSRF-protected despite its custom upload handler."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse(UPLOAD), {"file": SimpleUploadedFile("m.zip", build_scorm12())}, **JSON
    )
    assert response.status_code == 403
    assert not Package.objects.exists()


def test_status_is_refused_to_teachers(client, teacher):
    """Only course managers poll package status."""
    package = ready_package()
    force_login_verified(client, teacher)
    assert (
        client.get(reverse("courses:package_status", args=[package.uuid])).status_code
        == 403
    )


def test_replacing_a_package_keeps_open_attempts_on_their_version(
    client, catalogue_manager
):
    """After replacement new attempts get v2; the open attempt keeps v1."""
    old = ready_package(title="v1")
    new = ready_package(title="v2")
    activity = ActivityFactory(
        module=ModuleFactory(),
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=old,
    )
    attempt = Attempt.objects.create(
        user=catalogue_manager, activity=activity, package=old
    )
    force_login_verified(client, catalogue_manager)
    page = client.get(
        reverse("courses:package_detail", args=[new.uuid]),
        {"activity": str(activity.uuid)},
    )
    assert "Les tentatives déjà commencées gardent l'ancienne version" in page.text
    response = client.post(
        reverse("courses:activity_package_replace", args=[activity.uuid]),
        {"package": str(new.uuid)},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    attempt.refresh_from_db()
    assert activity.package == new
    assert attempt.package == old


def test_replacing_with_a_package_of_another_standard_is_refused(
    client, catalogue_manager
):
    """An H5P package cannot replace a SCORM activity's package."""
    activity = ActivityFactory(
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=ready_package(),
    )
    h5p = ready_package("h5p")
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("courses:activity_package_replace", args=[activity.uuid]),
        {"package": str(h5p.uuid)},
        follow=True,
    )
    assert "au format H5P" in response.text
    activity.refresh_from_db()
    assert activity.package != h5p
