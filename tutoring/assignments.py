"""Assignment rubrics and the tutor's rubric-based review of a submission.

``courses`` owns submissions and the accept / revise decision
(``courses.services.review_submission``, which completes the activity on
acceptance and fires ``activity_completion_changed``); ``tutoring`` adds the
rubric a tutor scores against (``RubricCriterion``) and the points given
(``SubmissionReview``). Who may review is decided by the views
(``tutoring.permissions``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from courses.models import Activity, Submission
from courses.services import review_submission
from lms import audit

from .models import Cohort, RubricCriterion, SubmissionReview
from .notify import notify

logger = logging.getLogger(__name__)

MAX_CRITERIA = 12
MIN_POINTS = 1
MAX_POINTS = 20
MAX_DESCRIPTION = 2000
MAX_FEEDBACK = 10_000

#: One criterion as given to ``set_rubric``: (title, description, max_points).
CriterionInput = tuple[str, str, int]


def rubric_of(activity: Activity | int) -> list[RubricCriterion]:
    """The criteria of an activity's rubric, in order (empty: no rubric)."""
    activity_id = activity if isinstance(activity, int) else activity.pk
    return list(RubricCriterion.objects.filter(activity_id=activity_id))


def rubric_is_used(activity: Activity) -> bool:
    """True once a review scored submissions of ``activity`` against its rubric."""
    return SubmissionReview.objects.filter(
        submission__activity=activity, max_points__gt=0
    ).exists()


def _clean_criteria(criteria: Sequence[CriterionInput]) -> list[CriterionInput]:
    errors: list[str] = []
    cleaned: list[CriterionInput] = []
    if not 1 <= len(criteria) <= MAX_CRITERIA:
        raise ValidationError(
            _("Une grille compte de 1 à %(max)d critères.") % {"max": MAX_CRITERIA},
            code="criteria_count",
        )
    for index, (title, description, max_points) in enumerate(criteria, start=1):
        title = (title or "").strip()
        description = (description or "").strip()
        if not title:
            errors.append(_("Critère %(n)d : indiquez un intitulé.") % {"n": index})
        elif len(title) > 200:
            errors.append(
                _("Critère %(n)d : 200 caractères au maximum pour l'intitulé.")
                % {"n": index}
            )
        if len(description) > MAX_DESCRIPTION:
            errors.append(
                _("Critère %(n)d : %(max)d caractères au maximum pour la description.")
                % {"n": index, "max": MAX_DESCRIPTION}
            )
        try:
            points = int(max_points)
        except (TypeError, ValueError):
            points = 0
        if not MIN_POINTS <= points <= MAX_POINTS:
            errors.append(
                _(
                    "Critère %(n)d : le maximum doit être compris entre %(a)d et %(b)d points."
                )
                % {"n": index, "a": MIN_POINTS, "b": MAX_POINTS}
            )
        cleaned.append((title, description, points))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def set_rubric(
    activity: Activity, criteria: Sequence[CriterionInput], by: Any = None
) -> list[RubricCriterion]:
    """Replace the rubric of an assignment activity of a course run.

    ``criteria``: 1 to 12 ``(title, description, max_points)`` with max_points
    from 1 to 20, stored in the given order, in one transaction. Refused
    (``ValidationError`` in French) for an activity that is not an assignment of
    a run, for bad criteria, and once a review scored submissions against the
    current rubric (the scores given must keep their meaning) unless the
    criteria are unchanged. Returns the stored criteria.
    """
    locked = (
        Activity.objects.select_for_update()
        .select_related("module__course")
        .get(pk=activity.pk)
    )
    if locked.kind != Activity.Kind.ASSIGNMENT:
        raise ValidationError(
            _(
                "Seules les activités « travail à remettre » ont une grille d'évaluation."
            ),
            code="not_assignment",
        )
    if locked.module.course.is_template:
        raise ValidationError(
            _("La grille se définit sur une session du cours, pas sur son modèle."),
            code="template",
        )
    cleaned = _clean_criteria(criteria)
    current = rubric_of(locked)
    if [(c.title, c.description, c.max_points) for c in current] == cleaned:
        return current
    if rubric_is_used(locked):
        raise ValidationError(
            _(
                "Des travaux ont déjà été évalués avec cette grille : elle ne peut "
                "plus être modifiée."
            ),
            code="rubric_used",
        )
    RubricCriterion.objects.filter(activity=locked).delete()
    rows = RubricCriterion.objects.bulk_create(
        [
            RubricCriterion(
                activity=locked,
                position=position,
                title=title,
                description=description,
                max_points=points,
            )
            for position, (title, description, points) in enumerate(cleaned)
        ]
    )
    audit.record(
        by,
        [locked],
        audit.CHANGE,
        _("Grille d'évaluation modifiée (%(count)d critères)") % {"count": len(rows)},
        logger=logger,
    )
    return rows


def score_field_name(criterion: RubricCriterion | int) -> str:
    """The form field (and error key) of one criterion's score."""
    pk = criterion if isinstance(criterion, int) else criterion.pk
    return f"score_{pk}"


def _clean_scores(
    criteria: Sequence[RubricCriterion], scores: Mapping[Any, Any]
) -> dict[str, int]:
    given = {str(key): value for key, value in (scores or {}).items()}
    known = {str(c.pk) for c in criteria}
    errors: dict[str, list[str]] = {}
    unknown = set(given) - known
    if unknown:
        errors["__all__"] = [
            _("Ces points ne correspondent à aucun critère de la grille.")
        ]
    cleaned: dict[str, int] = {}
    for criterion in criteria:
        value = given.get(str(criterion.pk))
        field = score_field_name(criterion)
        if value is None or value == "":
            errors[field] = [
                _("Notez le critère « %(title)s ».") % {"title": criterion.title}
            ]
            continue
        try:
            points = int(value)
        except (TypeError, ValueError):
            points = -1
        if isinstance(value, bool) or not 0 <= points <= criterion.max_points:
            errors[field] = [
                _("« %(title)s » : entre 0 et %(max)d points.")
                % {"title": criterion.title, "max": criterion.max_points}
            ]
            continue
        cleaned[str(criterion.pk)] = points
    if errors:
        raise ValidationError(errors)
    return cleaned


def _already_reviewed_message(submission: Submission) -> str:
    fresh = Submission.objects.select_related("reviewed_by").get(pk=submission.pk)
    reviewer = fresh.reviewed_by
    name = (reviewer.get_full_name() or reviewer.email) if reviewer else ""
    return _(
        "Ce travail a déjà été évalué (%(status)s%(by)s) : votre évaluation n'a "
        "pas été enregistrée une seconde fois."
    ) % {
        "status": fresh.get_status_display(),
        "by": _(" par %(name)s") % {"name": name} if name else "",
    }


def _notify_learner(submission: Submission, cohort: Cohort | None) -> None:
    learner = submission.user
    activity = submission.activity
    language = learner.preferred_language or None
    with translation.override(language):
        if submission.status == Submission.Status.ACCEPTED:
            title = _("Votre travail « %(title)s » a été accepté.")
        else:
            title = _("Votre travail « %(title)s » est à retravailler.")
        title = title % {"title": activity.title}
    notify(
        [learner],
        "review",
        title,
        body=submission.feedback,
        url=reverse("courses:activity_detail", args=[activity.uuid]),
        cohort=cohort,
    )


def review_with_rubric(
    submission: Submission,
    reviewer: Any,
    status: str,
    feedback: str = "",
    scores: Mapping[Any, Any] | None = None,
    *,
    cohort: Cohort | None = None,
) -> Submission:
    """Accept a submission or ask for a revision, scored against the rubric.

    When the activity has a rubric, every criterion needs a score from 0 to its
    maximum (``scores`` maps criterion ids to points; errors keyed
    ``score_<id>``). In one transaction: ``courses.services.review_submission``
    (acceptance completes the activity, whose completion event refreshes the
    cohort's dashboard aggregates after commit), the ``SubmissionReview`` with
    the points, and an in-app notification of kind ``review`` to the learner.
    Raises ``ValidationError`` (French) for bad scores, a revision request
    without feedback, or a submission already reviewed (a double submit of the
    review form), leaving nothing written.
    """
    if len(feedback or "") > MAX_FEEDBACK:
        raise ValidationError(
            {"feedback": [_("10 000 caractères au maximum.")]}, code="too_long"
        )
    with transaction.atomic():
        # Serialises with ``set_rubric``: the rubric scored is the one stored.
        Activity.objects.select_for_update().filter(pk=submission.activity_id).first()
        criteria = rubric_of(submission.activity_id)
        cleaned = _clean_scores(criteria, scores or {}) if criteria else {}
        try:
            reviewed = review_submission(submission, reviewer, status, feedback)
        except ValidationError as error:
            if getattr(error, "code", None) == "already_reviewed":
                raise ValidationError(
                    _already_reviewed_message(submission), code="already_reviewed"
                ) from error
            raise
        if criteria:
            review = SubmissionReview.objects.create(
                submission=reviewed,
                reviewer=reviewer,
                scores=cleaned,
                total_points=sum(cleaned.values()),
                max_points=sum(c.max_points for c in criteria),
            )
            audit.record(
                reviewer,
                [review],
                audit.ADDITION,
                _("Évaluation critériée : %(total)d / %(max)d")
                % {"total": review.total_points, "max": review.max_points},
                logger=logger,
                action=audit.Action.GRADE_DECIDED,
            )
        _notify_learner(reviewed, cohort)
    logger.info(
        "submission reviewed submission=%s status=%s reviewer=%s",
        reviewed.pk,
        reviewed.status,
        getattr(reviewer, "pk", None),
    )
    return reviewed
