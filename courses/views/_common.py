"""Helpers shared by the course views: permission lookups, player URL, form pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from lms.permissions import check_object_permission

from ..forms import apply_validation_error
from ..models import Activity, Course, Module
from ..permissions import can_manage_courses


def require_manager(request: HttpRequest) -> None:
    """403 unless the user manages courses (catalogue managers, administrators)."""
    if not can_manage_courses(request.user):
        raise PermissionDenied


def managed_course(request: HttpRequest, course_id: int) -> Course:
    course = get_object_or_404(Course, pk=course_id)
    check_object_permission(request.user, "courses.manage_course", course)
    return course


def managed_module(request: HttpRequest, module_id: int) -> Module:
    module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
    check_object_permission(request.user, "courses.manage_course", module.course)
    return module


def managed_activity(request: HttpRequest, activity_uuid: Any) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("module__course", "package"), uuid=activity_uuid
    )
    check_object_permission(
        request.user, "courses.manage_course", activity.module.course
    )
    return activity


def play_url(activity: Activity) -> str:
    """URL of the player for a SCORM/H5P activity ("" until the player exists)."""
    try:
        return reverse("courses:activity_play", args=[activity.uuid])
    except NoReverseMatch:
        return ""


def wants_json(request: HttpRequest) -> bool:
    """The caller (the upload page's XHR) asked for JSON rather than HTML."""
    return "application/json" in request.headers.get("Accept", "")


def is_uuid(value: str) -> bool:
    """True when ``value`` is a well-formed UUID (query parameters)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], str],
    *,
    success: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The staff form pattern: save a valid POST through a service, else render.

    ``save(cleaned_data)`` calls the service and returns the URL to go to next;
    a ``ValidationError`` it raises goes back onto the form. A form shown again
    with errors answers 400.
    """
    if request.method == "POST" and form.is_valid():
        try:
            next_url = save(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, success)
            return redirect(next_url)
    return render(
        request,
        template,
        {"form": form, **context},
        status=400 if form.errors else 200,
    )


def confirm_delete_page(
    request: HttpRequest,
    delete: Callable[[], None],
    *,
    success: str,
    next_url: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Ask before deleting; on POST ``delete()`` (a service), or show its refusal."""
    error = None
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, success)
            return redirect(next_url)
    return render(
        request,
        "courses/manage/confirm_delete.html",
        {**context, "error": error},
        status=400 if error else 200,
    )
