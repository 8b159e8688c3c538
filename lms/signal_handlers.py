"""Handlers the core subscribes to (connected in ``LmsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps


def sync_role_groups_after_migrate(app_config: AppConfig, **kwargs: Any) -> None:
    """Keep one group per role, with its permissions, after every migrate.

    ``post_migrate`` fires once per app with models; the sync waits for the last
    one so that every app's permissions (e.g. wagtailadmin.access_admin) exist.
    """
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if app_config.label != with_models[-1].label:
        return
    from .services import sync_role_groups

    sync_role_groups()
