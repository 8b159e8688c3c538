"""Handlers the core subscribes to (connected in ``LmsConfig.ready``)."""

from __future__ import annotations

from typing import Any


def sync_role_groups_after_migrate(**kwargs: Any) -> None:
    """Keep one group per role, with its permissions, after every migrate."""
    from .services import sync_role_groups

    sync_role_groups()
