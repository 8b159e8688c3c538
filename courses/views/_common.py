"""Helpers shared by the course views: permission lookups, player URL."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from lms.permissions import check_object_permission

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
