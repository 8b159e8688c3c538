"""The indicator dashboard in the Wagtail admin: access per role, figures,
query count pinned, aggregate tables only, refresh requests and exports."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import RefreshRun
from indicators.refresh import refresh
from lms.models import AuditEvent
from lms.roles import Role
from tests.factories import UserFactory
from tests.indicators import builders
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db

STAFF_ROLES = [Role.ADMINISTRATOR, Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER]
OTHER_ROLES = [
    Role.TEACHER,
    Role.TUTOR,
    Role.CTP,
    Role.DCO,
    Role.INTERNAL_TRAINER,
]
#: Tables of the other apps the dashboard must never read.
RAW_TABLES = (
    "catalogue_registration",
    "catalogue_session",
    "courses_activityprogress",
    "live_attendancerecord",
    "certification_attestation",
    "certification_delivery",
    "certification_competenceestimate",
    "tutoring_enrolment",
    "lms_establishment",
)


@pytest.fixture
def data():
    data = builders.build()
    refresh()
    return data


def _signed_in(client, role):
    user = UserFactory(roles=[role])
    force_login_verified(client, user)
    return user


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_ifpc_staff_see_the_dashboard_and_its_menu_item(client, db, role):
    """IFPC staff open the dashboard; the admin menu shows it to them."""
    _signed_in(client, role)
    response = client.get(reverse("indicators:dashboard"))
    assert response.status_code == 200
    assert reverse("indicators:dashboard") in client.get("/cms/").content.decode()


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused_everything(client, db, role):
    """Teachers, tutors, CTP, DCO and trainers get no dashboard, export nor refresh."""
    _signed_in(client, role)
    for name in (
        "indicators:dashboard",
        "indicators:export_csv",
        "indicators:export_xlsx",
    ):
        assert client.get(reverse(name)).status_code in (302, 403)
    assert client.post(reverse("indicators:refresh")).status_code in (302, 403)
    assert not RefreshRun.objects.exists()


def test_school_director_is_refused(client, db, establishment):
    """A school director (scoped to a school) does not see IFPC indicators."""
    from lms.services import grant_role

    director = UserFactory()
    grant_role(director, Role.SCHOOL_DIRECTOR, establishment=establishment)
    force_login_verified(client, director)
    assert client.get(reverse("indicators:dashboard")).status_code in (302, 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    """An anonymous visitor is redirected to the login page."""
    response = client.get(reverse("indicators:dashboard"))
    assert response.status_code == 302


def test_empty_state_before_the_first_refresh(client, db):
    """Before any refresh, the page says so and offers the refresh button."""
    _signed_in(client, Role.ADMINISTRATOR)
    body = client.get(reverse("indicators:dashboard")).content.decode()
    assert "pas encore été calculés" in body
    assert "Actualiser maintenant" in body


def test_dashboard_shows_the_figures_with_filters(client, data):
    """Headline figures for 2026-2027 in Namur, the refresh date and the tables."""
    _signed_in(client, Role.CATALOGUE_MANAGER)
    response = client.get(
        reverse("indicators:dashboard"), {"year": "2026", "province": "namur"}
    )
    assert response.status_code == 200
    headline = response.context["headline"]
    assert (headline.registered, headline.accepted, headline.completed) == (3, 3, 1)
    body = response.content.decode()
    assert "Données actualisées le" in body
    assert '<label class="w-field__label" for="ind-province">' in body
    assert '<option value="namur" selected>' in body
    assert "<svg" in body and 'role="img"' in body


def test_dashboard_reads_only_aggregate_tables_in_pinned_queries(
    client, data, django_assert_num_queries
):
    """The page costs a fixed number of queries, none on the platform's tables."""
    _signed_in(client, Role.ADMINISTRATOR)
    url = reverse("indicators:dashboard")
    client.get(url)  # warm the session and per-process caches
    # Session, user, TOTP device, Wagtail profile, roles (5) + last refresh,
    # pending refresh, years, headline, breakdown, self-test levels, table
    # count, table page, labels (9) + Wagtail admin chrome (locale, pages: 3).
    with CaptureQueriesContext(connection) as captured:
        with django_assert_num_queries(17):
            client.get(url, {"year": "2026", "function": "teacher", "table": "session"})
    with django_assert_num_queries(17):
        client.get(url, {"province": "liege", "table": "cohort", "by": "network"})
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    for table in RAW_TABLES:
        assert f'"{table}"' not in sql, table


def test_detail_table_paginates(client, data, monkeypatch):
    """The detail table is paginated."""
    monkeypatch.setattr("indicators.views.PAGE_SIZE", 2)
    _signed_in(client, Role.ADMINISTRATOR)
    response = client.get(reverse("indicators:dashboard"), {"table": "session"})
    assert response.context["page"].paginator.num_pages == 2  # 3 sessions
    assert "Page 1 sur 2" in response.content.decode()


def test_refresh_request_is_enqueued_once(
    client, db, django_capture_on_commit_callbacks
):
    """A staff member's request records one queued run and enqueues one task
    after commit; a second click while it waits enqueues nothing."""
    _signed_in(client, Role.REGISTRATIONS_MANAGER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("indicators:refresh")).status_code == 302
        client.post(reverse("indicators:refresh"))
    assert len(callbacks) == 1
    run = RefreshRun.objects.get()
    assert run.status == RefreshRun.Status.QUEUED
    body = client.get(reverse("indicators:dashboard")).content.decode()
    assert "Actualisation demandée" in body


def test_requested_refresh_runs_through_the_task(client, db, committed, eager_tasks):
    """With eager Celery, the requested run finishes and the page shows figures."""
    _signed_in(client, Role.ADMINISTRATOR)
    with committed():
        client.post(reverse("indicators:refresh"))
    run = RefreshRun.objects.get()
    assert run.status == RefreshRun.Status.DONE
    body = client.get(reverse("indicators:dashboard")).content.decode()
    assert "Données actualisées le" in body


def test_csv_export_has_the_filtered_rows_and_a_total(client, data):
    """CSV per training for 2026-2027, with a total row; the export is journalled."""
    _signed_in(client, Role.ADMINISTRATOR)
    response = client.get(
        reverse("indicators:export_csv"), {"year": "2026", "table": "training"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Formation", "Inscriptions", "Acceptées"]
    # T1: 4 registered, 3 accepted, 2 completed; T2: 2, 2, 1; total 6, 5, 3.
    assert [r[1:4] for r in rows[1:]] == [
        ["4", "3", "2"],
        ["2", "2", "1"],
        ["6", "5", "3"],
    ]
    assert rows[-1][0] == "Total" and rows[-1][5] == "23.0"  # participant-hours
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DATA_EXPORTED,
        object_type="indicators.ParticipationFact",
    ).exists()


def test_xlsx_export_has_summary_detail_and_selftest_sheets(client, data):
    """XLSX: headline figures with the filters, detail and self-test levels."""
    _signed_in(client, Role.ADMINISTRATOR)
    response = client.get(
        reverse("indicators:export_xlsx"), {"function": "ctp", "table": "session"}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Synthèse", "Détail", "Autotest"]
    summary = {
        row[0]: row[1]
        for row in workbook["Synthèse"].iter_rows(values_only=True)
        if row
    }
    assert summary["Fonction"] == "Conseiller·ère techno-pédagogique (CTP)"
    assert summary["Inscriptions acceptées"] == 2
    detail = list(workbook["Détail"].iter_rows(values_only=True))
    assert len(detail) == 1 + 2 + 1  # header, S1 and S3, total
    levels = list(workbook["Autotest"].iter_rows(values_only=True))
    assert levels[1][1] == "moins de 5"  # only C's result under this filter
