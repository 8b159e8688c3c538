"""Rubrics for assignment activities and the tutor's rubric-based review.

``courses`` owns submissions and their accept / revise decision
(``courses.services.review_submission``); ``tutoring`` adds the rubric a tutor
scores against and records the points given per criterion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class RubricCriterion(TimeStampedModel):
    """One criterion of an assignment's rubric (ordered, with a maximum)."""

    activity = models.ForeignKey(
        "courses.Activity", on_delete=models.CASCADE, related_name="rubric_criteria"
    )
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("critère"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    max_points = models.PositiveSmallIntegerField(_("points maximum"), default=4)

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["activity", "position", "id"]


class SubmissionReview(TimeStampedModel):
    """The tutor's rubric scores for one reviewed submission.

    ``scores`` maps ``str(criterion_id)`` to the points given.
    """

    submission = models.OneToOneField(
        "courses.Submission", on_delete=models.CASCADE, related_name="rubric_review"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField(default=dict)
    total_points = models.PositiveIntegerField(default=0)
    max_points = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("évaluation critériée")
        verbose_name_plural = _("évaluations critériées")
