"""Staff pages of the rules part: sessions, a session's attestations, the close,
manual issue and rule forms; permissions per role and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from certification.models import (
    Attestation,
    CompletionRule,
    RuleRequirement,
    SessionClosure,
)
from lms.roles import Role
from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401
from tests.factories import UserFactory
from tests.two_factor_support import force_login_verified
from tutoring.cohorts import set_tutors

from .builders_rules import (  # noqa: F401
    attend,
    complete_all,
    make_rule_setup,
    no_side_tasks,
    past_class,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_side_tasks")]


@pytest.fixture
def setup():
    return make_rule_setup(learners=2)


def _urls(setup) -> dict[str, tuple[str, str]]:
    s = setup.session.pk
    return {
        "sessions": ("get", reverse("certification:sessions")),
        "session_attestations": (
            "get",
            reverse("certification:session_attestations", args=[s]),
        ),
        "session_rule": ("get", reverse("certification:session_rule", args=[s])),
        "training_rule": (
            "get",
            reverse("certification:training_rule", args=[setup.training.pk]),
        ),
        "session_close": ("post", reverse("certification:session_close", args=[s])),
        "session_close_status": (
            "get",
            reverse("certification:session_close_status", args=[s]),
        ),
        "manual_issue": ("post", reverse("certification:manual_issue", args=[s])),
    }


@pytest.mark.parametrize(
    "name",
    [
        "sessions",
        "session_attestations",
        "session_rule",
        "training_rule",
        "session_close",
        "session_close_status",
        "manual_issue",
    ],
)
@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR])
def test_teachers_and_tutors_are_refused_every_page(client, setup, name, role):
    """Teachers and tutors (even the session's own tutor) get 403."""
    user = UserFactory(roles=[role])
    if role == Role.TUTOR:
        set_tutors(setup.cohort, [user], lead=user)
    force_login_verified(client, user)
    method, url = _urls(setup)[name]
    assert getattr(client, method)(url).status_code == 403
    assert not SessionClosure.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "sessions",
        "session_attestations",
        "session_rule",
        "training_rule",
        "session_close",
        "session_close_status",
        "manual_issue",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, setup, name):
    """Anonymous visitors are redirected to the login page."""
    method, url = _urls(setup)[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER, Role.ADMINISTRATOR]
)
def test_ifpc_staff_open_the_staff_pages(client, setup, role):
    """IFPC staff open every page."""
    force_login_verified(client, UserFactory(roles=[role]))
    for name in (
        "sessions",
        "session_attestations",
        "session_rule",
        "training_rule",
        "session_close_status",
    ):
        method, url = _urls(setup)[name]
        assert getattr(client, method)(url).status_code == 200, name


def test_the_navigation_shows_attestations_to_staff_only(
    client, setup, teacher, catalogue_manager
):
    """The "Attestations" item is in the staff's navigation, not the teacher's."""
    url = reverse("certification:sessions")
    force_login_verified(client, catalogue_manager)
    assert f'href="{url}"' in client.get(reverse("lms:dashboard")).text
    force_login_verified(client, teacher)
    assert f'href="{url}"' not in client.get(reverse("lms:dashboard")).text


def test_a_session_without_cohort_is_not_found(client, catalogue_manager):
    """Sessions without a cohort have no attestations page."""
    from tests.factories.catalogue import make_session, make_training

    session = make_session(make_training(), status="planned")
    force_login_verified(client, catalogue_manager)
    url = reverse("certification:session_attestations", args=[session.pk])
    assert client.get(url).status_code == 404


# --- sessions list -----------------------------------------------------------------
def test_sessions_list_ended_first_with_counts_and_search(client, catalogue_manager):
    """Ended sessions come first; counts of attestations; search by code or title."""
    ended = make_rule_setup(learners=1)
    upcoming = make_rule_setup(learners=1, starts_in_days=10)
    from tests.factories.certification import make_attestation

    make_attestation(user=ended.learners[0], session=ended.session)
    force_login_verified(client, catalogue_manager)
    html = client.get(reverse("certification:sessions")).text
    assert html.index(ended.session.code) < html.index(upcoming.session.code)
    assert "pas encore clôturée" in html
    html = client.get(
        reverse("certification:sessions"), {"q": upcoming.session.code}
    ).text
    assert upcoming.session.code in html and ended.session.code not in html
    html = client.get(reverse("certification:sessions"), {"q": "introuvable"}).text
    assert "Aucune session ne correspond" in html


def test_sessions_list_query_count_does_not_grow(
    client, catalogue_manager, django_assert_num_queries
):
    """The list costs the same queries for 1 or 4 sessions."""
    make_rule_setup(learners=1)
    force_login_verified(client, catalogue_manager)
    url = reverse("certification:sessions")
    client.get(url)
    with django_assert_num_queries(6) as first:  # +1: 2FA device
        assert client.get(url).status_code == 200
    for _ in range(3):
        make_rule_setup(learners=2)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


# --- session page -------------------------------------------------------------------
def test_session_page_shows_evaluations_and_warnings(client, setup, catalogue_manager):
    """Learners with their evaluation; a deleted required activity is flagged."""
    alice, bob = setup.learners
    complete_all(setup, alice)
    rule = CompletionRule.objects.create(
        session=setup.session, min_attendance_percent=0
    )
    bonus = setup.template_activities["Bonus"]
    RuleRequirement.objects.create(rule=rule, activity=bonus, activity_title="Bonus")
    bonus.delete()
    force_login_verified(client, catalogue_manager)
    html = client.get(
        reverse("certification:session_attestations", args=[setup.session.pk])
    ).text
    assert "cette règle ne peut pas être remplie" in html
    assert "« Bonus »" in html
    assert "Règle propre à cette session" in html
    assert alice.email in html and bob.email in html
    assert "2 activités obligatoires non terminées" in html


def test_session_page_query_count_does_not_grow(
    client, catalogue_manager, django_assert_num_queries
):
    """The session page costs the same queries for 2 or 12 learners."""
    small = make_rule_setup(learners=2)
    big = make_rule_setup(learners=12)
    for setup in (small, big):
        vc = past_class(setup.cohort)
        for learner in setup.learners:
            attend(vc, learner, 100)
            complete_all(setup, learner)
        from tests.factories.certification import make_attestation

        make_attestation(user=setup.learners[0], session=setup.session)
    force_login_verified(client, catalogue_manager)
    small_url = reverse("certification:session_attestations", args=[small.session.pk])
    big_url = reverse("certification:session_attestations", args=[big.session.pk])
    client.get(small_url)
    with django_assert_num_queries(20) as first:  # +1: 2FA device
        client.get(small_url)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(big_url).status_code == 200


@pytest.mark.usefixtures("eager_tasks")
def test_closing_runs_and_the_status_reports_progress(
    client, setup, catalogue_manager, committed
):
    """The close button issues in the background; the JSON shows the counters."""
    alice, bob = setup.learners
    complete_all(setup, alice)
    force_login_verified(client, catalogue_manager)
    status_url = reverse("certification:session_close_status", args=[setup.session.pk])
    assert client.get(status_url).json() == {"state": "none", "running": False}
    with committed():
        response = client.post(
            reverse("certification:session_close", args=[setup.session.pk])
        )
    assert response.status_code == 302
    data = client.get(status_url).json()
    assert data["state"] == "done" and data["running"] is False
    assert (data["learners"], data["processed"], data["percent"]) == (2, 2, 100)
    # Alice: participation and completion (nothing synchronous was planned); Bob
    # did nothing: no hours, no attestation.
    assert data["issued"] == 2
    assert Attestation.objects.filter(user=alice, kind="participation").exists()


def test_closing_before_the_end_is_refused_with_a_message(client, catalogue_manager):
    """A session not over yet cannot be closed; the page says from when."""
    setup = make_rule_setup(learners=1, starts_in_days=5)
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("certification:session_close", args=[setup.session.pk]), follow=True
    )
    assert "pas terminée : clôture possible à partir du" in response.text
    assert not SessionClosure.objects.exists()


# --- manual issue -------------------------------------------------------------------
def test_manual_issue_needs_a_reason(client, setup, catalogue_manager):
    """Without a reason nothing is issued and the form says why."""
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("certification:manual_issue", args=[setup.session.pk]),
        {"learner": setup.learners[0].email, "kind": "completion", "reason": "  "},
    )
    assert response.status_code == 400
    assert "Indiquez le motif de l&#x27;émission manuelle" in response.text
    assert not Attestation.objects.exists()


def test_manual_issue_refuses_someone_not_enrolled(client, setup, catalogue_manager):
    """A person not enrolled in the session cannot be given its attestation."""
    force_login_verified(client, catalogue_manager)
    stranger = UserFactory()
    response = client.post(
        reverse("certification:manual_issue", args=[setup.session.pk]),
        {"learner": stranger.email, "kind": "completion", "reason": "Dérogation"},
    )
    assert response.status_code == 400
    assert "Aucun·e apprenant·e inscrit·e" in response.text


def test_manual_issue_issues_once_with_reason_and_audit(
    client, setup, catalogue_manager
):
    """Staff issue with a reason (audited); a second issue says it already exists."""
    alice = setup.learners[0]
    force_login_verified(client, catalogue_manager)
    url = reverse("certification:manual_issue", args=[setup.session.pk])
    data = {
        "learner": alice.email.upper(),
        "kind": "completion",
        "reason": "Absence justifiée",
    }
    response = client.post(url, data, follow=True)
    attestation = Attestation.objects.get()
    assert (attestation.user, attestation.kind, attestation.origin) == (
        alice,
        "completion",
        "manual",
    )
    assert attestation.issued_by == catalogue_manager
    assert attestation.issue_reason == "Absence justifiée"
    assert attestation.async_hours == Decimal("4.00")
    assert "émise pour" in response.text
    assert LogEntry.objects.filter(
        user=catalogue_manager, change_message__contains="Absence justifiée"
    ).exists()
    response = client.post(url, data, follow=True)
    assert "existait déjà" in response.text
    assert Attestation.objects.count() == 1


# --- rule forms ---------------------------------------------------------------------
def _formset_data(prefix: str = "requirements", rows=(), initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_staff_save_a_session_rule_with_requirements(client, setup, catalogue_manager):
    """The session rule form saves conditions and requirements; audited."""
    force_login_verified(client, catalogue_manager)
    quiz = setup.template_activities["Quiz"]
    data = {
        "require_required_activities": "on",
        "min_attendance_percent": "75",
        "deadline": "2030-06-30",
        **_formset_data(
            rows=[
                {"activity": str(quiz.pk), "min_score": "60"},
                {"activity": "", "min_score": ""},
            ]
        ),
    }
    url = reverse("certification:session_rule", args=[setup.session.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    rule = CompletionRule.objects.get(session=setup.session)
    assert (rule.min_attendance_percent, rule.require_accepted_assignments) == (
        75,
        False,
    )
    assert rule.updated_by == catalogue_manager
    requirement = rule.requirements.get()
    assert (
        requirement.activity,
        requirement.activity_title,
        requirement.min_score,
    ) == (quiz, "Quiz", Decimal("60"))
    assert LogEntry.objects.filter(
        user=catalogue_manager, object_id=str(rule.pk)
    ).exists()


def test_rule_form_offers_only_the_templates_activities(
    client, setup, catalogue_manager
):
    """Choosing an activity outside the training's template is refused."""
    force_login_verified(client, catalogue_manager)
    run_copy = setup.run_activities["Quiz"]
    data = {
        "min_attendance_percent": "80",
        **_formset_data(rows=[{"activity": str(run_copy.pk), "min_score": ""}]),
    }
    response = client.post(
        reverse("certification:training_rule", args=[setup.training.pk]), data
    )
    assert response.status_code == 400
    assert not CompletionRule.objects.exists()


def test_rule_form_refuses_an_attendance_over_100(client, setup, catalogue_manager):
    """A minimum attendance above 100 % is refused with a message."""
    force_login_verified(client, catalogue_manager)
    data = {"min_attendance_percent": "120", **_formset_data()}
    response = client.post(
        reverse("certification:training_rule", args=[setup.training.pk]), data
    )
    assert response.status_code == 400
    assert "100" in response.text
    assert not CompletionRule.objects.exists()


def test_a_deleted_requirement_is_flagged_in_the_rule_form(
    client, setup, catalogue_manager
):
    """The training rule form says which required activity was deleted."""
    rule = CompletionRule.objects.create(training=setup.training)
    bonus = setup.template_activities["Bonus"]
    RuleRequirement.objects.create(rule=rule, activity=bonus, activity_title="Bonus")
    bonus.delete()
    force_login_verified(client, catalogue_manager)
    html = client.get(
        reverse("certification:training_rule", args=[setup.training.pk])
    ).text
    assert (
        "L&#x27;activité « Bonus » a été supprimée" in html
        or "activité « Bonus » a été supprimée" in html
    )


def test_a_session_rule_can_be_removed_to_follow_the_training(
    client, setup, catalogue_manager
):
    """Deleting the session's own rule brings back the training's."""
    CompletionRule.objects.create(session=setup.session)
    force_login_verified(client, catalogue_manager)
    client.post(
        reverse("certification:session_rule", args=[setup.session.pk]), {"delete": "1"}
    )
    assert not CompletionRule.objects.filter(session=setup.session).exists()
