"""Channel group names of ``tutoring`` (consumers and services use only these)."""

from __future__ import annotations

from lms.realtime import group_name


def dashboard_group(cohort_id: int) -> str:
    """Tutors' dashboards of one cohort: hears ``dashboard.update`` events."""
    return group_name("cohort-dashboard", cohort_id)


def chat_group(cohort_id: int, group_id: int | None = None) -> str:
    """Chat room of a cohort (``group_id`` None) or of one group inside it."""
    if group_id is None:
        return group_name("cohort-chat", cohort_id)
    return group_name("cohort-chat", f"{cohort_id}-g{group_id}")
