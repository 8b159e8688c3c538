"""Forum pages of a cohort and of its groups: threads, posts, reports, moderation."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.permissions import check_object_permission

from .. import discussions
from ..forms_discussions import ReplyForm, ReportForm, ThreadForm
from ..models import Cohort, CohortGroup, Post, PostReport, Thread
from ..permissions import TutorScope, learner_enrolment, tutor_scope

logger = logging.getLogger(__name__)

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 30
REPORTS_PER_PAGE = 30


def _apply_error(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item)
    else:
        form.add_error(None, error)


def _cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    check_object_permission(request.user, "tutoring.view_cohort", cohort)
    return cohort


def _group_param(request: HttpRequest, cohort: Cohort) -> CohortGroup | None:
    """The group of ``?group=`` (404 if not one of the cohort's), checked."""
    raw = request.GET.get("group", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    group = get_object_or_404(CohortGroup, pk=int(raw), cohort=cohort)
    check_object_permission(request.user, "tutoring.view_group", group)
    return group


def _check_thread(request: HttpRequest, thread: Thread) -> None:
    """403 unless the user reads the thread's forum (cohort or group)."""
    check_object_permission(request.user, "tutoring.view_cohort", thread.cohort)
    if thread.group_id is not None:
        check_object_permission(request.user, "tutoring.view_group", thread.group)


def _forum_groups(
    request: HttpRequest, cohort: Cohort, scope: TutorScope
) -> list[CohortGroup]:
    """The group forums this person may open (for the forum switcher)."""
    groups = cohort.groups.all()
    if scope.whole_cohort:
        return list(groups)
    ids = set(scope.group_ids)
    enrolment = learner_enrolment(request.user, cohort)
    if enrolment is not None and enrolment.group_id:
        ids.add(enrolment.group_id)
    return list(groups.filter(pk__in=ids)) if ids else []


def _forum_url(cohort: Cohort, group: CohortGroup | None) -> str:
    url = reverse("tutoring:forum", args=[cohort.pk])
    return f"{url}?{urlencode({'group': group.pk})}" if group else url


def _page(request: HttpRequest, items: Any, per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _base_context(
    cohort: Cohort, scope: TutorScope, group: CohortGroup | None
) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "is_tutor": scope.is_tutor,
        "group": group,
        "forum_url": _forum_url(cohort, group),
        "group_query": urlencode({"group": group.pk}) if group else "",
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def forum(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The threads of the cohort forum (or ``?group=`` forum), pinned first."""
    cohort = _cohort(request, cohort_id)
    group = _group_param(request, cohort)
    scope = tutor_scope(request.user, cohort)
    probe = Thread(cohort=cohort, group=group)
    moderator = discussions.can_moderate(request.user, probe)
    threads = Thread.objects.filter(cohort=cohort, group=group).select_related("author")
    if not moderator:
        threads = threads.filter(is_deleted=False)
    threads = threads.order_by("-is_pinned", "-last_post_at", "-id")
    return render(
        request,
        "tutoring/discussions/forum.html",
        {
            **_base_context(cohort, scope, group),
            "page": _page(request, threads, THREADS_PER_PAGE),
            "groups": _forum_groups(request, cohort, scope),
            "is_moderator": moderator,
            "open_reports": (
                _scoped_reports(cohort, scope).filter(resolved_at__isnull=True).count()
                if scope.is_tutor
                else 0
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_create(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Open a thread (tutors may make it a pinned announcement)."""
    cohort = _cohort(request, cohort_id)
    group = _group_param(request, cohort)
    scope = tutor_scope(request.user, cohort)
    can_announce = discussions.can_moderate(
        request.user, Thread(cohort=cohort, group=group)
    )
    form = ThreadForm(request.POST or None, can_announce=can_announce)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = discussions.create_thread(
                cohort,
                request.user,
                data["title"],
                data["body"],
                group=group,
                announcement=bool(data.get("announcement")),
                client_token=data["client_token"],
            )
        except ValidationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Votre fil de discussion est publié."))
            return redirect(discussions.thread_url(thread))
    return render(
        request,
        "tutoring/discussions/thread_form.html",
        {**_base_context(cohort, scope, group), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread(request: HttpRequest, cohort_id: int, thread_id: int) -> HttpResponse:
    """A thread's posts (30 a page), the reply form, report and moderation forms."""
    item = get_object_or_404(
        Thread.objects.select_related("cohort", "group", "author"),
        pk=thread_id,
        cohort_id=cohort_id,
    )
    _check_thread(request, item)
    cohort = item.cohort
    scope = tutor_scope(request.user, cohort)
    moderator = discussions.can_moderate(request.user, item)
    if item.is_deleted and not moderator:
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                post = discussions.reply(
                    item,
                    request.user,
                    form.cleaned_data["body"],
                    client_token=form.cleaned_data["client_token"],
                )
            except ValidationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("Votre réponse est publiée."))
                return redirect(discussions.thread_url(item, post))
    posts = Post.objects.filter(thread=item).select_related("author")
    page_number: Any = request.GET.get("page")
    target = request.GET.get("post", "")
    if target.isdigit() and page_number is None:
        found = posts.filter(pk=int(target)).values_list("created_at", flat=True)
        if found:
            before = posts.filter(
                Q(created_at__lt=found[0]) | Q(created_at=found[0], pk__lt=int(target))
            ).count()
            page_number = before // POSTS_PER_PAGE + 1
    page = Paginator(posts, POSTS_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    reported = set(
        PostReport.objects.filter(
            reporter=request.user, post__in=[p.pk for p in page.object_list]
        ).values_list("post_id", flat=True)
    )
    can_reply = not item.is_deleted and (not item.is_locked or moderator)
    return render(
        request,
        "tutoring/discussions/thread.html",
        {
            **_base_context(cohort, scope, item.group),
            "thread": item,
            "page": page,
            "form": form,
            "can_reply": can_reply,
            "is_moderator": moderator,
            "reported": reported,
            "report_form": ReportForm(),
            "first_post_id": _first_post_id(page, posts),
        },
        status=400 if form.errors else 200,
    )


def _first_post_id(page: Page, posts: Any) -> int | None:
    """The opening post (moderating it acts on the whole thread)."""
    if page.number == 1:
        return page.object_list[0].pk if page.object_list else None
    return posts.values_list("pk", flat=True).first()


def _post(request: HttpRequest, cohort_id: int, post_id: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related("thread__cohort", "thread__group", "author"),
        pk=post_id,
        thread__cohort_id=cohort_id,
    )
    _check_thread(request, post.thread)
    return post


@login_required
@require_POST
def post_moderate(request: HttpRequest, cohort_id: int, post_id: int) -> HttpResponse:
    """Tutors hide / unhide / delete a post, lock / unlock / pin / unpin its thread."""
    post = _post(request, cohort_id, post_id)
    if not discussions.can_moderate(request.user, post.thread):
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in discussions.MODERATION_ACTIONS:
        return HttpResponseBadRequest(_("Action de modération inconnue."))
    discussions.moderate(post, action, by=request.user)
    done = {
        "hide": _("Le message est masqué."),
        "unhide": _("Le message est de nouveau visible."),
        "delete": _("Le message est supprimé."),
        "lock": _("Le fil est verrouillé."),
        "unlock": _("Le fil est déverrouillé."),
        "pin": _("Le fil est épinglé."),
        "unpin": _("Le fil n'est plus épinglé."),
    }
    messages.success(request, done[action])
    if request.POST.get("next") == "reports":
        return redirect("tutoring:reports", cohort_id=cohort_id)
    return redirect(discussions.thread_url(post.thread, post))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_report(request: HttpRequest, cohort_id: int, post_id: int) -> HttpResponse:
    """Report a post to the tutors, with a reason (once per person)."""
    post = _post(request, cohort_id, post_id)
    thread_obj = post.thread
    if thread_obj.is_deleted and not discussions.can_moderate(request.user, thread_obj):
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discussions.report_post(post, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Merci : le message est signalé aux tuteurs."))
            return redirect(discussions.thread_url(thread_obj, post))
    scope = tutor_scope(request.user, thread_obj.cohort)
    return render(
        request,
        "tutoring/discussions/report_form.html",
        {
            **_base_context(thread_obj.cohort, scope, thread_obj.group),
            "thread": thread_obj,
            "post": post,
            "form": form,
            "is_moderator": discussions.can_moderate(request.user, thread_obj),
        },
        status=400 if form.errors else 200,
    )


def _scoped_reports(cohort: Cohort, scope: TutorScope) -> Any:
    """Reports a tutor handles: the cohort forum's and their groups' forums'."""
    queryset = PostReport.objects.filter(post__thread__cohort=cohort)
    if scope.whole_cohort:
        return queryset
    return queryset.filter(
        Q(post__thread__group__isnull=True)
        | Q(post__thread__group_id__in=scope.group_ids)
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reports(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The tutors' queue of reported posts; POST ``report=<id>`` resolves one."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    check_object_permission(request.user, "tutoring.tutor_cohort", cohort)
    scope = tutor_scope(request.user, cohort)
    queryset = _scoped_reports(cohort, scope)
    if request.method == "POST":
        raw = request.POST.get("report", "")
        if not raw.isdigit():
            return HttpResponseBadRequest(_("Signalement inconnu."))
        report = get_object_or_404(queryset, pk=int(raw))
        discussions.resolve_report(report, by=request.user)
        messages.success(request, _("Le signalement est traité."))
        return redirect("tutoring:reports", cohort_id=cohort.pk)
    show_resolved = request.GET.get("resolved") == "1"
    queryset = queryset.filter(resolved_at__isnull=not show_resolved)
    queryset = queryset.select_related(
        "post__author", "post__thread__group", "reporter", "resolved_by"
    ).order_by("-created_at" if show_resolved else "created_at", "id")
    return render(
        request,
        "tutoring/discussions/reports.html",
        {
            **_base_context(cohort, scope, None),
            "page": _page(request, queryset, REPORTS_PER_PAGE),
            "show_resolved": show_resolved,
        },
    )
