"""The teacher's page of self-test recommendations (spec B5): catalogue
trainings for their weakest competences, with the reason for each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalogue.models import TrainingPage

from ..models import RecommendationDismissal
from ..selftest.recommendations import DISMISSAL_DAYS, recommend


@login_required
@require_GET
def recommendations(request: HttpRequest) -> HttpResponse:
    """The signed-in person's recommended trainings (only ever their own)."""
    from lms.digcompedu import ATTRIBUTION

    return render(
        request,
        "certification/selftest/recommendations.html",
        {
            "recommendations": recommend(request.user, request=request),
            "attribution": ATTRIBUTION,
            "can_dismiss": True,
        },
    )


@login_required
@require_POST
def dismiss(request: HttpRequest, training_id: int) -> HttpResponse:
    """Hide one recommended training for ``DISMISSAL_DAYS`` days (own list only)."""
    training = get_object_or_404(TrainingPage.objects.live(), pk=training_id)
    RecommendationDismissal.objects.update_or_create(
        user=request.user, training=training
    )
    messages.success(
        request,
        _("« %(title)s » ne vous sera plus recommandée pendant %(days)s jours.")
        % {"title": training.title, "days": DISMISSAL_DAYS},
    )
    return redirect("certification:selftest_recommendations")
