"""Staff pages: course templates and runs, modules, activities, participants."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.permissions import check_object_permission

from .. import selectors, services
from ..forms import (
    ActivityForm,
    CourseEditForm,
    CourseForm,
    ModuleForm,
    ParticipantForm,
    RunForm,
    apply_validation_error,
)
from ..models import Activity, Package, Participant
from ._common import (
    confirm_delete_page,
    form_page,
    is_uuid,
    managed_activity,
    managed_course,
    managed_module,
    require_manager,
)

MANAGE_PAGE_SIZE = 25
PARTICIPANT_PAGE_SIZE = 100


def _manage_url(course_id: int, anchor: str = "") -> str:
    """The structure page of a course, optionally at an anchor."""
    url = reverse("courses:course_manage", args=[course_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_GET
def course_manage_list(request: HttpRequest) -> HttpResponse:
    """Course templates, searchable by code or title, paginated."""
    require_manager(request)
    search = request.GET.get("q", "").strip()
    paginator = Paginator(selectors.course_templates(search), MANAGE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "courses/manage/course_list.html",
        {"page": page, "search": search},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    """Create a course template."""
    require_manager(request)

    def save(data: dict[str, Any]) -> str:
        course = services.create_course(
            code=data["code"],
            title=data["title"],
            description=data["description"],
            created_by=request.user,
        )
        return _manage_url(course.pk)

    return form_page(
        request,
        CourseForm(request.POST or None),
        save,
        success=_("Le cours a été créé."),
        template="courses/manage/course_form.html",
        context={"title": _("Nouveau modèle de cours")},
    )


@login_required
@require_GET
def course_manage(request: HttpRequest, course_id: int) -> HttpResponse:
    """The structure of a template or run: modules and activities to edit."""
    course = managed_course(request, course_id)
    context: dict[str, Any] = {
        "course": course,
        "modules": selectors.course_structure(course),
        "kinds": Activity.Kind.choices,
    }
    if course.is_template:
        context["runs"] = selectors.runs_of(course)
    return render(request, "courses/manage/course_manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    """Edit a course's code, title, description, archived flag."""
    course = managed_course(request, course_id)
    initial = {
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "is_archived": course.is_archived,
    }

    def save(data: dict[str, Any]) -> str:
        services.update_course(course, by=request.user, **data)
        return _manage_url(course.pk)

    return form_page(
        request,
        CourseEditForm(request.POST or None, initial=initial),
        save,
        success=_("Le cours a été enregistré."),
        template="courses/manage/course_form.html",
        context={"course": course, "title": _("Modifier le cours")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest, course_id: int) -> HttpResponse:
    """Start a run (session copy) of a template."""
    template = managed_course(request, course_id)
    if not template.is_template:
        raise Http404
    year = timezone.localdate().year
    form = RunForm(
        request.POST or None,
        initial={"code": f"{template.code}-{year}", "title": template.title},
    )

    def save(data: dict[str, Any]) -> str:
        run = services.start_run(
            template, code=data["code"], title=data["title"], by=request.user
        )
        return _manage_url(run.pk)

    return form_page(
        request,
        form,
        save,
        success=_("La session a été créée : c'est une copie indépendante du modèle."),
        template="courses/manage/run_form.html",
        context={"course": template},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_participants(request: HttpRequest, course_id: int) -> HttpResponse:
    """Participants of a run; staff can add a learner or tutor, or withdraw access."""
    course = managed_course(request, course_id)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = (
            get_user_model()
            .objects.filter(email__iexact=form.cleaned_data["email"], is_active=True)
            .first()
        )
        if user is None:
            form.add_error("email", _("Aucun compte actif n'utilise cette adresse."))
        else:
            try:
                services.grant_course_access(
                    user, course, form.cleaned_data["role"], by=request.user
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("L'accès a été accordé."))
                return redirect("courses:course_participants", course.pk)
    paginator = Paginator(selectors.course_participants(course), PARTICIPANT_PAGE_SIZE)
    return render(
        request,
        "courses/manage/participants.html",
        {
            "course": course,
            "form": form,
            "page": paginator.get_page(request.GET.get("page")),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def participant_revoke(request: HttpRequest, participant_id: int) -> HttpResponse:
    """Withdraw one participation (tracking is kept)."""
    participant = get_object_or_404(
        Participant.objects.select_related("course", "user"), pk=participant_id
    )
    check_object_permission(request.user, "courses.manage_course", participant.course)
    services.revoke_course_access(
        participant.user, participant.course, participant.role, by=request.user
    )
    messages.success(request, _("L'accès a été retiré ; la progression est conservée."))
    return redirect("courses:course_participants", participant.course_id)


@login_required
@require_http_methods(["GET", "POST"])
def module_create(request: HttpRequest, course_id: int) -> HttpResponse:
    course = managed_course(request, course_id)

    def save(data: dict[str, Any]) -> str:
        services.create_module(course, by=request.user, **data)
        return _manage_url(course.pk)

    return form_page(
        request,
        ModuleForm(request.POST or None),
        save,
        success=_("Le module a été ajouté."),
        template="courses/manage/module_form.html",
        context={"course": course, "title": _("Nouveau module")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = managed_module(request, module_id)
    form = ModuleForm(
        request.POST or None,
        initial={"title": module.title, "description": module.description},
    )

    def save(data: dict[str, Any]) -> str:
        services.update_module(module, by=request.user, **data)
        return _manage_url(module.course_id)

    return form_page(
        request,
        form,
        save,
        success=_("Le module a été enregistré."),
        template="courses/manage/module_form.html",
        context={
            "course": module.course,
            "module": module,
            "title": _("Modifier le module"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def module_delete(request: HttpRequest, module_id: int) -> HttpResponse:
    module = managed_module(request, module_id)
    return confirm_delete_page(
        request,
        lambda: services.delete_module(module, by=request.user),
        success=_("Le module a été supprimé."),
        next_url=_manage_url(module.course_id),
        context={
            "course": module.course,
            "object": module,
            "question": _("Supprimer le module « %(title)s » et ses activités ?")
            % {"title": module.title},
        },
    )


@login_required
@require_POST
def module_move(request: HttpRequest, module_id: int) -> HttpResponse:
    module = managed_module(request, module_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponse(_("Direction inconnue."), status=400)
    services.move_module(module, direction, by=request.user)
    return redirect(_manage_url(module.course_id, f"module-{module.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, module_id: int) -> HttpResponse:
    """Add an activity to a module: first choose its kind, then fill its form."""
    module = managed_module(request, module_id)
    kind = request.GET.get("kind", "")
    if kind not in Activity.Kind.values:
        return render(
            request,
            "courses/manage/activity_kind_choice.html",
            {"module": module, "course": module.course, "kinds": Activity.Kind.choices},
        )
    initial: dict[str, Any] = {"is_required": True}
    package_uuid = request.GET.get("package")
    if package_uuid:
        initial["package"] = (
            Package.objects.filter(uuid=package_uuid)
            .values_list("pk", flat=True)
            .first()
            if is_uuid(package_uuid)
            else None
        )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        course=module.course,
        initial=initial,
    )

    def save(_data: dict[str, Any]) -> str:
        activity = services.create_activity(module, form.to_input(), by=request.user)
        return _manage_url(module.course_id, f"activity-{activity.uuid}")

    return form_page(
        request,
        form,
        save,
        success=_("L'activité a été ajoutée."),
        template="courses/manage/activity_form.html",
        context={
            "module": module,
            "course": module.course,
            "kind_label": Activity.Kind(kind).label,
            "title": _("Nouvelle activité : %(kind)s")
            % {"kind": Activity.Kind(kind).label},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    activity = managed_activity(request, activity_uuid)
    course = activity.module.course
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        kind=activity.kind,
        course=course,
        instance=activity,
        initial=ActivityForm.initial_for(activity),
    )

    def save(_data: dict[str, Any]) -> str:
        services.update_activity(activity, form.to_input(), by=request.user)
        return _manage_url(course.pk, f"activity-{activity.uuid}")

    return form_page(
        request,
        form,
        save,
        success=_("L'activité a été enregistrée."),
        template="courses/manage/activity_form.html",
        context={
            "activity": activity,
            "module": activity.module,
            "course": course,
            "kind_label": activity.get_kind_display(),
            "title": _("Modifier l'activité"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    activity = managed_activity(request, activity_uuid)
    course = activity.module.course
    return confirm_delete_page(
        request,
        lambda: services.delete_activity(activity, by=request.user),
        success=_("L'activité a été supprimée."),
        next_url=_manage_url(course.pk),
        context={
            "course": course,
            "object": activity,
            "question": _("Supprimer l'activité « %(title)s » ?")
            % {"title": activity.title},
            "note": _(
                "Les activités qui l'avaient comme prérequis ne l'exigeront plus. "
                "Les sessions déjà démarrées gardent leur copie."
            )
            if course.is_template
            else "",
        },
    )


@login_required
@require_POST
def activity_move(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    activity = managed_activity(request, activity_uuid)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponse(_("Direction inconnue."), status=400)
    services.move_activity(activity, direction, by=request.user)
    return redirect(_manage_url(activity.module.course_id, f"activity-{activity.uuid}"))


@login_required
@require_POST
def activity_package_replace(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    """Attach another READY package to a SCORM/H5P activity (new attempts only)."""
    activity = managed_activity(request, activity_uuid)
    package_uuid = request.POST.get("package", "")
    package = (
        Package.objects.filter(uuid=package_uuid).first()
        if is_uuid(package_uuid)
        else None
    )
    if package is None:
        raise Http404
    try:
        services.replace_package(activity, package, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(
            reverse("courses:package_detail", args=[package.uuid])
            + f"?activity={activity.uuid}"
        )
    messages.success(
        request,
        _(
            "Le paquet de « %(title)s » a été remplacé. Les tentatives déjà commencées "
            "gardent l'ancienne version ; les nouvelles utiliseront celle-ci."
        )
        % {"title": activity.title},
    )
    return redirect(_manage_url(activity.module.course_id, f"activity-{activity.uuid}"))
