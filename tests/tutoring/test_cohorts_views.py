"""Cohort pages over HTTP: who may open what, lists, management, learner side."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import SessionDay
from courses.models import Participant
from courses.services import mark_viewed
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.two_factor_support import force_login_verified
from tutoring import cohorts
from tutoring.models import CohortTutor, Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cohorts():
    return make_cohort(learners=2), make_cohort(learners=1)


def _status(client, user, url, method="get", data=None):
    client.logout()
    if user is not None:
        force_login_verified(client, user)
    return getattr(client, method)(url, data or {}).status_code


# --- permission matrix ------------------------------------------------------------------


def test_permission_matrix_on_cohort_pages(client, two_cohorts):
    """Tutor of A: A's pages yes, B's 403, manage 403; learner: own cohort only,
    manage 403; staff: everything; anonymous: login page."""
    a, b = two_cohorts
    staff = UserFactory(roles=[Role.REGISTRATIONS_MANAGER])
    learner = a.learners[0]
    pages = {
        "home": lambda c: reverse("tutoring:cohort_home", args=[c.pk]),
        "calendar": lambda c: reverse("tutoring:cohort_calendar", args=[c.pk]),
        "manage": lambda c: reverse("tutoring:cohort_manage", args=[c.pk]),
        "import": lambda c: reverse("tutoring:enrolment_import", args=[c.pk]),
    }
    expected = {
        (a.tutor, "home", "a"): 200,
        (a.tutor, "home", "b"): 403,
        (a.tutor, "calendar", "a"): 200,
        (a.tutor, "calendar", "b"): 403,
        (a.tutor, "manage", "a"): 403,
        (a.tutor, "import", "a"): 403,
        (learner, "home", "a"): 200,
        (learner, "home", "b"): 403,
        (learner, "calendar", "a"): 200,
        (learner, "manage", "a"): 403,
        (learner, "import", "a"): 403,
        (staff, "home", "b"): 200,
        (staff, "manage", "a"): 200,
        (staff, "import", "b"): 200,
    }
    cohorts_by_key = {"a": a.cohort, "b": b.cohort}
    for (user, page, key), status in expected.items():
        url = pages[page](cohorts_by_key[key])
        assert _status(client, user, url) == status, (user, page, key)
    for page in pages.values():
        client.logout()
        response = client.get(page(a.cohort))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_unknown_cohort_is_404(client):
    """An unknown cohort id answers 404, not 403."""
    staff = UserFactory(roles=[Role.ADMINISTRATOR])
    assert _status(client, staff, reverse("tutoring:cohort_home", args=[999999])) == 404
    assert (
        _status(client, staff, reverse("tutoring:cohort_manage", args=[999999])) == 404
    )


def test_write_actions_refused_to_tutors_and_learners(client, two_cohorts):
    """Only IFPC staff may enrol, unenrol or change tutors; nothing changes otherwise."""
    a, _b = two_cohorts
    outsider = UserFactory(roles=[Role.TEACHER])
    for user in (a.tutor, a.learners[0]):
        assert (
            _status(
                client,
                user,
                reverse("tutoring:cohort_enrol", args=[a.cohort.pk]),
                "post",
                {"email": outsider.email},
            )
            == 403
        )
        assert (
            _status(
                client,
                user,
                reverse(
                    "tutoring:cohort_unenrol", args=[a.cohort.pk, a.learners[1].pk]
                ),
                "post",
            )
            == 403
        )
    assert not Enrolment.objects.filter(cohort=a.cohort, user=outsider).exists()
    assert Enrolment.objects.active().filter(cohort=a.cohort).count() == 2


def test_cohort_list_refused_to_learners(client, teacher):
    """A teacher without tutor role cannot open the cohort list; anonymous → login."""
    url = reverse("tutoring:cohort_list")
    assert _status(client, teacher, url) == 403
    client.logout()
    assert client.get(url).status_code == 302


# --- cohort list ---------------------------------------------------------------------------


def test_tutor_sees_only_their_cohorts_including_group_ones(client, two_cohorts):
    """A tutor lists the cohorts they tutor, and those where they tutor a group."""
    a, b = two_cohorts
    other = make_cohort(learners=0)
    make_group(other.cohort, "Groupe X", tutor=a.tutor)
    force_login_verified(client, a.tutor)
    response = client.get(reverse("tutoring:cohort_list"))
    content = response.content.decode()
    assert a.cohort.code in content
    assert other.cohort.code in content
    assert b.cohort.code not in content


def test_staff_list_search_filter_and_learner_counts(client):
    """Staff see every cohort, can search by code or title and filter by state;
    counts are active learners only."""
    today = timezone.localdate()
    running = make_cohort(learners=3, code="NUM-RUN-1")
    cohorts.unenrol(running.cohort, running.learners[0])
    finished = make_cohort(
        learners=1,
        code="NUM-OLD-1",
        starts_on=today - dt.timedelta(days=90),
        ends_on=today - dt.timedelta(days=10),
    )
    staff = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    force_login_verified(client, staff)
    url = reverse("tutoring:cohort_list")
    page = client.get(url).content.decode()
    assert "NUM-RUN-1" in page and "NUM-OLD-1" in page
    row = next(r for r in page.split("<tr>") if ">NUM-RUN-1</a>" in r)
    assert '<td class="number">2</td>' in row
    page = client.get(url, {"state": "finished"}).content.decode()
    assert "NUM-OLD-1" in page and "NUM-RUN-1" not in page
    page = client.get(url, {"q": "run-1"}).content.decode()
    assert "NUM-RUN-1" in page and "NUM-OLD-1" not in page
    page = client.get(url, {"q": "introuvable"}).content.decode()
    assert "Aucune cohorte ne correspond" in page
    assert finished.cohort.pk


def test_cohort_list_query_count_is_bounded(client, django_assert_max_num_queries):
    """Thirty cohorts with learners list in a fixed number of queries, paginated by 25."""
    for _ in range(30):
        make_cohort(learners=2, activities=1)
    staff = UserFactory(roles=[Role.ADMINISTRATOR])
    force_login_verified(client, staff)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("tutoring:cohort_list"))
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == 25
    assert "Page 1 sur 2" in response.content.decode()


def test_empty_list_for_new_tutor(client, tutor):
    """A tutor without cohorts sees an empty state."""
    force_login_verified(client, tutor)
    response = client.get(reverse("tutoring:cohort_list"))
    assert "Aucune cohorte ne vous est confiée" in response.content.decode()


# --- management ----------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(roles=[Role.REGISTRATIONS_MANAGER])


def test_staff_sets_tutors_and_lead(client, staff):
    """Staff choose the tutors among tutor-role holders and a lead tutor."""
    setup = make_cohort(learners=0)
    second = UserFactory(roles=[Role.TUTOR])
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_tutors_update", args=[setup.cohort.pk]),
        {"tutors": [setup.tutor.pk, second.pk], "lead": second.pk},
    )
    assert response.status_code == 302
    links = {
        link.user_id: link.is_lead
        for link in CohortTutor.objects.filter(cohort=setup.cohort)
    }
    assert links == {setup.tutor.pk: False, second.pk: True}
    assert Participant.objects.filter(
        course=setup.course, user=second, role="tutor", is_active=True
    ).exists()


def test_lead_must_be_among_tutors(client, staff):
    """A lead tutor that is not ticked is refused with a French message."""
    setup = make_cohort(learners=0)
    second = UserFactory(roles=[Role.TUTOR])
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_tutors_update", args=[setup.cohort.pk]),
        {"tutors": [setup.tutor.pk], "lead": second.pk},
    )
    assert response.status_code == 400
    assert "doit faire partie des tuteurs" in response.content.decode()
    assert not CohortTutor.objects.filter(cohort=setup.cohort, user=second).exists()


def test_non_tutor_cannot_be_chosen(client, staff, teacher):
    """A teacher without the tutor role is not a valid choice."""
    setup = make_cohort(learners=0)
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_tutors_update", args=[setup.cohort.pk]),
        {"tutors": [teacher.pk]},
    )
    assert response.status_code == 400
    assert not CohortTutor.objects.filter(cohort=setup.cohort, user=teacher).exists()


def test_groups_create_and_assign(client, staff):
    """Staff create a group with a tutor and move a learner into it."""
    setup = make_cohort(learners=2)
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_group_create", args=[setup.cohort.pk]),
        {"name": "Groupe Namur", "tutor": setup.tutor.pk},
    )
    assert response.status_code == 302
    group = setup.cohort.groups.get(name="Groupe Namur")
    assert group.tutor == setup.tutor
    duplicate = client.post(
        reverse("tutoring:cohort_group_create", args=[setup.cohort.pk]),
        {"name": "groupe namur"},
    )
    assert duplicate.status_code == 400
    assert "Un groupe porte déjà ce nom." in duplicate.content.decode()
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=setup.learners[0])
    response = client.post(
        reverse("tutoring:cohort_group_assign", args=[setup.cohort.pk]),
        {"enrolment": enrolment.pk, "group": group.pk},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.group == group


def test_cannot_assign_group_of_another_cohort(client, staff):
    """A group id from another cohort is refused and changes nothing."""
    setup = make_cohort(learners=1)
    other = make_cohort(learners=0)
    foreign = make_group(other.cohort, "Ailleurs")
    enrolment = Enrolment.objects.get(cohort=setup.cohort)
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_group_assign", args=[setup.cohort.pk]),
        {"enrolment": enrolment.pk, "group": foreign.pk},
    )
    assert response.status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.group is None


def test_manual_enrol_and_unenrol_keep_tracking(client, staff, committed):
    """Staff enrol by e-mail; unenrolling asks first, says data are kept, keeps
    the row and the progress; re-enrolling brings them back."""
    setup = make_cohort(learners=0, activities=2)
    person = UserFactory(roles=[Role.TEACHER], email="Marie.Claes@example.test")
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_enrol", args=[setup.cohort.pk]),
        {"email": "marie.claes@example.test"},
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=person)
    assert enrolment.source == Enrolment.Source.MANUAL
    with committed():
        mark_viewed(person, setup.activities[0])
    unenrol_url = reverse("tutoring:cohort_unenrol", args=[setup.cohort.pk, person.pk])
    confirm = client.get(unenrol_url)
    assert confirm.status_code == 200
    assert "données de suivi" in confirm.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ACTIVE
    response = client.post(unenrol_url, follow=True)
    assert "données de suivi sont conservées" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN
    assert enrolment.progress_percent == 50
    manage = client.get(
        reverse("tutoring:cohort_manage", args=[setup.cohort.pk]),
        {"status": "withdrawn"},
    )
    assert "marie.claes@example.test" in manage.content.decode().lower()
    assert client.get(unenrol_url).status_code == 404
    client.post(
        reverse("tutoring:cohort_enrol", args=[setup.cohort.pk]),
        {"email": person.email},
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    assert enrolment.progress_percent == 50


def test_enrol_unknown_email_is_refused(client, staff):
    """An e-mail without account gives a French error and enrols nobody."""
    setup = make_cohort(learners=0)
    force_login_verified(client, staff)
    response = client.post(
        reverse("tutoring:cohort_enrol", args=[setup.cohort.pk]),
        {"email": "personne@nulle-part.test"},
    )
    assert response.status_code == 400
    assert "Aucun compte n&#x27;utilise cette adresse" in response.content.decode()
    assert not Enrolment.objects.filter(cohort=setup.cohort).exists()


def test_manage_page_query_count_is_bounded(
    client, staff, django_assert_max_num_queries
):
    """The management page of a cohort with 40 learners is a fixed number of queries."""
    setup = make_cohort(learners=40, activities=1)
    make_group(setup.cohort, "A", members=setup.learners[:10])
    force_login_verified(client, staff)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("tutoring:cohort_manage", args=[setup.cohort.pk]))
    assert response.status_code == 200


# --- learner side ------------------------------------------------------------------------


def test_my_trainings_lists_progress_next_step_deadline_and_tutors(client, committed):
    """A learner sees each active cohort: progress, next activity, deadline, tutors."""
    setup = make_cohort(learners=1, activities=2)
    learner = setup.learners[0]
    group_tutor = UserFactory(
        roles=[Role.TUTOR], first_name="Gaëlle", last_name="Tuteur"
    )
    make_group(setup.cohort, "Groupe 1", tutor=group_tutor, members=[learner])
    with committed():
        mark_viewed(learner, setup.activities[0])
    deadline = setup.cohort.ends_on + dt.timedelta(days=10)
    cohorts.extend_deadline(Enrolment.objects.filter(user=learner), deadline)
    withdrawn = make_cohort(learners=0)
    cohorts.enrol(withdrawn.cohort, learner)
    cohorts.unenrol(withdrawn.cohort, learner)
    force_login_verified(client, learner)
    page = client.get(reverse("tutoring:my_trainings")).content.decode()
    assert setup.cohort.title in page
    assert withdrawn.cohort.title not in page
    assert "50 %" in page
    assert setup.activities[1].title in page
    assert deadline.strftime("%Y") in page and "échéance personnelle" in page
    assert setup.tutor.get_full_name() in page
    assert "Gaëlle Tuteur" in page


def test_my_trainings_empty_state_links_to_catalogue(client, teacher):
    """Without cohorts, the page says so and links to the catalogue."""
    force_login_verified(client, teacher)
    page = client.get(reverse("tutoring:my_trainings")).content.decode()
    assert "Vous ne suivez aucune formation" in page
    assert reverse("catalogue:index") in page


def test_my_trainings_query_count_is_bounded(client, django_assert_max_num_queries):
    """Three cohorts: a few queries, plus a small fixed cost per cohort."""
    learner = UserFactory(roles=[Role.TEACHER])
    for _ in range(3):
        setup = make_cohort(learners=0, activities=3)
        cohorts.enrol(setup.cohort, learner)
    force_login_verified(client, learner)
    with django_assert_max_num_queries(8 + 3 * 3):
        response = client.get(reverse("tutoring:my_trainings"))
    assert response.status_code == 200


def test_cohort_home_for_learner_and_tutor(client, committed):
    """The learner sees the course link, next step and tutors; the tutor a summary."""
    setup = make_cohort(learners=3, activities=2)
    force_login_verified(client, setup.learners[0])
    page = client.get(reverse("tutoring:cohort_home", args=[setup.cohort.pk]))
    content = page.content.decode()
    assert reverse("courses:course_detail", args=[setup.course.pk]) in content
    assert setup.activities[0].title in content
    assert setup.tutor.get_full_name() in content
    assert 'aria-current="page"' in content
    assert "Tableau de bord" not in content
    force_login_verified(client, setup.tutor)
    content = client.get(
        reverse("tutoring:cohort_home", args=[setup.cohort.pk])
    ).content.decode()
    assert "Suivi de la cohorte" in content
    assert "<dt>Participant·es</dt><dd>3</dd>" in content


def test_group_tutor_summary_counts_only_their_group(client):
    """A group tutor's summary counts the learners of their group only."""
    setup = make_cohort(learners=3)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "G", tutor=group_tutor, members=setup.learners[:1])
    force_login_verified(client, group_tutor)
    content = client.get(
        reverse("tutoring:cohort_home", args=[setup.cohort.pk])
    ).content.decode()
    assert "Suivi de vos groupes" in content
    assert "<dt>Participant·es</dt><dd>1</dd>" in content


def test_withdrawn_learner_loses_cohort_home(client):
    """After unenrolment the cohort pages are refused (403)."""
    setup = make_cohort(learners=1)
    cohorts.unenrol(setup.cohort, setup.learners[0])
    force_login_verified(client, setup.learners[0])
    url = reverse("tutoring:cohort_home", args=[setup.cohort.pk])
    assert client.get(url).status_code == 403


# --- calendar ----------------------------------------------------------------------------


@pytest.fixture
def session_cohort():
    """A cohort whose session has two days, and a learner with a deadline."""
    from tests.factories.catalogue import make_session, make_training

    session = make_session(make_training(), starts_in_days=10)
    SessionDay.objects.create(
        session=session,
        date=session.starts_on + dt.timedelta(days=35),
        start_time=dt.time(13, 30),
        end_time=dt.time(16, 30),
        kind=SessionDay.Kind.VIRTUAL,
    )
    setup = make_cohort(
        learners=1,
        starts_on=session.starts_on,
        ends_on=session.starts_on + dt.timedelta(days=60),
    )
    setup.cohort.session = session
    setup.cohort.save(update_fields=["session"])
    cohorts.extend_deadline(
        Enrolment.objects.filter(cohort=setup.cohort),
        session.starts_on + dt.timedelta(days=70),
    )
    return setup, session


def test_calendar_lists_days_by_month_with_deadline(client, session_cohort):
    """The calendar groups the session days by month and shows start, end, deadline."""
    setup, session = session_cohort
    force_login_verified(client, setup.learners[0])
    content = client.get(
        reverse("tutoring:cohort_calendar", args=[setup.cohort.pk])
    ).content.decode()
    assert "Classe virtuelle" in content and "En présentiel" in content
    assert "Début de la cohorte" in content and "Fin de la cohorte" in content
    assert "Votre échéance personnelle" in content
    assert content.count('class="calendar-month"') >= 2
    assert "de 13:30 à 16:30" in content


def test_calendar_ics_is_parseable(client, session_cohort):
    """The .ics has one event per day plus start, end and deadline, CRLF-folded."""
    setup, _session = session_cohort
    force_login_verified(client, setup.learners[0])
    response = client.get(
        reverse("tutoring:cohort_calendar", args=[setup.cohort.pk]), {"format": "ics"}
    )
    assert response["Content-Type"].startswith("text/calendar")
    assert ".ics" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    lines = unfolded.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _sep, value = line.partition(":")
            current[name.split(";")[0]] = value
    assert len(events) == 5
    assert len({e["UID"] for e in events}) == 5
    assert all("DTSTART" in e and "SUMMARY" in e for e in events)


def test_tutor_dashboard_panel_counts_learners_and_at_risk(
    client, django_assert_max_num_queries
):
    """The tutor's dashboard lists their cohorts with learners and at-risk
    learners, in a bounded number of queries whatever the number of cohorts."""
    today = timezone.localdate()
    tutor = UserFactory(roles=[Role.TUTOR])
    setup = make_cohort(
        learners=3,
        tutor=tutor,
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=5),
    )
    Enrolment.objects.filter(cohort=setup.cohort).update(
        enrolled_at=timezone.now() - dt.timedelta(days=30)
    )
    for _ in range(4):
        make_cohort(learners=1, tutor=tutor)
    force_login_verified(client, tutor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("lms:dashboard"))
    content = response.content.decode()
    row = next(r for r in content.split("<tr>") if setup.cohort.title in r)
    assert row.count('<td class="number">3</td>') == 2
    assert reverse("tutoring:cohort_list") in content
