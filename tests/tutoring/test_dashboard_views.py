"""The tutor dashboard page: permissions, table, filters, sort, pagination, charts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.services import mark_viewed
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_dashboard import add_learner, days_ago
from tests.two_factor_support import force_login_verified
from tutoring.models import Enrolment

pytestmark = pytest.mark.django_db


def _url(cohort, **params):
    from urllib.parse import urlencode

    url = reverse("tutoring:dashboard", args=[cohort.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _names(response):
    return [row["name"] for row in response.context["rows"]]


# --- Permissions ------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    """An anonymous visitor is redirected to the login page."""
    setup = make_cohort(learners=1)
    response = client.get(_url(setup.cohort))
    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]


def test_learner_cannot_open_the_dashboard(client):
    """A learner of the cohort gets a 403 on the tutor dashboard."""
    setup = make_cohort(learners=1)
    force_login_verified(client, setup.learners[0])
    assert client.get(_url(setup.cohort)).status_code == 403


def test_tutor_cannot_open_another_cohorts_dashboard(client):
    """A tutor cannot open another cohort's dashboard, nor its export or detail."""
    mine = make_cohort(learners=1)
    other = make_cohort(learners=1)
    force_login_verified(client, mine.tutor)
    assert client.get(_url(other.cohort)).status_code == 403
    export = reverse("tutoring:dashboard_export", args=[other.cohort.pk, "csv"])
    assert client.get(export).status_code == 403
    detail = reverse(
        "tutoring:learner_detail", args=[other.cohort.pk, other.learners[0].pk]
    )
    assert client.get(detail).status_code == 403


def test_unknown_cohort_is_404(client):
    """An unknown cohort id answers 404."""
    setup = make_cohort(learners=1)
    force_login_verified(client, setup.tutor)
    assert client.get(reverse("tutoring:dashboard", args=[999999])).status_code == 404


def test_ifpc_staff_sees_every_learner(client):
    """IFPC staff see the whole cohort."""
    setup = make_cohort(learners=3)
    force_login_verified(client, UserFactory(roles=[Role.REGISTRATIONS_MANAGER]))
    response = client.get(_url(setup.cohort))
    assert response.status_code == 200
    assert response.context["page"].count == 3


def test_group_tutor_sees_only_their_groups_learners(client):
    """A group tutor's table, counts and charts only hold their group's learners."""
    setup = make_cohort(learners=4, activities=2)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=setup.learners[:2])
    make_group(setup.cohort, "Groupe B", members=setup.learners[2:])
    mark_viewed(setup.learners[3], setup.activities[0])  # outside the group
    force_login_verified(client, group_tutor)
    response = client.get(_url(setup.cohort))
    assert response.status_code == 200
    shown = {row["user_id"] for row in response.context["rows"]}
    assert shown == {u.pk for u in setup.learners[:2]}
    assert response.context["followed"] == 2
    assert all(step.started == 0 for step in response.context["funnel"])
    content = response.content.decode()
    assert setup.learners[3].email not in content
    assert "Vous suivez uniquement les apprenant·es de vos groupes." in content


# --- Table content ------------------------------------------------------------------


def test_row_shows_progress_states_scores_attendance_and_flags(client):
    """A row shows progress, per-activity states as text, scores, — for no
    attendance, and the learner's flags."""
    setup = make_cohort(learners=0, activities=3)
    acts = setup.activities
    add_learner(
        setup.cohort,
        "Amélie",
        "Noël",
        progress_percent=33,
        completed_count=1,
        started_at=days_ago(20),
        last_activity_at=days_ago(20),
        average_score=Decimal("85.50"),
        activity_states={
            str(acts[0].pk): {"state": "completed", "score": 85.5},
            str(acts[1].pk): {"state": "in_progress", "score": None},
        },
    )
    force_login_verified(client, setup.tutor)
    response = client.get(_url(setup.cohort))
    row = response.context["rows"][0]
    assert row["cells"] == [
        (acts[0].pk, "completed", 85.5),
        (acts[1].pk, "in_progress", None),
        (acts[2].pk, "not_started", None),
    ]
    assert [key for key, _label in row["flags"]] == ["inactive"]
    content = response.content.decode()
    assert "Noël Amélie" in content
    assert '<progress max="100" value="33"' in content
    assert "85,5 %" in content or "85.5 %" in content
    assert "Inactif·ve" in content
    assert (
        "terminée" in content and "en cours" in content and "pas commencée" in content
    )
    assert ">—<" in content  # attendance unknown


def test_query_count_does_not_grow_with_learners_or_activities(
    client, django_assert_max_num_queries
):
    """The page costs the same number of queries for 2 or 30 learners, 2 or 8
    activities (figures from aggregates, no per-row query)."""
    small = make_cohort(learners=2, activities=2)
    big = make_cohort(learners=30, activities=8, tutor=small.tutor)
    for learner in big.learners[:10]:
        mark_viewed(learner, big.activities[0])
    force_login_verified(client, small.tutor)
    client.get(_url(small.cohort))  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(small.cohort)).status_code == 200
    with django_assert_max_num_queries(len(few)):
        response = client.get(_url(big.cohort, sort="-progress"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 30
    assert len(few) <= 20


# --- Search, filters, sort, pagination ---------------------------------------------


def test_search_is_case_and_accent_insensitive_on_name_and_email(client):
    """Searching "helene" finds Hélène; an e-mail fragment finds its owner."""
    setup = make_cohort(learners=0)
    add_learner(setup.cohort, "Hélène", "Lefèvre")
    add_learner(setup.cohort, "Marc", "Dubois", email="marc.dubois@ecole.test")
    add_learner(setup.cohort, "Zoé", "Martin")
    force_login_verified(client, setup.tutor)
    assert _names(client.get(_url(setup.cohort, q="helene LEFEVRE"))) == [
        "Lefèvre Hélène"
    ]
    assert _names(client.get(_url(setup.cohort, q="ECOLE.test"))) == ["Dubois Marc"]
    assert _names(client.get(_url(setup.cohort, q="introuvable"))) == []


def test_filters_by_group_flag_progress_and_status(client):
    """Group, flag, progress range and status filters narrow the rows."""
    setup = make_cohort(learners=0, activities=2)
    group = make_group(setup.cohort, "Liège")
    a = add_learner(setup.cohort, "Anne", "Alpha", progress_percent=10)
    b = add_learner(
        setup.cohort,
        "Bruno",
        "Beta",
        group=group,
        progress_percent=60,
        started_at=days_ago(1),
        last_activity_at=days_ago(1),
    )
    c = add_learner(setup.cohort, "Chloé", "Gamma", progress_percent=100)
    Enrolment.objects.filter(pk=c.pk).update(status=Enrolment.Status.WITHDRAWN)
    force_login_verified(client, setup.tutor)
    assert _names(client.get(_url(setup.cohort, group=group.pk))) == ["Beta Bruno"]
    assert _names(client.get(_url(setup.cohort, group="none"))) == ["Alpha Anne"]
    assert _names(client.get(_url(setup.cohort, flag="not_started"))) == ["Alpha Anne"]
    assert _names(client.get(_url(setup.cohort, progress_min=50, progress_max=70))) == [
        "Beta Bruno"
    ]
    assert _names(client.get(_url(setup.cohort, status="withdrawn"))) == ["Gamma Chloé"]
    assert len(_names(client.get(_url(setup.cohort, status="all")))) == 3
    assert a.pk and b.pk


def test_invalid_filters_are_reported_and_ignored(client):
    """A bad value shows a French message and the other filters still apply."""
    setup = make_cohort(learners=0)
    add_learner(setup.cohort, "Anne", "Alpha", progress_percent=10)
    add_learner(setup.cohort, "Bruno", "Beta", progress_percent=90)
    force_login_verified(client, setup.tutor)
    response = client.get(
        _url(setup.cohort, progress_min=50, progress_max=20, flag="nope")
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Certains filtres ne sont pas valides" in content
    assert "La progression maximale doit être supérieure à la minimale." in content
    assert _names(response) == ["Beta Bruno"]  # progress_min=50 kept


def test_sort_by_progress_last_activity_and_score_is_stable(client):
    """Sorting works on each column; equal values keep a stable order (by id)."""
    setup = make_cohort(learners=0)
    e1 = add_learner(
        setup.cohort, "Un", "Aaa", progress_percent=50, average_score=Decimal(70)
    )
    e2 = add_learner(
        setup.cohort,
        "Deux",
        "Bbb",
        progress_percent=50,
        last_activity_at=days_ago(3),
        average_score=Decimal(90),
    )
    e3 = add_learner(
        setup.cohort, "Trois", "Ccc", progress_percent=20, last_activity_at=days_ago(1)
    )
    force_login_verified(client, setup.tutor)

    def ids(sort):
        response = client.get(_url(setup.cohort, sort=sort))
        return [row["id"] for row in response.context["rows"]]

    assert ids("name") == [e1.pk, e2.pk, e3.pk]
    assert ids("-name") == [e3.pk, e2.pk, e1.pk]
    assert ids("progress") == [e3.pk, e1.pk, e2.pk]
    assert ids("-progress") == [e2.pk, e1.pk, e3.pk]
    assert ids("-last_activity") == [e3.pk, e2.pk, e1.pk]
    assert ids("-score") == [e2.pk, e1.pk, e3.pk]


def test_pagination_is_50_per_page_with_shareable_links(client):
    """60 learners: page 2 holds 10 rows; links keep the filters."""
    setup = make_cohort(learners=0)
    for number in range(60):
        add_learner(setup.cohort, f"P{number:02d}", "Nom", progress_percent=number)
    force_login_verified(client, setup.tutor)
    first = client.get(_url(setup.cohort, sort="progress", progress_min=0))
    assert len(first.context["rows"]) == 50
    content = first.content.decode()
    assert "progress_min=0&amp;sort=progress&amp;page=2" in content
    second = client.get(_url(setup.cohort, sort="progress", progress_min=0, page=2))
    assert [r["progress_percent"] for r in second.context["rows"]] == list(
        range(50, 60)
    )
    beyond = client.get(_url(setup.cohort, page=99))
    assert beyond.context["page"].number == 2


# --- Charts -------------------------------------------------------------------------


def test_charts_show_distribution_and_funnel_with_text_alternatives(client, committed):
    """The progress distribution and the funnel are inline SVG with a title,
    a description and a data table."""
    setup = make_cohort(learners=3, activities=2)
    with committed():
        mark_viewed(setup.learners[0], setup.activities[0])
        mark_viewed(setup.learners[0], setup.activities[1])
        mark_viewed(setup.learners[1], setup.activities[0])
    force_login_verified(client, setup.tutor)
    response = client.get(_url(setup.cohort))
    buckets = {b.label: b.count for b in response.context["buckets"]}
    assert buckets["0–9 %"] == 1 and buckets["50–59 %"] == 1
    assert buckets["90–100 %"] == 1
    funnel = [(s.started, s.completed) for s in response.context["funnel"]]
    assert funnel == [(2, 2), (1, 1)]
    content = response.content.decode()
    assert content.count('<svg class="chart"') == 2
    assert '<title id="chart-dist-title">' in content
    assert "Voir les données (tableau)" in content
    assert "style=" not in content.split("<main")[1]
