"""Read queries of ``tutoring`` for the cohort lists and the learner side.

Each selector states its query cost: list pages stay bounded whatever the
number of cohorts or learners (counts come from annotations or one grouped
aggregate, never from a query per row).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import Activity
from courses.progress import course_progress

from .flags import flag_q
from .models import Cohort, CohortGroup, CohortTutor, Enrolment
from .permissions import cohorts_tutored_by, is_ifpc_staff

#: Cohort list filters (query string ``state``).
COHORT_STATES = ("running", "finished", "archived")


def _active_count_subquery() -> Subquery:
    """Active learners of the outer cohort, as a correlated subquery (no JOIN
    fan-out with the tutor links used to select the cohorts)."""
    return Subquery(
        Enrolment.objects.filter(
            cohort_id=OuterRef("pk"), status=Enrolment.Status.ACTIVE
        )
        .order_by()
        .values("cohort_id")
        .annotate(total=Count("pk"))
        .values("total"),
        output_field=IntegerField(),
    )


def visible_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts shown in the staff/tutor list: all for IFPC staff, otherwise the
    cohorts the person tutors (whole cohort or one of its groups)."""
    if is_ifpc_staff(user):
        return Cohort.objects.all()
    return Cohort.objects.filter(pk__in=cohorts_tutored_by(user).values("pk"))


def cohort_list(
    user: Any,
    *,
    search: str = "",
    state: str = "",
    today: dt.date | None = None,
) -> QuerySet[Cohort]:
    """The cohort list of ``user`` filtered by ``search`` (code or title) and
    ``state`` (running: not archived and not over; finished: over, not
    archived; archived), each with ``learner_count`` (active learners).

    One query per page (plus the paginator's count).
    """
    today = today or timezone.localdate()
    queryset = visible_cohorts(user)
    search = search.strip()
    if search:
        queryset = queryset.filter(
            Q(code__icontains=search) | Q(title__icontains=search)
        )
    if state == "running":
        queryset = queryset.filter(is_archived=False, ends_on__gte=today)
    elif state == "finished":
        queryset = queryset.filter(is_archived=False, ends_on__lt=today)
    elif state == "archived":
        queryset = queryset.filter(is_archived=True)
    return queryset.annotate(
        learner_count=Coalesce(_active_count_subquery(), Value(0))
    ).order_by("-starts_on", "code")


def cohort_state(cohort: Cohort, today: dt.date | None = None) -> str:
    """``archived``, ``finished``, ``upcoming`` or ``running`` (for display)."""
    today = today or timezone.localdate()
    if cohort.is_archived:
        return "archived"
    if cohort.ends_on < today:
        return "finished"
    if cohort.starts_on > today:
        return "upcoming"
    return "running"


def _tutor_links() -> Prefetch:
    return Prefetch(
        "tutor_links",
        queryset=CohortTutor.objects.select_related("user").order_by(
            "-is_lead", "user__last_name", "user__first_name", "pk"
        ),
    )


@dataclass
class CohortTutors:
    """The people who follow a learner: lead tutor, other cohort tutors and the
    tutor of the learner's group (if any)."""

    lead: Any = None
    others: list[Any] = field(default_factory=list)
    group_tutor: Any = None

    @property
    def is_empty(self) -> bool:
        return self.lead is None and not self.others and self.group_tutor is None


def tutors_of(cohort: Cohort, group: CohortGroup | None = None) -> CohortTutors:
    """Tutors of ``cohort`` (reads the prefetched ``tutor_links`` when present)."""
    links = list(cohort.tutor_links.all())
    lead = next((link.user for link in links if link.is_lead), None)
    others = [link.user for link in links if not link.is_lead]
    group_tutor = group.tutor if group is not None else None
    return CohortTutors(lead=lead, others=others, group_tutor=group_tutor)


@dataclass
class LearnerTraining:
    """One active cohort of a learner, as shown on "Mes formations"."""

    enrolment: Enrolment
    cohort: Cohort
    progress_percent: int
    next_activity: Activity | None
    deadline: dt.date
    tutors: CohortTutors
    state: str


def learner_deadline(enrolment: Enrolment) -> dt.date:
    """The learner's personal deadline, else the end of the cohort."""
    return enrolment.deadline or enrolment.cohort.ends_on


def _training(enrolment: Enrolment, today: dt.date) -> LearnerTraining:
    cohort = enrolment.cohort
    next_activity = None
    if cohort.course_id:
        # Three small queries per cohort (a learner follows few cohorts).
        next_activity = course_progress(
            enrolment.user_id, cohort.course_id
        ).next_activity
    return LearnerTraining(
        enrolment=enrolment,
        cohort=cohort,
        progress_percent=enrolment.progress_percent,
        next_activity=next_activity,
        deadline=learner_deadline(enrolment),
        tutors=tutors_of(cohort, enrolment.group),
        state=cohort_state(cohort, today),
    )


def learner_enrolments(user: Any) -> QuerySet[Enrolment]:
    """Active enrolments of ``user`` in cohorts that are not archived, with the
    cohort, course, group (and its tutor) and cohort tutors loaded."""
    return (
        Enrolment.objects.active()
        .filter(user=user, cohort__is_archived=False)
        .select_related("cohort", "cohort__course", "group", "group__tutor")
        .prefetch_related(
            Prefetch("cohort__tutor_links", queryset=_tutor_links().queryset)
        )
        .order_by("cohort__ends_on", "cohort__code")
    )


def my_trainings(user: Any, today: dt.date | None = None) -> list[LearnerTraining]:
    """The learner's active cohorts (2 queries, plus 3 per cohort for its next
    activity)."""
    today = today or timezone.localdate()
    return [_training(enrolment, today) for enrolment in learner_enrolments(user)]


def learner_training(enrolment: Enrolment) -> LearnerTraining:
    """``my_trainings`` for one enrolment (the cohort home page)."""
    return _training(enrolment, timezone.localdate())


def cohort_with_tutors(cohort_id: int) -> QuerySet[Cohort]:
    """The cohort ``cohort_id`` with its session, course and tutors loaded."""
    return (
        Cohort.objects.filter(pk=cohort_id)
        .select_related("session", "course")
        .prefetch_related(_tutor_links())
    )


@dataclass
class TutorCohortSummary:
    cohort: Cohort
    learner_count: int
    at_risk_count: int
    whole_cohort: bool
    state: str


#: The dashboard panel lists the most recent cohorts; the list page has the rest.
PANEL_COHORT_LIMIT = 10


def tutor_cohort_summaries(
    user: Any, *, limit: int = PANEL_COHORT_LIMIT, now: dt.datetime | None = None
) -> list[TutorCohortSummary]:
    """The cohorts ``user`` tutors (not archived, most recent first, at most
    ``limit``) with their active learners and at-risk learners, counted within
    the person's scope (a group tutor counts their groups only).

    Four queries whatever the number of cohorts: the cohorts, the person's
    cohort-tutor links, the personal deadlines, and one grouped aggregate.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    cohorts = list(
        Cohort.objects.filter(
            pk__in=cohorts_tutored_by(user).values("pk"), is_archived=False
        ).order_by("-starts_on", "code")[:limit]
    )
    if not cohorts:
        return []
    ids = [c.pk for c in cohorts]
    whole = set(
        CohortTutor.objects.filter(user=user, cohort_id__in=ids).values_list(
            "cohort_id", flat=True
        )
    )
    deadlines: dict[int, list[dt.date]] = defaultdict(list)
    for cohort_id, deadline in (
        Enrolment.objects.filter(cohort_id__in=ids, deadline__isnull=False)
        .order_by()
        .values_list("cohort_id", "deadline")
        .distinct()
    ):
        deadlines[cohort_id].append(deadline)
    aggregates: dict[str, Any] = {}
    for cohort in cohorts:
        scope = Q(cohort_id=cohort.pk)
        if cohort.pk not in whole:
            scope &= Q(group__tutor=user)
        aggregates[f"n{cohort.pk}"] = Count("pk", filter=scope)
        aggregates[f"r{cohort.pk}"] = Count(
            "pk",
            filter=scope
            & flag_q(cohort, "at_risk", now=now, deadlines=deadlines[cohort.pk]),
        )
    totals = (
        Enrolment.objects.active().filter(cohort_id__in=ids).aggregate(**aggregates)
    )
    return [
        TutorCohortSummary(
            cohort=cohort,
            learner_count=totals[f"n{cohort.pk}"] or 0,
            at_risk_count=totals[f"r{cohort.pk}"] or 0,
            whole_cohort=cohort.pk in whole,
            state=cohort_state(cohort, today),
        )
        for cohort in cohorts
    ]


def tutor_panel_context(user: Any) -> dict[str, Any]:
    """Context of the tutor's "Mes cohortes" dashboard panel (four queries)."""
    return {"summaries": tutor_cohort_summaries(user)}


def manage_enrolments(cohort: Cohort, status: str = "") -> QuerySet[Enrolment]:
    """Every enrolment of ``cohort`` (staff management page), optionally only
    ``active`` or ``withdrawn`` ones, with user and group loaded."""
    queryset = Enrolment.objects.filter(cohort=cohort).select_related("user", "group")
    if status in Enrolment.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("status", "user__last_name", "user__first_name", "pk")


def cohort_groups(cohort: Cohort) -> QuerySet[CohortGroup]:
    """Groups of ``cohort`` with their tutor and active member count (1 query)."""
    return (
        CohortGroup.objects.filter(cohort=cohort)
        .select_related("tutor")
        .annotate(
            member_count=Count(
                "enrolments",
                filter=Q(enrolments__status=Enrolment.Status.ACTIVE),
            )
        )
        .order_by("name")
    )
