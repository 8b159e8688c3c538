"""Roles: granting, revoking, several roles per user, groups and admin flags."""

import pytest
from django.core.exceptions import ValidationError

from lms.permissions import has_role, is_ifpc_staff
from lms.roles import Role, group_name
from lms.services import grant_role, revoke_role
from tests.factories import EstablishmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_may_hold_several_roles():
    """A director who also teaches holds both roles and both groups."""
    establishment = EstablishmentFactory()
    user = UserFactory()
    grant_role(user, Role.TEACHER)
    grant_role(user, Role.SCHOOL_DIRECTOR, establishment=establishment)
    assert has_role(user, Role.TEACHER)
    assert has_role(user, Role.SCHOOL_DIRECTOR)
    assert not has_role(user, Role.TUTOR)
    assert set(user.groups.values_list("name", flat=True)) == {
        group_name(Role.TEACHER),
        group_name(Role.SCHOOL_DIRECTOR),
    }


def test_granting_twice_is_idempotent():
    """Granting a role already held creates no second assignment."""
    user = UserFactory()
    first = grant_role(user, Role.TUTOR)
    second = grant_role(user, Role.TUTOR)
    assert first.pk == second.pk
    assert user.role_assignments.count() == 1


def test_school_director_needs_an_establishment():
    """The director role without an establishment is refused with a French message."""
    user = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        grant_role(user, Role.SCHOOL_DIRECTOR)
    assert "établissement" in str(excinfo.value)
    assert not user.role_assignments.exists()


def test_unknown_role_is_refused():
    """A role outside the list is refused."""
    with pytest.raises(ValidationError):
        grant_role(UserFactory(), "superhero")


def test_administrator_role_drives_django_admin_flags():
    """Administrators get is_staff/is_superuser; losing the role removes them."""
    user = UserFactory()
    grant_role(user, Role.ADMINISTRATOR)
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser
    assert revoke_role(user, Role.ADMINISTRATOR) is True
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert not has_role(user, Role.ADMINISTRATOR)


def test_revoking_removes_group_only_when_no_assignment_left():
    """A director of two schools stays in the group until both are revoked."""
    a, b = EstablishmentFactory(), EstablishmentFactory()
    user = UserFactory()
    grant_role(user, Role.SCHOOL_DIRECTOR, establishment=a)
    grant_role(user, Role.SCHOOL_DIRECTOR, establishment=b)
    revoke_role(user, Role.SCHOOL_DIRECTOR, establishment=a)
    assert user.groups.filter(name=group_name(Role.SCHOOL_DIRECTOR)).exists()
    revoke_role(user, Role.SCHOOL_DIRECTOR, establishment=b)
    assert not user.groups.filter(name=group_name(Role.SCHOOL_DIRECTOR)).exists()


def test_ifpc_staff_groups_can_reach_wagtail_admin():
    """Catalogue managers' group carries Wagtail's access_admin permission; teachers' not."""
    manager = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    teacher = UserFactory(roles=[Role.TEACHER])
    assert is_ifpc_staff(manager)
    assert manager.has_perm("wagtailadmin.access_admin")
    assert not teacher.has_perm("wagtailadmin.access_admin")


def test_inactive_user_has_no_role():
    """A deactivated account loses every role check."""
    user = UserFactory(roles=[Role.TUTOR], is_active=False)
    assert not has_role(user, Role.TUTOR)


def test_email_is_unique_whatever_the_case():
    """Two accounts cannot share an e-mail address in different cases."""
    from django.db import IntegrityError

    from lms.models import User

    User.objects.create_user(
        "Marie@Example.test", "x" * 12, first_name="M", last_name="D"
    )
    with pytest.raises(IntegrityError):
        User.objects.create(email="MARIE@example.TEST", first_name="M", last_name="D")
