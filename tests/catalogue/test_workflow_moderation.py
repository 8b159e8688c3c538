"""Moderated publishing of catalogue pages: a second catalogue manager approves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import (
    GroupCollectionPermission,
    GroupPagePermission,
    TaskState,
    Workflow,
    WorkflowPage,
)

from catalogue.models import PeerReviewTask, TrainingPage
from catalogue.tasks import publish_scheduled_pages
from catalogue.workflow import (
    TASK_NAME,
    WORKFLOW_NAME,
    catalogue_managers_group,
    ensure_catalogue_moderation,
)
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import catalogue_index, make_training
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_a(db):
    return UserFactory(roles=[Role.CATALOGUE_MANAGER])


@pytest.fixture
def manager_b(db):
    return UserFactory(roles=[Role.CATALOGUE_MANAGER])


def _submit(page: TrainingPage, user) -> TaskState:
    """Save a revision as ``user`` and submit it to the page's workflow."""
    page.save_revision(user=user)
    workflow = page.get_workflow()
    state = workflow.start(page, user)
    return state.current_task_state.specific


def test_catalogue_index_gets_the_moderation_workflow():
    """The catalogue index is moderated by the peer-review task of catalogue managers."""
    index = catalogue_index()
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert WorkflowPage.objects.get(page=index.page_ptr).workflow == workflow
    task = workflow.tasks.get().specific
    assert isinstance(task, PeerReviewTask)
    assert task.name == TASK_NAME
    assert list(task.groups.all()) == [catalogue_managers_group()]
    training = make_training(live=False)
    assert training.get_workflow() == workflow


def test_managers_may_add_and_change_but_not_publish_directly(manager_a):
    """Catalogue managers add and edit pages under the index; publishing needs moderation."""
    index = catalogue_index()
    codenames = set(
        GroupPagePermission.objects.filter(
            group=catalogue_managers_group(), page=index.page_ptr
        ).values_list("permission__codename", flat=True)
    )
    assert codenames == {"add_page", "change_page"}
    training = make_training(live=False)
    perms = training.permissions_for_user(manager_a)
    assert perms.can_edit()
    assert perms.can_submit_for_moderation()
    assert not perms.can_publish()
    assert index.permissions_for_user(manager_a).can_add_subpage()


def test_managers_may_upload_and_choose_images():
    """Catalogue managers hold the image permissions on the root collection."""
    codenames = set(
        GroupCollectionPermission.objects.filter(
            group=catalogue_managers_group()
        ).values_list("permission__codename", flat=True)
    )
    assert codenames == {"add_image", "change_image", "choose_image"}


def test_setup_is_idempotent():
    """Running the setup again creates no second workflow, task, link or permission."""
    catalogue_index()
    ensure_catalogue_moderation()
    counts = (
        Workflow.objects.filter(name=WORKFLOW_NAME).count(),
        PeerReviewTask.objects.count(),
        WorkflowPage.objects.count(),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
    )
    ensure_catalogue_moderation()
    ensure_catalogue_moderation()
    assert counts == (
        1,
        1,
        WorkflowPage.objects.count(),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
    )


def test_submitter_cannot_approve_own_submission(manager_a, manager_b):
    """The manager who submitted gets no action; another manager may approve."""
    training = make_training(live=False)
    task_state = _submit(training, manager_a)
    task = task_state.task.specific
    assert task.get_actions(training, manager_a) == []
    assert "approve" in [
        name for name, _label, _modal in task.get_actions(training, manager_b)
    ]
    assert (
        not TaskState.objects.reviewable_by(manager_a).filter(pk=task_state.pk).exists()
    )
    assert TaskState.objects.reviewable_by(manager_b).filter(pk=task_state.pk).exists()


def test_author_of_the_revision_cannot_approve_it_either(manager_a, manager_b):
    """Whoever wrote the revision under review gets no action, even if a peer submitted it."""
    manager_c = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    training = make_training(live=False)
    training.title = "Réécrit par B"
    training.save_revision(user=manager_b)
    state = training.get_workflow().start(training, manager_a)
    task_state = state.current_task_state.specific
    task = task_state.task.specific
    assert task.get_actions(training, manager_a) == []
    assert task.get_actions(training, manager_b) == []
    assert task.get_actions(training, manager_c) != []


def test_second_manager_approval_publishes(manager_a, manager_b):
    """When the second manager approves, the submitted revision goes live."""
    training = make_training(live=False, title="Formation à modérer")
    task_state = _submit(training, manager_a)
    task_state.task.specific.on_action(task_state, manager_b, "approve")
    training.refresh_from_db()
    assert training.live
    assert training.live_revision.user == manager_a


def test_submitter_approval_is_refused_by_the_admin(client, manager_a, manager_b):
    """Through /cms/, the submitter's approve request is refused; the peer's succeeds."""
    training = make_training(live=False)
    task_state = _submit(training, manager_a)
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[training.pk, "approve", task_state.pk],
    )
    force_login_verified(client, manager_a)
    response = client.post(url, {"comment": ""})
    assert response.status_code in (302, 403)
    training.refresh_from_db()
    assert not training.live

    force_login_verified(client, manager_b)
    response = client.post(url, {"comment": "Relu, c'est en ordre."})
    assert response.status_code in (200, 302)
    training.refresh_from_db()
    assert training.live


def test_teacher_gets_no_moderation_action(manager_a, teacher):
    """A teacher is not an approver: no action, nothing to review."""
    training = make_training(live=False)
    task_state = _submit(training, manager_a)
    assert task_state.task.specific.get_actions(training, teacher) == []
    assert not TaskState.objects.reviewable_by(teacher).exists()


def test_scheduled_revision_is_published_by_the_task(manager_a, manager_b):
    """An approved revision whose go-live time has passed is published by the beat task."""
    training = make_training(live=False, title="Formation programmée")
    training.go_live_at = timezone.now() + dt.timedelta(days=2)
    task_state = _submit(training, manager_a)
    task_state.task.specific.on_action(task_state, manager_b, "approve")
    training.refresh_from_db()
    assert not training.live
    revision = training.get_latest_revision()
    assert revision.approved_go_live_at is not None

    publish_scheduled_pages()
    training.refresh_from_db()
    assert not training.live

    # Two days later (both the approved time and the revision's own go_live_at).
    past = timezone.now() - dt.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled_pages()
    training.refresh_from_db()
    assert training.live
    assert training.live_revision_id == revision.pk


def test_beat_runs_scheduled_publishing_every_minute():
    """The single beat schedule runs the scheduled publishing task every minute."""
    from lms.celery import app

    entry = app.conf.beat_schedule["catalogue-publish-scheduled-pages"]
    assert entry["task"] == "catalogue.tasks.publish_scheduled_pages"
    assert entry["schedule"].minute == set(range(60))
