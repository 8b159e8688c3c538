"""Staff pages of the rules part: sessions to close, a session's attestations
(rule summary, learners' evaluations, close with progress, manual issue), and
the completion rules of a session or a training. IFPC staff only."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogue.models import Session, TrainingPage
from lms import audit
from tutoring.models import Cohort, Enrolment

from .. import closure as closures
from ..forms_rules import (
    ManualIssueForm,
    RuleForm,
    requirement_formset,
    save_rule,
    template_activities,
)
from ..issuance import issue_attestation
from ..keys import SigningKeyMissing
from ..models import Attestation, CompletionRule, SessionClosure
from ..permissions import is_certification_staff
from ..rules import RuleContext, award_tracks, rule_for_session

logger = logging.getLogger(__name__)

SESSIONS_PER_PAGE = 25
LEARNERS_PER_PAGE = 50
ORIGIN_LABELS = {
    "session": gettext_lazy("Règle propre à cette session"),
    "training": gettext_lazy("Règle de la formation"),
    "default": gettext_lazy("Règle par défaut (aucune règle enregistrée)"),
}


def _require_staff(request: HttpRequest) -> None:
    if not is_certification_staff(request.user):
        raise PermissionDenied(_("Réservé au personnel de l'IFPC."))


def _session_with_cohort(session_id: int) -> tuple[Session, Cohort]:
    session = get_object_or_404(
        Session.objects.select_related("training"), pk=session_id
    )
    cohort = Cohort.objects.filter(session=session).first()
    if cohort is None:
        raise Http404(_("Cette session n'a pas de cohorte."))
    return session, cohort


def _kind_count(kind: str) -> Count:
    return Count("attestations", filter=Q(attestations__kind=kind))


# --- sessions list ---------------------------------------------------------------
@login_required
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    """Sessions with a cohort, ended first, with their attestation counts."""
    _require_staff(request)
    search = request.GET.get("q", "").strip()[:100]
    today = timezone.localdate()
    learners = (
        Enrolment.objects.active()
        .filter(cohort__session=OuterRef("pk"))
        .order_by()
        .values("cohort__session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        Session.objects.filter(cohort__isnull=False)
        .select_related("training")
        .annotate(
            is_over=Case(
                When(ends_on__lt=today, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            participation_count=_kind_count(Attestation.Kind.PARTICIPATION),
            completion_count=_kind_count(Attestation.Kind.COMPLETION),
            learner_count=Coalesce(Subquery(learners), 0),
            closure_state=Coalesce("closure__state", Value("")),
        )
        .order_by("is_over", "-ends_on", "code")
    )
    if search:
        queryset = queryset.filter(
            Q(code__icontains=search)
            | Q(training__title__icontains=search)
            | Q(training__code__icontains=search)
        )
    page = Paginator(queryset, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    state_labels = dict(SessionClosure.State.choices)
    for session in page:
        session.closure_label = state_labels.get(session.closure_state, "")
    return render(
        request,
        "certification/rules/sessions.html",
        {
            "page": page,
            "search": search,
            "query": urlencode({"q": search}) if search else "",
            "today": today,
        },
    )


# --- one session -----------------------------------------------------------------
def _session_context(
    request: HttpRequest,
    session: Session,
    cohort: Cohort,
    issue_form: ManualIssueForm | None = None,
) -> dict[str, Any]:
    context = RuleContext.load(cohort)
    search = request.GET.get("q", "").strip()[:100]
    enrolments = Enrolment.objects.active().filter(cohort=cohort).select_related("user")
    if search:
        enrolments = enrolments.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
            | Q(user__matricule__iexact=search)
        )
    enrolments = enrolments.order_by("user__last_name", "user__first_name", "user_id")
    page = Paginator(enrolments, LEARNERS_PER_PAGE).get_page(request.GET.get("page"))
    user_ids = [enrolment.user_id for enrolment in page]
    evaluations = context.evaluate(user_ids)
    attestations: dict[int, list[Attestation]] = {}
    for attestation in Attestation.objects.filter(
        session=session, user_id__in=user_ids
    ).order_by("kind"):
        attestations.setdefault(attestation.user_id, []).append(attestation)
    rows = [
        {
            "enrolment": enrolment,
            "evaluation": evaluations[enrolment.user_id],
            "attestations": attestations.get(enrolment.user_id, []),
        }
        for enrolment in page
    ]
    counts = dict(
        Attestation.objects.filter(session=session)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    closure = SessionClosure.objects.filter(session=session).first()
    return {
        "session": session,
        "training": session.training,
        "cohort": cohort,
        "rule": context.rule,
        "rule_origin": ORIGIN_LABELS[context.origin],
        "requirements": context.requirements,
        "warnings": context.warnings,
        "page": page,
        "rows": rows,
        "search": search,
        "query": urlencode({"q": search}) if search else "",
        "participation_count": counts.get(Attestation.Kind.PARTICIPATION, 0),
        "completion_count": counts.get(Attestation.Kind.COMPLETION, 0),
        "closure": closure,
        "closure_running": closures.is_running(closure),
        "can_close": session.ends_on <= timezone.localdate(),
        "issue_form": issue_form or ManualIssueForm(cohort=cohort),
    }


@login_required
@require_GET
def session_attestations(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's rule, learners with their evaluation and attestations."""
    _require_staff(request)
    session, cohort = _session_with_cohort(session_id)
    return render(
        request,
        "certification/rules/session.html",
        _session_context(request, session, cohort),
    )


@login_required
@require_POST
def session_close(request: HttpRequest, session_id: int) -> HttpResponse:
    """Start (or catch up) the session's close: bulk issue in the background."""
    _require_staff(request)
    session, _cohort = _session_with_cohort(session_id)
    try:
        closures.start_closure(session, request.user)
    except closures.ClosureRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _(
                "Clôture lancée : les attestations sont émises en arrière-plan, "
                "suivez la progression ci-dessous."
            ),
        )
    return redirect("certification:session_attestations", session.pk)


@login_required
@require_GET
def session_close_status(request: HttpRequest, session_id: int) -> JsonResponse:
    """The close's progress as JSON (polled by the progress bar)."""
    _require_staff(request)
    session = get_object_or_404(Session, pk=session_id)
    closure = SessionClosure.objects.filter(session=session).first()
    if closure is None:
        return JsonResponse({"state": "none", "running": False})
    return JsonResponse(
        {
            "state": closure.state,
            "state_label": closure.get_state_display(),
            "running": closures.is_running(closure),
            "learners": closure.learners,
            "processed": closure.processed,
            "issued": closure.issued,
            "percent": closure.percent,
            "error": closure.error,
            "finished_at": (
                timezone.localtime(closure.finished_at).isoformat()
                if closure.finished_at
                else None
            ),
        }
    )


@login_required
@require_POST
def manual_issue(request: HttpRequest, session_id: int) -> HttpResponse:
    """Issue one attestation by hand, with a reason (audited)."""
    _require_staff(request)
    session, cohort = _session_with_cohort(session_id)
    form = ManualIssueForm(request.POST, cohort=cohort)
    if not form.is_valid():
        return render(
            request,
            "certification/rules/session.html",
            _session_context(request, session, cohort, issue_form=form),
            status=400,
        )
    learner = form.cleaned_data["learner"]
    kind = form.cleaned_data["kind"]
    evaluation = RuleContext.load(cohort).evaluate([learner.pk])[learner.pk]
    try:
        attestation, created = issue_attestation(
            user=learner,
            kind=kind,
            content=evaluation.content(kind),
            origin=Attestation.Origin.MANUAL,
            session=session,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except SigningKeyMissing as error:
        messages.error(request, str(error))
        return redirect("certification:session_attestations", session.pk)
    name = learner.get_full_name() or learner.email
    if not created:
        messages.info(
            request,
            _(
                "%(kind)s de %(name)s existait déjà (émise le %(day)s) : rien n'a été "
                "émis de nouveau."
            )
            % {
                "kind": attestation.get_kind_display(),
                "name": name,
                "day": timezone.localtime(attestation.issued_at).strftime("%d/%m/%Y"),
            },
        )
    else:
        if kind == Attestation.Kind.COMPLETION:
            award_tracks(session, [learner.pk])
        messages.success(
            request,
            _("%(kind)s émise pour %(name)s.")
            % {"kind": attestation.get_kind_display(), "name": name},
        )
    return redirect("certification:session_attestations", session.pk)


# --- rules -----------------------------------------------------------------------
def _rule_page(
    request: HttpRequest,
    *,
    rule: CompletionRule,
    training: TrainingPage,
    initial: dict[str, Any] | None,
    initial_requirements: list[dict[str, Any]],
    back_url: str,
    context: dict[str, Any],
) -> HttpResponse:
    activities = template_activities(training)
    formset_class = requirement_formset(extra=len(initial_requirements) + 2)
    form_kwargs = {"activities": activities}
    if request.method == "POST":
        form = RuleForm(request.POST, instance=rule)
        formset = formset_class(
            request.POST, instance=rule, prefix="requirements", form_kwargs=form_kwargs
        )
        if form.is_valid() and formset.is_valid():
            save_rule(form, formset, by=request.user, logger=logger)
            messages.success(request, _("Règle de réussite enregistrée."))
            return redirect(back_url)
        status = 400
    else:
        form = RuleForm(instance=rule, initial=initial)
        formset = formset_class(
            instance=rule,
            prefix="requirements",
            form_kwargs=form_kwargs,
            initial=initial_requirements,
        )
        status = 200
    return render(
        request,
        "certification/rules/rule_form.html",
        {
            "form": form,
            "formset": formset,
            "training": training,
            "has_template": bool(training.course_template_id),
            "back_url": back_url,
            **context,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_rule(request: HttpRequest, session_id: int) -> HttpResponse:
    """Edit the session's own rule (it then wins over the training's)."""
    _require_staff(request)
    session = get_object_or_404(
        Session.objects.select_related("training"), pk=session_id
    )
    training = session.training
    back_url = (
        reverse("certification:session_attestations", args=[session.pk])
        if Cohort.objects.filter(session=session).exists()
        else reverse("certification:sessions")
    )
    current, origin = rule_for_session(session)
    if request.method == "POST" and "delete" in request.POST:
        if origin == "session":
            audit.record(
                request.user,
                [current],
                audit.DELETION,
                _("Règle propre à la session supprimée"),
                logger=logger,
            )
            current.delete()
            messages.success(
                request,
                _(
                    "La règle propre à la session est supprimée : celle de la "
                    "formation s'applique."
                ),
            )
        return redirect(back_url)
    initial = None
    initial_requirements: list[dict[str, Any]] = []
    if origin == "session":
        rule = current
    else:
        rule = CompletionRule(session=session)
        if origin == "training":
            initial = {
                "require_required_activities": current.require_required_activities,
                "require_accepted_assignments": current.require_accepted_assignments,
                "min_attendance_percent": current.min_attendance_percent,
                "deadline": current.deadline,
            }
            initial_requirements = [
                {"activity": r.activity_id, "min_score": r.min_score}
                for r in current.requirements.filter(activity__isnull=False)
            ]
    return _rule_page(
        request,
        rule=rule,
        training=training,
        initial=initial,
        initial_requirements=initial_requirements,
        back_url=back_url,
        context={
            "session": session,
            "is_own_rule": origin == "session",
            "inherits": origin == "training",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_rule(request: HttpRequest, training_id: int) -> HttpResponse:
    """Edit the training's rule (for every session without a rule of its own)."""
    _require_staff(request)
    training = get_object_or_404(TrainingPage, pk=training_id)
    rule = CompletionRule.objects.filter(
        training=training, session__isnull=True
    ).first() or CompletionRule(training=training)
    return _rule_page(
        request,
        rule=rule,
        training=training,
        initial=None,
        initial_requirements=[],
        back_url=reverse("certification:training_rule", args=[training.pk]),
        context={"session": None},
    )
