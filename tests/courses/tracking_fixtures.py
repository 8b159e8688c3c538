"""Helpers for the tracking and progress tests: packages, attempts, API calls.

Packages are READY rows with a structure but no files: tracking never reads them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from courses.attempts import start_or_resume_attempt
from courses.middleware import content_host
from courses.models import Activity, Attempt, Package
from courses.tracking.tokens import make_attempt_token
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, ModuleFactory

SCORM_12 = Package.Standard.SCORM_12
SCORM_2004 = Package.Standard.SCORM_2004
H5P = Package.Standard.H5P


@pytest.fixture
def inline_tracking(settings):
    """Run tracking API work in the test's thread (and transaction).

    Use with ``pytest.mark.usefixtures("inline_tracking")``: by default the API
    runs on its own threads and connections, which cannot see data created
    inside a test transaction.
    """
    settings.TRACKING_DB_THREADS = 0


def sco(identifier: str = "sco_1", **rules: Any) -> dict[str, Any]:
    data = {
        "identifier": identifier,
        "title": f"Leçon {identifier}",
        "href": "index.html",
        "mastery_score": None,
        "scaled_passing_score": None,
        "completion_threshold": None,
        "data_from_lms": "",
        "time_limit_action": "",
        "max_time_allowed": "",
    }
    data.update(rules)
    return data


def ready_package(standard: str = SCORM_12, scos: list[dict] | None = None) -> Package:
    if scos is None and standard != H5P:
        scos = [sco()]
    structure = {"scos": scos} if standard != H5P else {"main_library": "H5P.X"}
    return Package.objects.create(
        title="Paquet",
        original_filename="paquet.zip",
        standard=standard,
        status=Package.Status.READY,
        progress=100,
        structure=structure,
    )


def package_activity(
    package: Package | None = None,
    *,
    module=None,
    rule: str = Activity.CompletionRule.COMPLETED,
    policy: str = Activity.AttemptPolicy.ON_REQUEST,
    **values: Any,
) -> Activity:
    package = package or ready_package()
    kind = Activity.Kind.H5P if package.standard == H5P else Activity.Kind.SCORM
    return ActivityFactory(
        module=module or ModuleFactory(),
        kind=kind,
        package=package,
        completion_rule=rule,
        attempt_policy=policy,
        **values,
    )


def learner():
    return UserFactory(roles=[Role.TEACHER])


def new_attempt(
    standard: str = SCORM_12, scos: list[dict] | None = None, **activity: Any
) -> Attempt:
    package = ready_package(standard, scos)
    return start_or_resume_attempt(learner(), package_activity(package, **activity))


def tracking_url(name: str) -> str:
    return reverse(f"content:{name}", urlconf="courses.content_urls")


def post(
    client: Client,
    name: str,
    body: Any,
    *,
    content_type: str = "application/json",
    raw: bytes | None = None,
):
    """POST to a tracking endpoint on the content origin's host."""
    data = raw if raw is not None else json.dumps(body)
    return client.post(
        tracking_url(name),
        data=data,
        content_type=content_type,
        HTTP_HOST=content_host(),
    )


def commit_body(
    attempt: Attempt,
    seq: int,
    elements: dict[str, Any],
    *,
    sco: str = "sco_1",
    final: bool = False,
    token: str | None = None,
) -> dict[str, Any]:
    return {
        "token": token or make_attempt_token(attempt),
        "sco": sco,
        "seq": seq,
        "final": final,
        "elements": elements,
    }
