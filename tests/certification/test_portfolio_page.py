"""The teacher's portfolio page: attestations, hours per school year, competences."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certification import portfolio as selectors
from certification.issuance import revoke_attestation
from certification.models import Attestation
from lms.digcompedu import ATTRIBUTION
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db

URL = "/certification/portfolio/"


def _attestation(user, *, ends_on, sync="6", asynchronous="2", competences=("2.1",)):
    return make_attestation(
        user=user,
        starts_on=ends_on - dt.timedelta(days=7),
        ends_on=ends_on,
        sync_hours=Decimal(sync),
        async_hours=Decimal(asynchronous),
        competences=list(competences),
    )


def test_portfolio_url_is_stable():
    """The route name resolves to the documented path."""
    assert reverse("certification:portfolio") == URL


def test_anonymous_visitor_is_sent_to_login(client):
    """The portfolio is for signed-in people only."""
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (dt.date(2026, 8, 31), "2025-2026"),
        (dt.date(2026, 9, 1), "2026-2027"),
        (dt.date(2026, 1, 15), "2025-2026"),
        (dt.date(2025, 9, 1), "2025-2026"),
    ],
)
def test_school_year_runs_from_september_to_august(day, label):
    """31 August closes a school year, 1 September opens the next."""
    assert selectors.school_year_label(day) == label


def test_hours_are_bucketed_by_the_school_year_of_the_session_end(client, teacher):
    """An attestation ending 31 August counts in the old year, 1 September in the new."""
    _attestation(teacher, ends_on=dt.date(2025, 8, 31), sync="3", asynchronous="1")
    _attestation(teacher, ends_on=dt.date(2025, 9, 1), sync="5", asynchronous="2")
    client.force_login(teacher)
    response = client.get(URL)
    years = {y.label: y for y in response.context["portfolio"].years}
    assert set(years) == {"2024-2025", "2025-2026"}
    assert (years["2024-2025"].sync_hours, years["2024-2025"].total_hours) == (3, 4)
    assert (years["2025-2026"].sync_hours, years["2025-2026"].async_hours) == (5, 2)
    html = response.text
    assert html.index("2025-2026") < html.index("2024-2025")  # newest year first


def test_revoked_attestations_are_listed_but_not_counted(
    client, teacher, administrator
):
    """A revoked attestation keeps its badge in the list and leaves every total."""
    ends_on = dt.date(2025, 12, 10)
    _attestation(teacher, ends_on=ends_on, sync="6", asynchronous="2")
    revoked = _attestation(
        teacher, ends_on=ends_on, sync="10", asynchronous="0", competences=("4.1",)
    )
    revoke_attestation(revoked, by=administrator, reason="Erreur de session")
    client.force_login(teacher)
    response = client.get(URL)
    data = response.context["portfolio"]
    assert [(y.label, y.total_hours, y.revoked) for y in data.years] == [
        ("2025-2026", Decimal("8.00"), 1)
    ]
    assert [row.code for row in data.competences] == ["2.1"]
    html = response.text
    assert "Révoquée" in html
    assert "1 attestation révoquée n'est comptée ni dans ces heures" in html
    assert str(revoked.uuid) in html


def test_each_attestation_links_to_its_detail_pdf_and_credential(client, teacher):
    """The list shows kind, code, title, dates, hours and the three links."""
    attestation = _attestation(teacher, ends_on=dt.date(2025, 11, 5))
    client.force_login(teacher)
    html = client.get(URL).text
    args = [attestation.uuid]
    for name in ("attestation_detail", "attestation_pdf", "attestation_credential"):
        assert reverse(f"certification:{name}", args=args) in html
    assert attestation.training_code in html
    assert attestation.training_title in html
    assert "Attestation de participation" in html
    assert "8 h (6 h synchrones, 2 h asynchrones)" in html
    assert reverse("certification:portfolio_zip") in html


def test_a_teacher_sees_only_their_own_attestations(client, teacher):
    """The page is always one's own: no parameter shows another person's."""
    mine = _attestation(teacher, ends_on=dt.date(2025, 11, 5))
    other = _attestation(UserFactory(), ends_on=dt.date(2025, 11, 5))
    client.force_login(teacher)
    html = client.get(URL, {"user": other.user_id, "user_id": other.user_id}).text
    assert str(mine.uuid) in html
    assert str(other.uuid) not in html


def test_empty_portfolio_says_so(client, teacher):
    """Without any attestation the page explains where they will come from."""
    client.force_login(teacher)
    html = client.get(URL).text
    assert "Aucune attestation pour le moment" in html
    assert reverse("certification:portfolio_zip") not in html


def _chart_values(html: str) -> dict[str, str]:
    rows = re.findall(
        r'<g class="chart-row" data-competence="([\d.]+)">.*?'
        r'class="chart-value">([^<]*)</text>',
        html,
        re.S,
    )
    return {code: text.strip() for code, text in rows}


def _table_values(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<tr data-competence="([\d.]+)"><th scope="row">[^<]*</th>'
        r"<td>(\d+)</td><td>([^<]*)</td>",
        html,
    )
    return {code: (count, hours) for code, count, hours in rows}


def test_chart_and_table_show_the_same_competence_figures(client, teacher):
    """Every bar of the SVG chart has its table row with the same hours and count."""
    _attestation(teacher, ends_on=dt.date(2025, 10, 1), competences=("2.1", "3.1"))
    _attestation(
        teacher,
        ends_on=dt.date(2025, 12, 1),
        sync="3",
        asynchronous="0",
        competences=("3.1",),
    )
    client.force_login(teacher)
    html = client.get(URL).text
    chart, table = _chart_values(html), _table_values(html)
    assert set(chart) == set(table) == {"2.1", "3.1"}
    assert table["3.1"] == ("2", "11 h")
    assert table["2.1"] == ("1", "8 h")
    for code, (count, hours) in table.items():
        assert chart[code].startswith(f"{hours} · {count} attestation")
    assert 'role="img"' in html
    assert '<title id="competence-chart-title">' in html
    assert "Sélection de ressources numériques" in html  # French name from lms
    assert str(ATTRIBUTION)[:40] in html


def test_a_registered_competence_source_adds_its_levels(client, teacher):
    """A source (the self-test) adds a level column and levels in the chart."""
    _attestation(teacher, ends_on=dt.date(2025, 10, 1), competences=("2.1",))

    def selftest(user):
        if user.pk != teacher.pk:
            return None
        return selectors.CompetenceLevels(
            "Autopositionnement", {"2.1": "B1", "5.2": "A2"}
        )

    selectors.register_competence_source(selftest)
    try:
        client.force_login(teacher)
        html = client.get(URL).text
    finally:
        selectors.unregister_competence_source(selftest)
    assert "Niveau — Autopositionnement" in html
    assert set(_table_values(html)) == {"2.1", "5.2"}
    assert "niveau B1" in _chart_values(html)["2.1"]
    assert "Différenciation et personnalisation" in html


def test_without_a_source_result_no_level_column_is_shown(client, teacher):
    """A source with nothing to say about the person adds nothing to the page."""
    _attestation(teacher, ends_on=dt.date(2025, 10, 1))

    def silent(user):
        return None

    selectors.register_competence_source(silent)
    client.force_login(teacher)
    try:
        html = client.get(URL).text
    finally:
        selectors.unregister_competence_source(silent)
    assert "Niveau —" not in html
    assert "niveau " not in html


def test_portfolio_query_count_does_not_grow_with_attestations(
    client, teacher, django_assert_num_queries
):
    """One or six attestations cost the same number of queries (5 with navigation)."""
    _attestation(teacher, ends_on=dt.date(2025, 10, 1), competences=("2.1", "3.1"))
    client.force_login(teacher)
    client.get(URL)
    with django_assert_num_queries(5):
        client.get(URL)
    session = make_session(make_training(), starts_in_days=-40)
    make_attestation(user=teacher, session=session, competences=["4.1"])
    make_attestation(user=teacher, session=session, kind=Attestation.Kind.COMPLETION)
    for month in (11, 12):
        _attestation(teacher, ends_on=dt.date(2024, month, 1), competences=("6.1",))
    _attestation(teacher, ends_on=timezone.localdate(), competences=())
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.context["portfolio"].entries) == 6
