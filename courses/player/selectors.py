"""Read-only queries of the player: what an attempt looks like to its learner."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from courses.models import Activity, Attempt, ScoState

FINISHED_LESSON = ("completed", "passed", "failed")

STATUS_LABELS = {
    "not_started": _("pas commencée"),
    "in_progress": _("en cours"),
    "completed": _("terminée"),
    "passed": _("réussie"),
    "failed": _("non réussie"),
}


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    """The state of one attempt as the learner sees it on the play page."""

    number: int
    status: str
    resume_sco: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def is_finished(self) -> bool:
        return self.status in ("completed", "passed", "failed")


def _sco_status(state: ScoState) -> str:
    lesson = state.lesson_status
    if state.success_status in ("passed", "failed"):
        return state.success_status
    if lesson in ("passed", "failed"):
        return lesson
    if state.completion_status == "completed" or lesson == "completed":
        return "completed"
    if state.seq or lesson in ("incomplete", "browsed") or state.location:
        return "in_progress"
    return "not_started"


def attempt_summary(attempt: Attempt, sco_identifiers: list[str]) -> AttemptSummary:
    """Number, overall status and the SCO to resume for ``attempt``.

    One query. The status is the weakest of the package's SCOs (a multi-SCO
    attempt is finished only when every SCO is); the SCO to resume is the one
    the learner touched last, else the first of ``sco_identifiers``.
    """
    states = list(attempt.sco_states.order_by("-updated_at"))
    by_sco = {state.sco_identifier: state for state in states}
    # H5P content has no SCO list: every state the attempt holds counts.
    sco_identifiers = sco_identifiers or sorted(by_sco)
    statuses = [
        _sco_status(by_sco[identifier]) if identifier in by_sco else "not_started"
        for identifier in sco_identifiers
    ] or ["not_started"]
    if all(status == "not_started" for status in statuses):
        status = "not_started"
    elif any(status in ("not_started", "in_progress") for status in statuses):
        status = "in_progress"
    elif "failed" in statuses:
        status = "failed"
    elif all(status == "passed" for status in statuses):
        status = "passed"
    else:
        status = "completed"
    resume = next(
        (s.sco_identifier for s in states if s.sco_identifier in sco_identifiers),
        sco_identifiers[0] if sco_identifiers else "",
    )
    return AttemptSummary(number=attempt.number, status=status, resume_sco=resume)


def missing_prerequisites(
    activity: Activity, completed_ids: set[int]
) -> list[Activity]:
    """The prerequisites of ``activity`` not completed yet, in course order."""
    return [p for p in activity.prerequisites.all() if p.pk not in completed_ids]
