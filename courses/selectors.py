"""Read queries of the course pages, with their joins spelled out (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import (
    Activity,
    ActivityProgress,
    Course,
    Module,
    Package,
    Participant,
    Submission,
)

State = ActivityProgress.State


def course_structure(course: Course) -> list[Module]:
    """``course``'s modules in order, each with ``activities`` (package joined,
    prerequisites prefetched), in three queries whatever the size."""
    activities = (
        Activity.objects.select_related("package")
        .prefetch_related(
            Prefetch("prerequisites", queryset=Activity.objects.order_by("position"))
        )
        .order_by("position", "id")
    )
    return list(
        course.modules.order_by("position", "id").prefetch_related(
            Prefetch("activities", queryset=activities)
        )
    )


# --- Learner course page --------------------------------------------------------------


@dataclass
class ActivityEntry:
    """One activity as a learner sees it on the course page."""

    activity: Activity
    state: str
    progress: ActivityProgress | None
    is_locked: bool
    missing_prerequisites: list[Activity] = field(default_factory=list)
    is_next: bool = False

    @property
    def is_completed(self) -> bool:
        return self.state == State.COMPLETED


@dataclass
class ModuleEntry:
    module: Module
    activities: list[ActivityEntry]
    completed_required: int
    total_required: int

    @property
    def percent(self) -> int:
        if not self.total_required:
            return 0
        return self.completed_required * 100 // self.total_required


@dataclass
class CoursePage:
    """Everything the learner course page shows."""

    course: Course
    modules: list[ModuleEntry]
    percent: int
    completed_required: int
    total_required: int
    next_activity: Activity | None
    has_started: bool

    @property
    def is_finished(self) -> bool:
        return (
            self.total_required > 0 and self.completed_required >= self.total_required
        )

    @property
    def is_empty(self) -> bool:
        return not any(entry.activities for entry in self.modules)


def course_page(user: Any, course: Course) -> CoursePage:
    """The course page of ``user`` on ``course``: modules, each activity's state
    (completed, in progress, not started or locked with its missing
    prerequisites), per-module and overall progress, and the next activity.

    Progress figures come from ``courses.progress.course_progress`` (three
    queries) so that the page, the dashboard and certification agree; plus one
    query for the modules.
    """
    from .progress import course_progress, is_unlocked

    modules = list(course.modules.order_by("position", "id"))
    summary = course_progress(user, course)
    by_activity = summary.progress_by_activity
    by_id = {activity.pk: activity for activity in summary.activities}
    per_module: dict[int, list[Activity]] = {}
    for activity in summary.activities:
        per_module.setdefault(activity.module_id, []).append(activity)
    next_id = summary.next_activity.pk if summary.next_activity else None
    entries = []
    for module in modules:
        rows = []
        done = total = 0
        for activity in per_module.get(module.pk, []):
            activity.module = module  # already loaded: no query from templates
            progress = by_activity.get(activity.pk)
            state = progress.state if progress else State.NOT_STARTED
            locked = state != State.COMPLETED and not is_unlocked(activity, by_activity)
            missing = (
                [
                    by_id[prerequisite.pk]
                    for prerequisite in activity.prerequisites.all()
                    if prerequisite.pk in by_id
                    and not _completed(by_activity.get(prerequisite.pk))
                ]
                if locked
                else []
            )
            rows.append(
                ActivityEntry(
                    activity=activity,
                    state=state,
                    progress=progress,
                    is_locked=locked,
                    missing_prerequisites=missing,
                    is_next=activity.pk == next_id,
                )
            )
            if activity.is_required:
                total += 1
                done += state == State.COMPLETED
        entries.append(ModuleEntry(module, rows, done, total))
    return CoursePage(
        course=course,
        modules=entries,
        percent=summary.percent,
        completed_required=summary.completed_required,
        total_required=summary.total_required,
        next_activity=summary.next_activity,
        has_started=any(p.state != State.NOT_STARTED for p in by_activity.values()),
    )


def _completed(progress: ActivityProgress | None) -> bool:
    return progress is not None and progress.state == State.COMPLETED


def activity_for_page(activity_uuid: Any) -> Activity:
    """The activity with its module, course, package and prerequisites, or
    ``Activity.DoesNotExist``."""
    return (
        Activity.objects.select_related("module__course", "package")
        .prefetch_related("prerequisites")
        .get(uuid=activity_uuid)
    )


def learner_progress_on(
    user: Any, activities: list[Activity]
) -> dict[int, ActivityProgress]:
    """``user``'s progress rows on ``activities``, keyed by activity id."""
    return {
        p.activity_id: p
        for p in ActivityProgress.objects.filter(
            user=user, activity__in=[a.pk for a in activities]
        )
    }


def submissions_of(user: Any, activity: Activity) -> list[Submission]:
    """``user``'s submissions for ``activity``, newest first."""
    return list(
        Submission.objects.filter(user=user, activity=activity)
        .select_related("reviewed_by")
        .order_by("-created_at", "-pk")
    )


# --- Dashboard --------------------------------------------------------------------


@dataclass
class LearnerCourse:
    """A run on the learner's dashboard with its required-activity counts."""

    course: Course
    completed_required: int
    total_required: int
    started: int

    @property
    def percent(self) -> int:
        # Same rounding as ``courses.progress.course_progress`` (down).
        if not self.total_required:
            return 0
        return self.completed_required * 100 // self.total_required

    @property
    def has_started(self) -> bool:
        return self.started > 0

    @property
    def is_finished(self) -> bool:
        return (
            self.total_required > 0 and self.completed_required >= self.total_required
        )


def _count_subquery(queryset: QuerySet[Any], course_path: str) -> Subquery:
    """``COUNT(*)`` of ``queryset`` for the outer course, as a scalar subquery."""
    counted = (
        queryset.filter(**{course_path: OuterRef("pk")})
        .order_by()
        .values(course_path)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def learner_courses(user: Any) -> list[LearnerCourse]:
    """The runs ``user`` follows as an active learner (not archived), each with
    its required-activity counts, in one query (scalar subqueries per run)."""
    progress = ActivityProgress.objects.filter(user=user)
    courses = (
        Course.objects.runs()
        .filter(
            is_archived=False,
            participants__user=user,
            participants__role=Participant.Role.LEARNER,
            participants__is_active=True,
        )
        .annotate(
            total_required=_count_subquery(
                Activity.objects.filter(is_required=True), "module__course"
            ),
            completed_required=_count_subquery(
                progress.filter(activity__is_required=True, state=State.COMPLETED),
                "activity__module__course",
            ),
            started=_count_subquery(
                progress.exclude(state=State.NOT_STARTED), "activity__module__course"
            ),
        )
        .order_by("title", "pk")
    )
    return [
        LearnerCourse(
            c,
            c.completed_required,  # type: ignore[attr-defined]
            c.total_required,  # type: ignore[attr-defined]
            c.started,  # type: ignore[attr-defined]
        )
        for c in courses
    ]


# --- Staff ---------------------------------------------------------------------------


def course_templates(search: str = "") -> QuerySet[Course]:
    """Course templates, optionally filtered by code or title, with their counts."""
    courses = Course.objects.templates()
    search = search.strip()
    if search:
        courses = courses.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return courses.annotate(
        module_count=Count("modules", distinct=True),
        run_count=Count("runs", distinct=True),
    ).order_by("is_archived", "code")


def runs_of(template: Course) -> QuerySet[Course]:
    """The runs started from ``template``, newest first, with learner counts."""
    return template.runs.annotate(
        learner_count=Count(
            "participants",
            filter=Q(
                participants__role=Participant.Role.LEARNER,
                participants__is_active=True,
            ),
        )
    ).order_by("-created_at", "-pk")


def course_participants(course: Course) -> QuerySet[Participant]:
    """Participants of ``course`` (active first), with their user."""
    return course.participants.select_related("user").order_by(
        "-is_active", "role", "user__last_name", "user__first_name", "pk"
    )


def ready_packages(standards: tuple[str, ...] | None = None) -> QuerySet[Package]:
    """READY packages (of ``standards`` when given), newest first."""
    packages = Package.objects.filter(status=Package.Status.READY)
    if standards:
        packages = packages.filter(standard__in=standards)
    return packages.order_by("-created_at")


def recent_packages() -> QuerySet[Package]:
    """Uploaded packages, newest first, with who uploaded them and their use."""
    return (
        Package.objects.select_related("uploaded_by")
        .annotate(activity_count=Count("activities"))
        .order_by("-created_at", "-pk")
    )
