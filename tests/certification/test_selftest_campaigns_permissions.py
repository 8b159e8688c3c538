"""Who may create and manage a campaign, per scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from certification.models import Campaign
from certification.selftest import campaigns
from lms.roles import Role
from lms.services import grant_role
from tests.factories import EstablishmentFactory, UserFactory
from tests.factories.selftest import make_blueprint
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db


def _create(by, scope, **kwargs):
    return campaigns.create_campaign(
        by,
        title="Autotest",
        scope=scope,
        blueprint=make_blueprint(),
        opens_at=timezone.now(),
        **kwargs,
    )


def _director(establishment):
    person = UserFactory()
    grant_role(person, Role.SCHOOL_DIRECTOR, establishment=establishment)
    return person


def test_ifpc_staff_may_create_any_scope(catalogue_manager):
    """IFPC staff organise for IFPC, any cohort and any school."""
    setup = make_cohort(learners=0)
    school = EstablishmentFactory()
    assert _create(catalogue_manager, Campaign.Scope.IFPC).scope == "ifpc"
    assert (
        _create(catalogue_manager, "cohort", cohort=setup.cohort).cohort == setup.cohort
    )
    assert (
        _create(catalogue_manager, "establishment", establishment=school).establishment
        == school
    )


def test_a_tutor_creates_for_their_cohort_only():
    """A tutor of cohort A may create for A, not for cohort B nor for IFPC."""
    mine, other = make_cohort(learners=0), make_cohort(learners=0)
    campaign = _create(mine.tutor, "cohort", cohort=mine.cohort)
    assert campaign.cohort == mine.cohort and campaign.created_by == mine.tutor
    with pytest.raises(PermissionDenied):
        _create(mine.tutor, "cohort", cohort=other.cohort)
    with pytest.raises(PermissionDenied):
        _create(mine.tutor, "ifpc")


def test_a_director_creates_for_their_school_only():
    """A director of school A may create for A, not for school B."""
    school, other = EstablishmentFactory(), EstablishmentFactory()
    director = _director(school)
    assert (
        _create(director, "establishment", establishment=school).establishment == school
    )
    with pytest.raises(PermissionDenied):
        _create(director, "establishment", establishment=other)
    with pytest.raises(PermissionDenied):
        _create(director, "ifpc")


def test_a_teacher_cannot_create(teacher):
    """A teacher organises nothing, even for their own school."""
    school = EstablishmentFactory()
    teacher.establishments.add(school)
    for scope, extra in [("ifpc", {}), ("establishment", {"establishment": school})]:
        with pytest.raises(PermissionDenied):
            _create(teacher, scope, **extra)
    assert not campaigns.is_organiser(teacher)
    assert not Campaign.objects.exists()


def test_managers_are_the_organisation(catalogue_manager):
    """A campaign is managed by its organisation's people, not by others."""
    setup, other = make_cohort(learners=1), make_cohort(learners=0)
    campaign = _create(setup.tutor, "cohort", cohort=setup.cohort)
    assert campaigns.can_manage(setup.tutor, campaign)
    assert campaigns.can_manage(catalogue_manager, campaign)
    assert not campaigns.can_manage(other.tutor, campaign)
    assert not campaigns.can_manage(setup.learners[0], campaign)
    assert list(campaigns.manageable_campaigns(other.tutor)) == []
    assert list(campaigns.manageable_campaigns(setup.tutor)) == [campaign]


def test_creation_is_audited(catalogue_manager):
    """Creating a campaign leaves a history entry naming its code."""
    from django.contrib.admin.models import LogEntry

    campaign = _create(catalogue_manager, "ifpc")
    entry = LogEntry.objects.get(object_id=str(campaign.pk))
    assert campaign.code in entry.change_message
    assert entry.user == catalogue_manager


def test_target_levels_must_be_competences_of_the_blueprint(catalogue_manager):
    """A target for a competence the test does not measure is refused in French."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="n'est pas évaluée"):
        _create(catalogue_manager, "ifpc", target_levels={"5.1": "B1"})
    campaign = _create(
        catalogue_manager, "ifpc", target_levels={"2.1": "B1", "2.2": ""}
    )
    assert campaign.target_levels == {"2.1": "B1"}
