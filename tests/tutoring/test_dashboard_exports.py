"""CSV and XLSX exports of the tutor dashboard."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_dashboard import add_learner

pytestmark = pytest.mark.django_db


def _export(client, cohort, fmt, query=""):
    url = reverse("tutoring:dashboard_export", args=[cohort.pk, fmt])
    return client.get(f"{url}?{query}" if query else url)


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return body


def _setup():
    setup = make_cohort(learners=0, activities=2)
    acts = setup.activities
    add_learner(
        setup.cohort,
        '=HYPERLINK("http://evil")',
        "Attaque",
        progress_percent=50,
        completed_count=1,
        average_score=Decimal("72.50"),
        attendance_percent=80,
        last_activity_at=dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC),
        started_at=dt.datetime(2026, 6, 1, 10, 30, tzinfo=dt.UTC),
        activity_states={str(acts[0].pk): {"state": "completed", "score": 72.5}},
    )
    add_learner(setup.cohort, "Zoé", "Zeta", progress_percent=5)
    return setup


def test_csv_has_bom_semicolons_columns_and_neutralised_formulas(client):
    """The CSV starts with a BOM, uses ';', has every column, shows the last
    activity in Brussels time and neutralises formula cells."""
    setup = _setup()
    client.force_login(setup.tutor)
    response = _export(client, setup.cohort, "csv", "sort=-progress")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = _csv(response)
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    header = lines[0].split(";")
    assert header[:7] == [
        "Nom",
        "Prénom",
        "Adresse e-mail",
        "Groupe",
        "Statut",
        "Progression (%)",
        "Activités terminées",
    ]
    act = setup.activities[0].title
    assert f"{act} — état" in header and f"{act} — score (%)" in header
    assert header[-4:] == [
        "Score moyen (%)",
        "Présence (%)",
        "Dernière activité (heure de Bruxelles)",
        "Signalements",
    ]
    assert len(lines) == 3
    first = lines[1]
    assert "'=HYPERLINK" in first
    assert ";terminée;72.5;pas commencée;;" in first
    assert "2026-07-01 12:30" in first  # 10:30 UTC = 12:30 in Brussels (summer)
    assert ";80;" in first
    assert "Zeta" in lines[2]


def test_csv_applies_the_dashboard_filters(client):
    """The export holds the rows the filters select, nothing else."""
    setup = _setup()
    client.force_login(setup.tutor)
    body = _csv(_export(client, setup.cohort, "csv", "q=zoe"))
    lines = body.lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and "Zeta" in lines[1]


def test_group_tutor_exports_only_their_group(client):
    """A group tutor's export has only their group's learners."""
    setup = make_cohort(learners=3)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "A", tutor=group_tutor, members=setup.learners[:1])
    client.force_login(group_tutor)
    body = _csv(_export(client, setup.cohort, "csv"))
    assert setup.learners[0].email in body
    assert setup.learners[1].email not in body and setup.learners[2].email not in body


def test_xlsx_export_opens_with_neutralised_cells(client):
    """The XLSX workbook opens, has the header and rows, no formula cell."""
    setup = _setup()
    client.force_login(setup.tutor)
    response = _export(client, setup.cohort, "xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Nom" and rows[0][-1] == "Signalements"
    assert len(rows) == 3
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in names


def test_unknown_format_is_404(client):
    """Only csv and xlsx exist."""
    setup = make_cohort(learners=0)
    client.force_login(setup.tutor)
    assert _export(client, setup.cohort, "pdf").status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_csv_streams_under_asgi():
    """Under ASGI the CSV is served by an async iterator (not read whole first)."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    setup = await sync_to_async(_setup)()
    client = AsyncClient()
    await sync_to_async(client.force_login)(setup.tutor)
    url = reverse("tutoring:dashboard_export", args=[setup.cohort.pk, "csv"])
    response = await client.get(url)
    assert response.status_code == 200
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    text = body.decode("utf-8")
    assert text.startswith("\ufeff") and len(text.splitlines()) == 3
    xlsx = await client.get(
        reverse("tutoring:dashboard_export", args=[setup.cohort.pk, "xlsx"])
    )
    assert xlsx.status_code == 200 and xlsx.is_async
    data = b"".join([chunk async for chunk in xlsx.streaming_content])
    assert len(list(load_workbook(io.BytesIO(data)).active.iter_rows())) == 3
