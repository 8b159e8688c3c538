"""Object rules of registrations (catalogue.permissions), per role."""

from __future__ import annotations

import pytest

from catalogue import services
from lms.permissions import has_object_permission
from lms.roles import Role

from .builders_registrations import open_session, teacher_user, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration():
    return services.register_for_session(teacher_user(), open_session())


@pytest.mark.parametrize(
    ("roles", "view", "cancel", "registrants", "decide"),
    [
        ([Role.TEACHER], False, False, False, False),
        ([Role.TUTOR], False, False, False, False),
        ([Role.CATALOGUE_MANAGER], True, False, True, False),
        ([Role.REGISTRATIONS_MANAGER], True, True, True, True),
        ([Role.ADMINISTRATOR], True, True, True, True),
    ],
)
def test_rules_per_role(registration, roles, view, cancel, registrants, decide):
    """Staff roles read or act as documented; others see nothing of others'."""
    user = user_with(*roles)
    session = registration.session
    assert (
        has_object_permission(user, "catalogue.view_registration", registration) is view
    )
    assert (
        has_object_permission(user, "catalogue.cancel_registration", registration)
        is cancel
    )
    assert (
        has_object_permission(user, "catalogue.view_registrants", session)
        is registrants
    )
    assert (
        has_object_permission(user, "catalogue.decide_registrations", session) is decide
    )


def test_owner_may_view_and_cancel_own_registration(registration):
    """The registered person may see and cancel their own registration."""
    owner = registration.user
    assert has_object_permission(owner, "catalogue.view_registration", registration)
    assert has_object_permission(owner, "catalogue.cancel_registration", registration)
    assert not has_object_permission(
        owner, "catalogue.decide_registrations", registration.session
    )
