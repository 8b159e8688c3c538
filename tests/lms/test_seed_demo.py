"""``manage.py seed_demo``: one account per role, idempotent."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms import demo
from lms.models import Establishment, RoleAssignment, User
from lms.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_an_account_per_role_and_prints_them(capsys, settings):
    """Every role has a demo account that can sign in with the printed password."""
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(
        Role.values
    )
    assert settings.DEMO_PASSWORD in output
    series = [re.compile(pattern) for pattern, line in demo.DEMO_ACCOUNT_SERIES]
    assert all(line in output for _, line in demo.DEMO_ACCOUNT_SERIES)
    for user in User.objects.all():
        assert user.email in output or any(p.fullmatch(user.email) for p in series)
        assert user.check_password(settings.DEMO_PASSWORD)


def test_seed_demo_twice_changes_nothing(settings):
    """Running the seed twice leaves the same rows."""
    call_command("seed_demo", "--quiet-accounts")
    counts = (
        User.objects.count(),
        Establishment.objects.count(),
        RoleAssignment.objects.count(),
    )
    call_command("seed_demo", "--quiet-accounts")
    assert counts == (
        User.objects.count(),
        Establishment.objects.count(),
        RoleAssignment.objects.count(),
    )


def test_seed_demo_refused_where_demo_data_is_off(settings):
    """With ALLOW_DEMO_DATA off (production), the seed refuses with a French reason."""
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="démonstration"):
        call_command("seed_demo")
    assert not User.objects.exists()
