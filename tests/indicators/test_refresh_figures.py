"""Indicator figures after a refresh, against the hand-computed data set of
``tests.indicators.builders`` (arithmetic in the comments)."""

from decimal import Decimal

import pytest

from indicators import selectors
from indicators.models import (
    ParticipantProfile,
    ParticipationFact,
    RefreshRun,
    SelfTestLevelFact,
    SessionSummary,
)
from indicators.refresh import refresh
from indicators.selectors import Filters
from tests.indicators import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    data = builders.build()
    refresh()
    return data


def test_refresh_records_a_finished_run_with_row_counts(data):
    """A refresh is recorded as done, with its duration and rows per table."""
    run = RefreshRun.objects.get()
    assert run.status == RefreshRun.Status.DONE
    assert run.finished_at is not None and run.duration_ms is not None
    # S1 has 4 groups of people (A+B share theirs: Namur teachers; C; D), S2 has
    # 2 (A; D), S3 has 1 (C): 3 + 2 + 1 = 6 fact rows.
    assert run.row_counts["participationfact"] == 6
    # S1, S2, S3 (S4 is cancelled).
    assert run.row_counts["sessionsummary"] == 3


def test_participant_profiles_take_first_establishment_and_main_function(data):
    """Dimensions come from the first establishment and the main function."""
    people = data.people
    a = ParticipantProfile.objects.get(user_id=people["A"].pk)
    assert (a.network, a.level, a.province, a.function) == (
        "wbe",
        "primaire",
        "namur",
        "teacher",
    )
    c = ParticipantProfile.objects.get(user_id=people["C"].pk)
    assert (c.province, c.function) == ("liege", "ctp")  # CTP before teacher
    d = ParticipantProfile.objects.get(user_id=people["D"].pk)
    assert (d.network, d.province, d.function) == ("", "", "teacher")


def test_session_summaries_carry_school_year_hours_and_digital_flag(data):
    """Sessions get their school year (1 Sept–31 Aug), hours and digital flag."""
    s1 = SessionSummary.objects.get(session_id=data.sessions["S1"].pk)
    assert s1.school_year == 2026 and s1.total_hours == Decimal("10.0")
    assert s1.is_digital and s1.cohort_code == "COH-S1"
    s3 = SessionSummary.objects.get(session_id=data.sessions["S3"].pk)
    assert s3.school_year == 2025 and not s3.is_digital  # 2 March 2026
    assert not SessionSummary.objects.filter(
        session_id=data.sessions["S4"].pk
    ).exists()  # cancelled


def test_headline_figures_of_school_year_2026(data):
    """Every headline figure of 2026-2027, computed by hand."""
    figures = selectors.headline(Filters(school_year=2026))
    # S1: A, B, C accepted + D refused = 4; S2: A, D accepted (B cancelled) = 2.
    assert figures.registered == 4 + 2
    assert figures.accepted == 3 + 2
    # S1: A (all required activities) and C (attestation); S2: D (attestation;
    # A's was revoked).
    assert figures.completed == 3
    assert figures.completion_rate == 60.0  # 3 / 5
    # 2 completed × 10 h (S1) + 1 × 3 h (S2).
    assert figures.participant_hours == Decimal("23.0")
    assert figures.online_or_hybrid == 3  # S1's accepted (T1 is hybrid)
    assert figures.trainings == 2 and figures.digital_trainings == 1
    assert figures.digital_trainings_share == 50.0
    assert figures.digital_hours_share == 87.0  # 20 / 23 = 86.96 %
    # 2 required activities × 3 accepted = 6; done: A 2 + B 1 + C 0 = 3.
    assert (figures.activities_required, figures.activities_completed) == (6, 3)
    assert figures.activity_completion_rate == 50.0
    # A 120/120, B 60/120; C excused (left out); D refused (not counted).
    assert (figures.minutes_planned, figures.minutes_attended) == (240, 180)
    assert figures.attendance_rate == 75.0
    # Valid session attestations: A/S1, C/S1, D/S2 (A/S2 revoked); delivered:
    # C/S1 and D/S2.
    assert (figures.attestations_issued, figures.attestations_delivered) == (3, 2)


def test_all_years_add_school_year_2025(data):
    """Without a year filter, S3 (2025-2026: C accepted, not completed) adds in."""
    figures = selectors.headline(Filters())
    assert (figures.registered, figures.accepted, figures.completed) == (7, 6, 3)
    assert figures.participant_hours == Decimal("23.0")
    assert selectors.headline(Filters(school_year=2025)).accepted == 1


def test_province_filter(data):
    """Namur (A and B) in 2026-2027, by hand."""
    figures = selectors.headline(Filters(school_year=2026, province="namur"))
    # S1: A, B accepted; S2: A accepted.
    assert (figures.registered, figures.accepted) == (3, 3)
    assert figures.completed == 1  # A on S1
    assert figures.participant_hours == Decimal("10.0")
    assert figures.online_or_hybrid == 2
    # A 2 + B 1 of 2 × 2 required.
    assert (figures.activities_required, figures.activities_completed) == (4, 3)
    assert (figures.attestations_issued, figures.attestations_delivered) == (1, 0)


def test_function_filter(data):
    """CTP (C) over all years: S1 completed by attestation, S3 not."""
    figures = selectors.headline(Filters(function="ctp"))
    assert (figures.registered, figures.accepted, figures.completed) == (2, 2, 1)
    assert figures.participant_hours == Decimal("10.0")
    assert figures.attendance_rate is None  # C's only slot was excused
    assert (figures.attestations_issued, figures.attestations_delivered) == (1, 1)


def test_network_not_set_filter(data):
    """People without establishment (D): refused on S1, completed S2."""
    figures = selectors.headline(Filters(network=""))
    assert (figures.registered, figures.accepted, figures.completed) == (2, 1, 1)
    assert figures.participant_hours == Decimal("3.0")


def test_breakdown_by_province(data):
    """Accepted participants per province in 2026-2027."""
    rows = selectors.by_dimension(Filters(school_year=2026), "province")
    accepted = {row.label: row.accepted for row in rows}
    # Namur: A (S1, S2), B (S1); Liège: C (S1); not set: D (S2).
    assert accepted == {"Liège": 1, "Namur": 3, "Non renseigné": 1}


def test_tables_per_training_session_and_cohort(data):
    """Completion per training, session and cohort."""
    filters = Filters(school_year=2026)
    trainings = selectors.labelled(
        list(selectors.table_rows(filters, "training")), "training"
    )
    assert [(t.accepted, t.completed, t.participant_hours) for t in trainings] == [
        (3, 2, Decimal("20.0")),  # T1 (S1)
        (2, 1, Decimal("3.0")),  # T2 (S2)
    ]
    sessions = selectors.labelled(
        list(selectors.table_rows(Filters(), "session")), "session"
    )
    assert [s.extra["session_code"] for s in sessions] == [
        data.sessions["S1"].code,
        data.sessions["S2"].code,
        data.sessions["S3"].code,
    ]
    cohorts = selectors.labelled(
        list(selectors.table_rows(filters, "cohort")), "cohort"
    )
    assert len(cohorts) == 1 and cohorts[0].label.startswith("COH-S1")
    assert cohorts[0].completion_rate == 66.7  # 2 / 3
    assert cohorts[0].attendance_rate == 75.0


def test_selftest_levels_count_only_shared_current_latest_results(data):
    """2.1: A1 1, A2 2, B1 1, C1 1 (5 results); 2.2 has 2 results: suppressed."""
    levels = {c.code: c for c in selectors.selftest_levels(Filters(school_year=2026))}
    c21 = levels["2.1"]
    assert c21.n == 5 and not c21.suppressed
    assert {s.level: s.count for s in c21.distribution} == {
        "A1": 1,
        "A2": 2,
        "B1": 1,
        "B2": 0,
        "C1": 1,
        "C2": 0,  # not shared, superseded and deleted results are not counted
    }
    assert c21.distribution[1].percent == 40.0  # 2 / 5
    assert levels["2.2"].suppressed and levels["2.2"].distribution == []


def test_selftest_levels_follow_the_filters(data):
    """Namur: A, B, E share 2.1 (3 results): below the group minimum."""
    levels = {c.code: c for c in selectors.selftest_levels(Filters(province="namur"))}
    assert levels["2.1"].n == 3 and levels["2.1"].suppressed
    assert SelfTestLevelFact.objects.filter(province="namur").count() == 4
    assert selectors.selftest_levels(Filters(school_year=2025)) == []


def test_refresh_is_idempotent(data):
    """A second refresh over the same data writes the same rows."""

    def snapshot():
        return sorted(
            ParticipationFact.objects.values_list(
                "school_year",
                "session_id",
                "network",
                "function",
                "registered",
                "accepted",
                "completed",
                "participant_hours",
                "attestations_issued",
            )
        ), sorted(SelfTestLevelFact.objects.values_list("competence_code", "results"))

    before = snapshot()
    refresh()
    assert snapshot() == before
    assert RefreshRun.objects.filter(status=RefreshRun.Status.DONE).count() == 2


def test_refresh_replaces_figures_when_data_change(data):
    """A registration accepted after a refresh shows only after the next one."""
    from catalogue.models import Registration

    Registration.objects.filter(
        session=data.sessions["S1"], user=data.people["D"]
    ).update(status=Registration.Status.ACCEPTED)
    assert selectors.headline(Filters(school_year=2026)).accepted == 5
    refresh()
    assert selectors.headline(Filters(school_year=2026)).accepted == 6


def test_learner_enrolled_by_hand_is_a_participant_not_a_registrant(data):
    """E, put in S1's cohort by hand, counts as accepted (not registered); A's
    enrolment, doubling an accepted registration, is not counted twice."""
    from django.utils import timezone

    from tutoring.models import Enrolment

    for key in ("E", "A"):
        Enrolment.objects.create(
            cohort=data.cohort,
            user=data.people[key],
            source=Enrolment.Source.MANUAL,
            enrolled_at=timezone.now(),
        )
    refresh()
    figures = selectors.headline(Filters(school_year=2026))
    assert (figures.registered, figures.accepted) == (6, 5 + 1)
    # E completed nothing: 2 more required activities, none done.
    assert (figures.activities_required, figures.activities_completed) == (8, 3)
