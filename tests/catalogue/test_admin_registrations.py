"""Wagtail admin of registrations: queue, bulk decisions, registrants, exports, roles."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from catalogue import services
from catalogue.models import Registration, Session
from lms.roles import Role
from tests.two_factor_support import force_login_verified

from .builders_registrations import open_session, teacher_user, user_with

pytestmark = pytest.mark.django_db
Status = Registration.Status
QUEUE = "catalogue_registrations:queue"


@pytest.fixture
def manual_session() -> Session:
    session = open_session(
        capacity=2, policy=Session.Policy.MANUAL_PRIORITY, audiences=("ctp",)
    )
    services.register_for_session(teacher_user(last_name="Zorglub"), session)
    services.register_for_session(user_with(Role.CTP, last_name="Cible"), session)
    services.register_for_session(user_with(Role.CTP, last_name="Cible2"), session)
    return session


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([Role.TEACHER], {302, 403}),
        ([Role.TUTOR], {302, 403}),
        ([Role.CATALOGUE_MANAGER], {200}),
        ([Role.REGISTRATIONS_MANAGER], {200}),
        ([Role.ADMINISTRATOR], {200}),
    ],
)
def test_queue_access_per_role(client, manual_session, roles, expected):
    """Only IFPC staff reach the approval queue."""
    force_login_verified(client, user_with(*roles))
    assert client.get(reverse(QUEUE)).status_code in expected


def test_queue_lists_targeted_people_first(client, manual_session):
    """In the queue, people outside the target audience come after targeted ones."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    content = client.get(reverse(QUEUE)).content.decode()
    assert content.index("Cible2") > content.index("Cible")
    assert content.index("Zorglub") > content.index("Cible2")
    assert 'name="action"' in content


def test_catalogue_manager_reads_but_cannot_decide(client, manual_session):
    """A catalogue manager sees the queue without actions; a POST is refused."""
    force_login_verified(client, user_with(Role.CATALOGUE_MANAGER))
    content = client.get(reverse(QUEUE)).content.decode()
    assert 'name="action"' not in content
    ids = list(manual_session.registrations.values_list("pk", flat=True))
    response = client.post(reverse(QUEUE), {"action": "accept", "registration": ids})
    # Wagtail turns PermissionDenied into a redirect with an error message.
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/cms/" in response["Location"]
    assert not Registration.objects.filter(status=Status.ACCEPTED).exists()


def test_bulk_accept_within_capacity_with_note(client, manual_session, mailoutbox):
    """A manager accepts three for two seats: two accepted, one reported."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    ids = list(manual_session.registrations.order_by("pk").values_list("pk", flat=True))
    response = client.post(
        reverse(QUEUE),
        {"action": "accept", "registration": ids, "note": "Bienvenue", "back": "/cms/"},
        follow=True,
    )
    assert response.status_code == 200
    accepted = Registration.objects.filter(status=Status.ACCEPTED)
    assert accepted.count() == 2
    assert set(accepted.values_list("decision_note", flat=True)) == {"Bienvenue"}
    content = response.content.decode()
    assert "Plus de place disponible" in content


def test_bulk_refuse_and_cancel(client, manual_session):
    """Refuse applies to pending registrations; staff may cancel on behalf."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    first, second, _third = manual_session.registrations.order_by("pk")
    client.post(reverse(QUEUE), {"action": "refuse", "registration": [first.pk]})
    client.post(reverse(QUEUE), {"action": "cancel", "registration": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.REFUSED
    assert second.status == Status.CANCELLED


def test_queue_filters(client, manual_session):
    """Filtering by audience keeps only people outside the target."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    content = client.get(reverse(QUEUE), {"mismatch": "1"}).content.decode()
    assert "Zorglub" in content and "Cible2" not in content
    content = client.get(reverse(QUEUE), {"status": "accepted"}).content.decode()
    assert "Aucune inscription ne correspond" in content


def test_queue_query_count_is_bounded(client):
    """The queue costs the same number of queries for 3 or 30 registrations."""
    manager = user_with(Role.REGISTRATIONS_MANAGER)
    force_login_verified(client, manager)
    session = open_session(capacity=50, policy=Session.Policy.MANUAL)
    for _ in range(3):
        services.register_for_session(teacher_user(), session)
    client.get(reverse(QUEUE))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(QUEUE)).status_code == 200
    other = open_session(capacity=50, policy=Session.Policy.MANUAL)
    for _ in range(27):
        services.register_for_session(teacher_user(), other)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(QUEUE)).status_code == 200
    assert len(many) == len(few)


def test_session_registrants_and_exports(client, manual_session):
    """The session page lists registrants by status and exports CSV and XLSX."""
    force_login_verified(client, user_with(Role.CATALOGUE_MANAGER))
    page = client.get(
        reverse("catalogue_registrations:session", args=[manual_session.pk])
    )
    assert page.status_code == 200
    assert "Cible2" in page.content.decode()
    csv_response = client.get(
        reverse("catalogue_registrations:export", args=[manual_session.pk, "csv"])
    )
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    xlsx = client.get(
        reverse("catalogue_registrations:export", args=[manual_session.pk, "xlsx"])
    )
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.active.max_row == 4
    assert (
        client.get(
            reverse("catalogue_registrations:export", args=[manual_session.pk, "pdf"])
        ).status_code
        == 404
    )


def test_teacher_cannot_export(client, manual_session):
    """A teacher cannot download the registrants."""
    force_login_verified(client, teacher_user())
    url = reverse("catalogue_registrations:export", args=[manual_session.pk, "csv"])
    assert client.get(url).status_code in (302, 403)


def test_menu_item_only_for_registration_staff(client):
    """The admin menu shows "Inscriptions" to registration staff."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(QUEUE) in content


def test_plain_manual_queue_is_first_come_first_served(client):
    """Without the priority policy, people outside the audience keep their turn."""
    session = open_session(policy=Session.Policy.MANUAL, audiences=("ctp",))
    services.register_for_session(teacher_user(last_name="Premier"), session)
    services.register_for_session(user_with(Role.CTP, last_name="Second"), session)
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    content = client.get(reverse(QUEUE)).content.decode()
    assert content.index("Premier") < content.index("Second")


def test_bulk_action_ignores_foreign_back_url(client, manual_session):
    """The redirect after a bulk action never leaves the site."""
    force_login_verified(client, user_with(Role.REGISTRATIONS_MANAGER))
    first = manual_session.registrations.order_by("pk").first()
    for back in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            reverse(QUEUE),
            {"action": "refuse", "registration": [first.pk], "back": back},
        )
        assert response["Location"] == reverse(QUEUE)


def test_session_page_shows_each_registration_history(client, manual_session):
    """The session page shows who changed each registration, and when."""
    manager = user_with(Role.REGISTRATIONS_MANAGER, first_name="Gaëlle")
    first = manual_session.registrations.order_by("pk").first()
    services.decide_registrations(
        [first], decision="refuse", actor=manager, note="Hors réseau"
    )
    force_login_verified(client, manager)
    url = reverse("catalogue_registrations:session", args=[manual_session.pk])
    content = client.get(url).content.decode()
    assert "Historique" in content
    assert "En attente de validation → Refusée" in content
    assert "Gaëlle" in content and "Hors réseau" in content
