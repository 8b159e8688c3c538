"""Django admin for courses (administrators only, see ``lms.admin_site``).

Structure (courses, modules, activities, participants) is editable here for
support work; staff normally use the course pages. Tracking tables (attempts,
SCO states, commits, progress, statements) are read-only: they are written by
the tracking services only, and correcting them by hand would break the
guarantees those services give (ordering, monotonic completion).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Activity,
    ActivityProgress,
    Attempt,
    Commit,
    Course,
    Module,
    Package,
    Participant,
    ScoState,
    Statement,
    Submission,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "title"]
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "source", "is_archived", "created_at"]
    list_filter = ["is_archived", ("source", admin.EmptyFieldListFilter)]
    search_fields = ["code", "title"]
    raw_id_fields = ["source", "created_by"]
    inlines = [ModuleInline]


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    fields = ["position", "title", "kind", "is_required", "completion_rule"]
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    search_fields = ["title", "course__code"]
    raw_id_fields = ["course"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "module", "is_required", "completion_rule"]
    list_filter = ["kind", "completion_rule", "is_required"]
    search_fields = ["title", "module__course__code", "uuid"]
    raw_id_fields = ["module", "package", "source"]
    filter_horizontal = ["prerequisites"]
    readonly_fields = ["uuid"]


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "standard", "edition", "status", "created_at"]
    list_filter = ["status", "standard"]
    search_fields = ["title", "original_filename", "uuid", "sha256"]
    # Packages are immutable once extracted; only the title may be corrected.
    readonly_fields = [
        "uuid",
        "original_filename",
        "upload",
        "standard",
        "edition",
        "status",
        "progress",
        "errors",
        "storage_prefix",
        "launch_path",
        "structure",
        "file_count",
        "uncompressed_size",
        "sha256",
        "uploaded_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__last_name", "course__code"]
    raw_id_fields = ["user", "course"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["activity", "user", "status", "created_at", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "activity__title"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "uuid",
        "user",
        "activity",
        "number",
        "is_closed",
        "last_activity_at",
    ]
    list_filter = ["is_closed"]
    search_fields = ["uuid", "user__email", "activity__title"]


@admin.register(ScoState)
class ScoStateAdmin(ReadOnlyAdmin):
    list_display = [
        "attempt",
        "sco_identifier",
        "seq",
        "lesson_status",
        "completion_status",
        "success_status",
        "score_raw",
        "updated_at",
    ]
    search_fields = ["attempt__uuid", "attempt__user__email", "sco_identifier"]
    # Suspend data may hold learners' answers: kept out of list pages.
    exclude = ["suspend_data"]


@admin.register(Commit)
class CommitAdmin(ReadOnlyAdmin):
    list_display = ["sco_state", "seq", "is_final", "received_at"]
    list_filter = ["is_final"]


@admin.register(ActivityProgress)
class ActivityProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "activity", "state", "score", "is_passed", "completed_at"]
    list_filter = ["state"]
    search_fields = ["user__email", "activity__title"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "verb", "stored_at", "forwarded_at"]
    search_fields = ["id", "user__email", "verb"]
    list_filter = [("forwarded_at", admin.EmptyFieldListFilter)]
