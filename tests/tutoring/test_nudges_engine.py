"""Reminder rules and the hourly engine, with a frozen clock."""

from __future__ import annotations

import datetime as dt
import html
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring import cohorts, nudges
from tutoring.models import (
    Enrolment,
    Notification,
    NotificationPreference,
    NudgeLog,
    NudgeRule,
)
from tutoring.tasks import send_nudges

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2031, 3, 10, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@contextmanager
def frozen(moment: dt.datetime):
    """Everything that asks ``timezone.now()`` (log timestamps too) sees ``moment``."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def _cohort(learners=3, *, starts=T0 - 20 * DAY, ends=T0 + 30 * DAY):
    with frozen(T0 - 30 * DAY):
        return make_cohort(
            learners=learners, starts_on=starts.date(), ends_on=ends.date()
        )


def _set(setup, learner, **fields):
    Enrolment.objects.filter(cohort=setup.cohort, user=learner).update(**fields)


def _run(moment, committed):
    with frozen(moment), committed():
        return nudges.run_nudges(now=moment)


def test_inactive_learner_gets_one_reminder_then_is_throttled(committed):
    """An inactive learner gets one reminder (in-app and one e-mail); a rerun
    sends nothing; 72 h later nothing either while the period is the same; a
    new inactivity period brings a new one. Active, finished and withdrawn
    learners get none."""
    setup = _cohort(learners=4)
    idle, busy, done, gone = setup.learners
    _set(setup, idle, enrolled_at=T0 - 10 * DAY)
    _set(
        setup,
        busy,
        enrolled_at=T0 - 10 * DAY,
        last_activity_at=T0 - DAY,
        started_at=T0 - 9 * DAY,
    )
    _set(
        setup,
        done,
        enrolled_at=T0 - 10 * DAY,
        last_activity_at=T0 - 9 * DAY,
        progress_percent=100,
    )
    _set(setup, gone, enrolled_at=T0 - 10 * DAY)
    cohorts.unenrol(setup.cohort, gone)
    NotificationPreference.objects.create(user=idle, email="immediate")
    nudges.create_rule(
        setup.cohort, kind="inactive", days=7, channel="both", by=setup.tutor
    )
    mail.outbox.clear()

    assert _run(T0, committed) == 1
    assert [m.to for m in mail.outbox] == [[idle.email]]
    message = mail.outbox[0]
    assert setup.cohort.title in message.subject
    assert "depuis 10 jours" in message.body
    assert reverse("tutoring:cohort_home", args=[setup.cohort.pk]) in message.body
    assert message.alternatives and "<a href=" in message.alternatives[0][0]
    note = Notification.objects.get(user=idle, kind="reminder")
    # "both": the reminder e-mail is the e-mail; notifications must not send another.
    assert note.emailed_at is not None
    assert NudgeLog.objects.count() == 1

    assert _run(T0, committed) == 0
    assert _run(T0 + dt.timedelta(minutes=30), committed) == 0
    assert _run(T0 + dt.timedelta(hours=73), committed) == 0
    assert len(mail.outbox) == 1

    # Still inactive one rule period (7 days) later: a new reminder.
    assert _run(T0 + 5 * DAY, committed) == 1
    assert len(mail.outbox) == 2
    assert set(NudgeLog.objects.values_list("enrolment__user", flat=True)) == {idle.pk}


def test_deadline_rule_fires_n_days_before(committed):
    """A deadline rule reminds learners whose deadline (personal or the cohort
    end) is within N days, once per deadline; finished learners are spared."""
    setup = _cohort(learners=3, ends=T0 + 10 * DAY)
    cohort_end, personal, finished = setup.learners
    _set(setup, personal, deadline=(T0 + 5 * DAY).date())
    _set(setup, finished, progress_percent=100)
    for learner in setup.learners:
        _set(setup, learner, last_activity_at=T0, started_at=T0 - DAY)
    nudges.create_rule(setup.cohort, kind="deadline", days=7, channel="email")
    mail.outbox.clear()

    assert _run(T0, committed) == 1
    assert [m.to for m in mail.outbox] == [[personal.email]]
    assert not Notification.objects.exists()  # e-mail only
    assert _run(T0 + 2 * DAY, committed) == 0  # cohort end still 8 days away
    assert _run(T0 + 3 * DAY, committed) == 1
    assert mail.outbox[-1].to == [cohort_end.email]
    assert _run(T0 + 4 * DAY, committed) == 0
    # A postponed deadline is a new one.
    _set(setup, personal, deadline=(T0 + 9 * DAY).date())
    assert _run(T0 + 4 * DAY, committed) == 1
    assert mail.outbox[-1].to == [personal.email]
    assert finished.email not in {m.to[0] for m in mail.outbox}


def test_not_started_rule_and_throttle_across_rules(committed):
    """Not started N days after the start: one reminder; when several rules match
    one learner only one reminder goes out in 72 h."""
    setup = _cohort(learners=2, starts=T0 - 4 * DAY)
    late, started = setup.learners
    _set(setup, late, enrolled_at=T0 - 9 * DAY)
    _set(
        setup,
        started,
        enrolled_at=T0 - 9 * DAY,
        started_at=T0 - DAY,
        last_activity_at=T0 - DAY,
    )
    nudges.create_rule(setup.cohort, kind="not_started", days=5, channel="in_app")
    nudges.create_rule(setup.cohort, kind="inactive", days=7, channel="in_app")
    mail.outbox.clear()

    # Inactive (9 days since enrolment) but the cohort began only 4 days ago.
    assert _run(T0, committed) == 1
    assert list(NudgeLog.objects.values_list("kind", flat=True)) == ["inactive"]
    assert _run(T0 + DAY, committed) == 0  # "not started" is due, but throttled
    assert _run(T0 + 2 * DAY, committed) == 0
    assert _run(T0 + 3 * DAY + dt.timedelta(hours=1), committed) == 1
    assert sorted(NudgeLog.objects.values_list("kind", flat=True)) == [
        "inactive",
        "not_started",
    ]
    assert Notification.objects.filter(user=late, kind="reminder").count() == 2
    assert not Notification.objects.filter(user=started).exists()
    assert mail.outbox == []  # in-app only (the learner's digest may carry them)


def test_two_workers_or_an_existing_log_send_nothing_twice(committed):
    """A reminder already logged for the period (another worker) is not sent."""
    setup = _cohort(learners=1)
    learner = setup.learners[0]
    _set(setup, learner, enrolled_at=T0 - 10 * DAY)
    rule = nudges.create_rule(setup.cohort, kind="inactive", days=7, channel="email")
    enrolment = Enrolment.objects.select_related("user", "cohort").get(user=learner)
    key = nudges.dedup_key(rule, enrolment, T0.date())
    with frozen(T0 - dt.timedelta(hours=100)):
        NudgeLog.objects.create(
            rule=rule,
            enrolment=enrolment,
            kind="inactive",
            channel="email",
            dedup_key=key,
        )
    mail.outbox.clear()
    assert _run(T0, committed) == 0
    with frozen(T0), committed():
        assert nudges._send_one(rule, enrolment, key, T0) is False
    assert mail.outbox == []


def test_inactive_rules_archived_or_ended_cohorts_send_nothing(committed):
    """Deactivated rules, archived and finished cohorts are left alone."""
    setup = _cohort(learners=1)
    _set(setup, setup.learners[0], enrolled_at=T0 - 10 * DAY)
    rule = nudges.create_rule(setup.cohort, kind="inactive", days=7, channel="email")
    nudges.set_rule_active(rule, False)
    assert _run(T0, committed) == 0
    nudges.set_rule_active(rule, True)
    setup.cohort.is_archived = True
    setup.cohort.save()
    assert _run(T0, committed) == 0
    setup.cohort.is_archived = False
    setup.cohort.ends_on = (T0 - DAY).date()
    setup.cohort.save()
    assert _run(T0, committed) == 0
    # ...unless the learner has a personal deadline still ahead.
    _set(setup, setup.learners[0], deadline=(T0 + 20 * DAY).date())
    assert _run(T0, committed) == 1


def test_beat_task_runs_the_engine(committed):
    """The beat task sends what is due at the current time."""
    setup = _cohort(learners=1)
    _set(setup, setup.learners[0], enrolled_at=T0 - 10 * DAY)
    nudges.create_rule(setup.cohort, kind="inactive", days=7, channel="email")
    mail.outbox.clear()
    with frozen(T0), committed():
        assert send_nudges() == 1
    assert len(mail.outbox) == 1


def test_rule_validation():
    """N from 1 to 90, known kind and channel, message ≤ 2,000, no duplicate."""
    setup = _cohort(learners=0)
    for kwargs in (
        {"kind": "inactive", "days": 0},
        {"kind": "inactive", "days": 91},
        {"kind": "unknown", "days": 5},
        {"kind": "inactive", "days": 5, "channel": "sms"},
        {"kind": "inactive", "days": 5, "message": "x" * 2001},
    ):
        with pytest.raises(ValidationError):
            nudges.create_rule(setup.cohort, **kwargs)
    nudges.create_rule(setup.cohort, kind="inactive", days=5)
    with pytest.raises(ValidationError) as error:
        nudges.create_rule(setup.cohort, kind="inactive", days=5)
    assert "existe déjà" in error.value.messages[0]


def test_custom_message_is_sent(committed):
    """A rule's own message replaces the default text."""
    setup = _cohort(learners=1)
    _set(setup, setup.learners[0], enrolled_at=T0 - 10 * DAY)
    nudges.create_rule(
        setup.cohort,
        kind="inactive",
        days=7,
        channel="email",
        message="Revenez <b>vite</b> !",
    )
    mail.outbox.clear()
    _run(T0, committed)
    assert "Revenez <b>vite</b> !" in mail.outbox[0].body
    assert "Revenez &lt;b&gt;vite&lt;/b&gt; !" in mail.outbox[0].alternatives[0][0]


# --- pages --------------------------------------------------------------------------


def test_cohort_tutor_manages_rules_group_tutor_reads(client):
    """Cohort tutors add, edit and deactivate rules; group tutors only read them;
    learners are refused."""
    setup = make_cohort(learners=1)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor)
    url = reverse("tutoring:nudge_rules", args=[setup.cohort.pk])
    client.force_login(setup.tutor)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "rule-kind": "inactive",
            "rule-days": "95",
            "rule-channel": "both",
            "rule-message": "",
        },
    )
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "rule-kind": "inactive",
            "rule-days": "14",
            "rule-channel": "both",
            "rule-message": "",
        },
        follow=True,
    )
    assert "La règle de relance est ajoutée." in html.unescape(
        response.content.decode()
    )
    rule = NudgeRule.objects.get()
    assert (rule.kind, rule.days, rule.created_by) == ("inactive", 14, setup.tutor)
    response = client.post(
        url,
        {
            "rule_id": rule.pk,
            "rule-kind": "inactive",
            "rule-days": "10",
            "rule-channel": "email",
            "rule-message": "Courage !",
            "rule-is_active": "on",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.days, rule.channel, rule.message) == (10, "email", "Courage !")
    client.post(url, {"rule_id": rule.pk, "action": "deactivate"})
    rule.refresh_from_db()
    assert rule.is_active is False

    client.force_login(group_tutor)
    response = client.get(url)
    assert response.status_code == 200
    assert "sans pouvoir les modifier" in response.content.decode()
    assert (
        client.post(url, {"rule_id": rule.pk, "action": "activate"}).status_code == 403
    )
    client.force_login(setup.learners[0])
    assert client.get(url).status_code == 403


def test_log_page_lists_reminders_in_scope(
    client, committed, django_assert_max_num_queries
):
    """The log lists what was sent, filtered by rule and kind; a group tutor sees
    only their groups' learners."""
    setup = _cohort(learners=3)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=[setup.learners[0]])
    for learner in setup.learners:
        _set(setup, learner, enrolled_at=T0 - 10 * DAY)
    rule = nudges.create_rule(setup.cohort, kind="inactive", days=7, channel="in_app")
    assert _run(T0, committed) == 3
    url = reverse("tutoring:nudge_log", args=[setup.cohort.pk])
    client.force_login(setup.tutor)
    with django_assert_max_num_queries(12):
        response = client.get(url, {"rule": rule.pk, "kind": "inactive"})
    assert response.context["page"].paginator.count == 3
    response = client.get(url, {"kind": "deadline"})
    assert response.context["page"].paginator.count == 0
    client.force_login(group_tutor)
    response = client.get(url)
    assert [log.enrolment.user_id for log in response.context["page"].object_list] == [
        setup.learners[0].pk
    ]
