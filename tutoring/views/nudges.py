"""Tutor pages for reminders and messages: the cohort's reminder rules, the log
of reminders sent, writing to a filtered set of learners, and sent messages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses.forms import apply_validation_error

from .. import nudges
from ..flags import FLAG_LABELS, FLAGS, flag_q, personal_deadlines
from ..forms_nudges import MessageForm, NudgeRuleForm
from ..messaging import send_tutor_message
from ..models import Cohort, Enrolment, NudgeLog, NudgeRule, TutorMessage
from ..permissions import TutorScope, scoped_enrolments
from .assignments import tutored_cohort

logger = logging.getLogger(__name__)

PAGE_SIZE = 30


# --- reminder rules ---------------------------------------------------------------


def _rule_form_data(rule: NudgeRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "days": rule.days,
        "channel": rule.channel,
        "message": rule.message,
        "is_active": rule.is_active,
    }


def _save_rule(
    request: HttpRequest, cohort: Cohort, form: NudgeRuleForm, rule: NudgeRule | None
) -> bool:
    data = form.cleaned_data
    try:
        if rule is None:
            nudges.create_rule(
                cohort,
                kind=data["kind"],
                days=data["days"],
                channel=data["channel"],
                message=data["message"],
                by=request.user,
            )
            messages.success(request, _("La règle de relance est ajoutée."))
        else:
            nudges.update_rule(
                rule,
                kind=data["kind"],
                days=data["days"],
                channel=data["channel"],
                message=data["message"],
                is_active=data["is_active"],
                by=request.user,
            )
            messages.success(request, _("La règle de relance est modifiée."))
    except ValidationError as error:
        apply_validation_error(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def nudge_rules(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's reminder rules: cohort tutors and staff add, edit and
    (de)activate them; group tutors read them."""
    cohort, scope = tutored_cohort(request, cohort_id)
    can_edit = scope.whole_cohort
    rules = NudgeRule.objects.filter(cohort=cohort)
    editing = None
    edit_id = request.POST.get("rule_id") or request.GET.get("edit")
    if edit_id:
        if not can_edit:
            raise PermissionDenied
        if not edit_id.isdigit():
            raise Http404
        editing = get_object_or_404(rules, pk=int(edit_id))
    form = NudgeRuleForm(
        request.POST or None,
        initial=_rule_form_data(editing) if editing else None,
        prefix="rule",
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        action = request.POST.get("action", "save")
        if action in ("deactivate", "activate") and editing is not None:
            nudges.set_rule_active(editing, action == "activate", by=request.user)
            messages.success(
                request,
                _("La règle est réactivée.")
                if action == "activate"
                else _("La règle est désactivée : plus aucune relance ne part."),
            )
            return redirect("tutoring:nudge_rules", cohort.pk)
        if form.is_valid() and _save_rule(request, cohort, form, editing):
            return redirect("tutoring:nudge_rules", cohort.pk)
    rows = list(rules.annotate(sent=Count("log")).order_by("kind", "days", "pk"))
    return render(
        request,
        "tutoring/nudges/rules.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "can_edit": can_edit,
            "rules": rows,
            "form": form,
            "editing": editing,
            "throttle_hours": nudges.NUDGE_THROTTLE_HOURS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def nudge_log(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Reminders sent to the learners the tutor follows, newest first, filtered
    by rule or kind, 30 a page."""
    cohort, scope = tutored_cohort(request, cohort_id)
    rules = list(NudgeRule.objects.filter(cohort=cohort).order_by("kind", "days"))
    rule_id = request.GET.get("rule", "")
    selected_rule = next((r for r in rules if str(r.pk) == rule_id), None)
    kind = request.GET.get("kind", "")
    if kind not in NudgeRule.Kind.values:
        kind = ""
    enrolments = scoped_enrolments(request.user, cohort, include_withdrawn=True)
    queryset = NudgeLog.objects.filter(
        enrolment__cohort=cohort, enrolment__in=enrolments.values("pk")
    )
    if selected_rule is not None:
        queryset = queryset.filter(rule=selected_rule)
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = queryset.select_related("enrolment__user", "rule").order_by(
        "-sent_at", "-pk"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            k: v
            for k, v in (
                ("rule", selected_rule.pk if selected_rule else ""),
                ("kind", kind),
            )
            if v
        }
    )
    return render(
        request,
        "tutoring/nudges/log.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "rules": rules,
            "selected_rule": selected_rule,
            "kind": kind,
            "kinds": NudgeRule.Kind.choices,
            "channels": dict(NudgeRule.Channel.choices),
            "page": page,
            "query": query,
        },
    )


# --- messages to learners -------------------------------------------------------------


def _audiences(
    request: HttpRequest, cohort: Cohort, scope: TutorScope
) -> tuple[list[tuple[str, str]], dict[str, tuple[str, QuerySet[Enrolment]]]]:
    """The recipient filters with their counts (two queries for all of them)."""
    base = scoped_enrolments(request.user, cohort).filter(user__is_active=True)
    deadlines = personal_deadlines(cohort)
    filters: dict[str, tuple[str, Q]] = {"all": (_("Toutes et tous"), Q())}
    for flag in FLAGS:
        filters[f"flag:{flag}"] = (
            str(FLAG_LABELS[flag]),
            flag_q(cohort, flag, deadlines=deadlines),
        )
    counts = base.aggregate(
        **{
            key.replace(":", "_"): Count("pk", filter=q) if q else Count("pk")
            for key, (_label, q) in filters.items()
        }
    )
    groups = (
        cohort.groups.filter(
            Q(pk__in=scope.group_ids) if not scope.whole_cohort else Q()
        )
        .annotate(
            learners=Count(
                "enrolments",
                filter=Q(
                    enrolments__status=Enrolment.Status.ACTIVE,
                    enrolments__user__is_active=True,
                ),
            )
        )
        .order_by("name")
    )
    choices: list[tuple[str, str]] = []
    resolved: dict[str, tuple[str, QuerySet[Enrolment]]] = {}
    for key, (label, q) in filters.items():
        count = counts[key.replace(":", "_")]
        choices.append(
            (key, _("%(label)s (%(count)d)") % {"label": label, "count": count})
        )
        resolved[key] = (label, base.filter(q))
    for group in groups:
        key = f"group:{group.pk}"
        label = _("Groupe : %(name)s") % {"name": group.name}
        choices.append(
            (
                key,
                _("%(label)s (%(count)d)") % {"label": label, "count": group.learners},
            )
        )
        resolved[key] = (label, base.filter(group=group))
    return choices, resolved


@login_required
@require_http_methods(["GET", "POST"])
def message_learners(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Write to learners chosen by a filter (all, a dashboard flag, a group);
    each choice shows how many learners it reaches."""
    cohort, scope = tutored_cohort(request, cohort_id)
    choices, resolved = _audiences(request, cohort, scope)
    initial = {}
    if request.GET.get("audience") in resolved:
        initial["audience"] = request.GET["audience"]
    form = MessageForm(request.POST or None, audiences=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        label, enrolments = resolved[form.cleaned_data["audience"]]
        user_ids = list(enrolments.values_list("user_id", flat=True))
        if not user_ids:
            form.add_error(
                "audience", _("Aucun·e apprenant·e ne correspond à ce choix.")
            )
        else:
            try:
                message = send_tutor_message(
                    cohort,
                    request.user,
                    user_ids,
                    form.cleaned_data["subject"],
                    form.cleaned_data["body"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    filter_description=label,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("Message envoyé à %(count)d apprenant·es.")
                    % {"count": message.recipient_count},
                )
                return redirect("tutoring:messages", cohort.pk)
    return render(
        request,
        "tutoring/messages/compose.html",
        {"cohort": cohort, "is_tutor": True, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def message_list(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Messages sent to the cohort's learners (a group tutor sees their own)."""
    cohort, scope = tutored_cohort(request, cohort_id)
    queryset = TutorMessage.objects.filter(cohort=cohort)
    if not scope.whole_cohort:
        queryset = queryset.filter(sender=request.user)
    queryset = queryset.select_related("sender").order_by("-created_at", "-pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tutoring/messages/list.html",
        {"cohort": cohort, "is_tutor": True, "page": page, "query": ""},
    )
