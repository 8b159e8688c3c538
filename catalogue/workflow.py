"""Moderated publishing of the catalogue and the page permissions it relies on.

One workflow, "Modération du catalogue", is attached to the catalogue index
page (so to every training and track under it). Its single task is a
``PeerReviewTask`` approved by the catalogue managers' group, except by the
person who submitted the revision: a second catalogue manager approves.

Catalogue managers may add and change pages under the index but hold no
``publish`` permission there: their only way to go live is to submit to
moderation; approval publishes the revision (at its ``go_live_at`` if one is
set, through ``publish_scheduled``). Administrators are superusers and keep
every right. Everything here is idempotent: it runs after every ``migrate``
and when a catalogue index page is created.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from lms.roles import Role, group_name

from .models import CatalogueIndexPage, PeerReviewTask

logger = logging.getLogger(__name__)

WORKFLOW_NAME = "Modération du catalogue"
TASK_NAME = "Approbation par un·e second·e gestionnaire du catalogue"

#: Page permissions of catalogue managers on the catalogue index and below.
#: No "publish": publication goes through the moderation workflow.
MANAGER_PAGE_PERMISSIONS = ("add", "change")

#: Image permissions of catalogue managers on the root collection.
MANAGER_IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


def catalogue_managers_group() -> Group:
    """The group mirroring the catalogue manager role (created if missing)."""
    group, _created = Group.objects.get_or_create(
        name=group_name(Role.CATALOGUE_MANAGER)
    )
    return group


def _page_permission(action: str) -> Permission:
    content_type = ContentType.objects.get_for_model(Page)
    return Permission.objects.get(content_type=content_type, codename=f"{action}_page")


def _image_permission(codename: str) -> Permission:
    return Permission.objects.get(
        content_type__app_label="wagtailimages", codename=codename
    )


@transaction.atomic
def ensure_catalogue_moderation() -> Workflow:
    """Create or refresh the moderation workflow, its task and the permissions.

    Preconditions: migrations applied (Wagtail's permissions exist).
    Side effects: creates at most one workflow, one task, the managers' group,
    links every catalogue index page to the workflow and grants the managers
    ``MANAGER_PAGE_PERMISSIONS`` there and ``MANAGER_IMAGE_PERMISSIONS`` on
    the root collection. Running it again changes nothing.
    """
    group = catalogue_managers_group()

    task = PeerReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = PeerReviewTask.objects.create(name=TASK_NAME)
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(group)

    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
    elif not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )

    page_permissions = [_page_permission(a) for a in MANAGER_PAGE_PERMISSIONS]
    for index in CatalogueIndexPage.objects.all():
        WorkflowPage.objects.update_or_create(
            page=index.page_ptr, defaults={"workflow": workflow}
        )
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=group, page=index.page_ptr, permission=permission
            )

    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for codename in MANAGER_IMAGE_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=_image_permission(codename),
            )
    return workflow


def setup_after_migrate(app_config: Any, **kwargs: Any) -> None:
    """``post_migrate`` handler: set up moderation once every app has migrated.

    ``post_migrate`` fires once per app; Wagtail's apps come after this one,
    so the setup waits for the last app with models (as role groups do).
    """
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if app_config.label != with_models[-1].label:
        return
    ensure_catalogue_moderation()


def setup_for_new_index(
    sender: type, instance: CatalogueIndexPage, created: bool, **kwargs: Any
) -> None:
    """``post_save`` handler: a new catalogue index gets the workflow and permissions."""
    if created and not kwargs.get("raw", False):
        ensure_catalogue_moderation()
        logger.info("moderation workflow attached to catalogue index %s", instance.pk)
