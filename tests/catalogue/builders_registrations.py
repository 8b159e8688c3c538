"""Small builders and fixtures shared by the registration tests."""

from __future__ import annotations

import pytest
from celery import current_app

from catalogue.models import Session
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (e-mails are sent through the locmem backend)."""
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def teacher_user(**kwargs) -> object:
    """A user holding the teacher role."""
    return UserFactory(roles=[Role.TEACHER], **kwargs)


def user_with(*roles: str, **kwargs) -> object:
    return UserFactory(roles=list(roles), **kwargs)


def open_session(
    *,
    capacity: int = 2,
    policy: str = Session.Policy.AUTOMATIC,
    has_waitlist: bool = True,
    audiences: tuple[str, ...] = ("enseignant",),
    title: str = "Évaluer avec le numérique",
    **fields,
) -> Session:
    """An open session of a fresh live training (one day, in Namur)."""
    training = make_training(title=title, audiences=list(audiences))
    return make_session(
        training, capacity=capacity, policy=policy, has_waitlist=has_waitlist, **fields
    )
