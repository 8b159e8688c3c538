"""Read queries behind the public training and track pages (their ``get_context``).

Each selector loads what its template shows in a fixed number of queries,
whatever the number of sessions, days or steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.utils import timezone

from lms.models import Competence, CompetenceArea

from .models.sessions import Session, SessionDay

if TYPE_CHECKING:
    from .models.pages import TrackPage, TrainingPage


@dataclass
class CompetenceGroup:
    """The competences a training targets within one DigCompEdu area."""

    area: CompetenceArea
    competences: list[Competence] = field(default_factory=list)


@dataclass
class TrackStepView:
    """One step of a track as shown on its page."""

    position: int
    training: TrainingPage
    session: Session | None


def upcoming_sessions(
    training: TrainingPage, *, today: dt.date | None = None
) -> list[Session]:
    """Sessions of ``training`` not yet over and not cancelled, soonest first.

    Two queries: the sessions (with their host establishment) and their days.
    """
    return list(
        Session.objects.filter(training_id=training.pk)
        .exclude(status=Session.Status.CANCELLED)
        .upcoming(today or timezone.localdate())
        .select_related("establishment")
        .prefetch_related(
            Prefetch("days", queryset=SessionDay.objects.order_by("date", "start_time"))
        )
        .order_by("starts_on", "code")
    )


def competence_groups(training: TrainingPage) -> list[CompetenceGroup]:
    """The targeted competences grouped by area, in framework order (one query)."""
    competences = sorted(
        training.competences.select_related("area"), key=lambda c: c.code
    )
    return [
        CompetenceGroup(area=area, competences=list(items))
        for area, items in groupby(competences, key=lambda c: c.area)
    ]


def track_steps(track: TrackPage) -> list[TrackStepView]:
    """The ordered steps of ``track`` with their training and fixed session.

    Three queries: steps with trainings and sessions, then the sessions' days.
    """
    steps = track.steps.select_related(
        "training", "session", "session__establishment"
    ).prefetch_related("session__days")
    return [
        TrackStepView(position=number, training=step.training, session=step.session)
        for number, step in enumerate(
            sorted(steps, key=lambda s: s.sort_order or 0), start=1
        )
    ]


def track_figures(steps: list[TrackStepView]) -> dict[str, Any]:
    """Total hours and number of synchronous days of a track's steps."""
    hours = sum((step.training.total_hours for step in steps), Decimal("0"))
    days = sum(len(step.session.days.all()) for step in steps if step.session)
    return {"total_hours": hours, "total_days": days}
