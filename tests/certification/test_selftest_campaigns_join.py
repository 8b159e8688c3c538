"""Joining a campaign, sharing, retakes and leaving (services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from certification.models import Attempt, Campaign, CampaignParticipation
from certification.selftest import campaigns
from certification.selftest.bank import bump_bank_version
from certification.selftest.campaigns import JoinRefused, ShareRefused
from tests.certification.campaign_support import make_campaign, participate
from tests.factories import EstablishmentFactory, UserFactory
from tests.factories.selftest import (
    answer_all_right,
    make_bank,
    make_blueprint,
)
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db

Status = CampaignParticipation.Status


@pytest.fixture
def blueprint():
    make_bank()
    bump_bank_version()
    return make_blueprint()


@pytest.fixture
def campaign(blueprint):
    return make_campaign(blueprint)


def _spaced(code: str) -> str:
    return f" {code[:3].lower()}-{code[3:6]} {code[6:]} "


def _finish(attempt: Attempt) -> None:
    answer_all_right(attempt)
    campaigns.on_attempt_completed(attempt)  # idempotent if _finish already did


def _age(participation: CampaignParticipation, days: int) -> None:
    """Pretend the participation was shared (and its test taken) ``days`` ago."""
    past = timezone.now() - dt.timedelta(days=days)
    CampaignParticipation.objects.filter(pk=participation.pk).update(shared_at=past)
    participation.attempts.update(completed_at=past)
    participation.refresh_from_db()


def test_joining_starts_a_linked_attempt(campaign, teacher):
    """A typed code (any case, spaces, dashes) creates a started participation
    and an attempt of the campaign's blueprint linked to it."""
    joined = campaigns.join(teacher, _spaced(campaign.code))
    assert joined.created
    assert joined.participation.status == Status.STARTED
    assert joined.attempt.participation == joined.participation
    assert joined.attempt.blueprint == campaign.blueprint


def test_a_second_join_returns_the_same_participation(campaign, teacher):
    """Joining again resumes: same participation, same attempt, nothing new."""
    first = campaigns.join(teacher, campaign.code)
    again = campaigns.join(teacher, campaign.code)
    assert (again.participation, again.attempt, again.created) == (
        first.participation,
        first.attempt,
        False,
    )
    assert CampaignParticipation.objects.count() == 1
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"archived_at": timezone.now()}, "archivée"),
        ({"closes_at": timezone.now() - dt.timedelta(minutes=1)}, "clôturée"),
        ({"opens_at": timezone.now() + dt.timedelta(days=2)}, "pas encore ouverte"),
    ],
)
def test_closed_archived_or_future_campaigns_refuse(campaign, teacher, change, message):
    """The state of the campaign is checked first; nothing is created."""
    Campaign.objects.filter(pk=campaign.pk).update(**change)
    with pytest.raises(JoinRefused, match=message):
        campaigns.join(teacher, campaign.code)
    assert not CampaignParticipation.objects.exists()
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("BCDAFG234", "caractères"),
        ("BCDFGH105", "caractères"),
        ("BCDFGH23", "9 caractères"),
        ("", "Saisissez"),
        ("XXXXXX999", "Aucune campagne"),
    ],
)
def test_malformed_or_unknown_codes_refuse(campaign, teacher, typed, message):
    """Wrong characters, wrong shape or an unknown code: a French refusal."""
    with pytest.raises(JoinRefused, match=message):
        campaigns.join(teacher, typed)
    assert not CampaignParticipation.objects.exists()


def test_a_cohort_campaign_is_for_its_active_learners(blueprint):
    """A learner of the cohort joins; a stranger is refused."""
    setup = make_cohort(learners=1)
    campaign = make_campaign(blueprint, scope="cohort", cohort=setup.cohort)
    assert campaigns.join(setup.learners[0], campaign.code).created
    with pytest.raises(JoinRefused, match="réservée aux participant"):
        campaigns.join(UserFactory(), campaign.code)


def test_a_school_campaign_is_for_its_staff(blueprint):
    """A member of the school's staff joins; someone from another school is refused."""
    school = EstablishmentFactory()
    campaign = make_campaign(blueprint, scope="establishment", establishment=school)
    member, outsider = UserFactory(), UserFactory()
    member.establishments.add(school)
    outsider.establishments.add(EstablishmentFactory())
    assert campaigns.join(member, campaign.code).created
    with pytest.raises(JoinRefused, match="réservée au personnel"):
        campaigns.join(outsider, campaign.code)


def test_one_attempt_cannot_serve_two_campaigns(blueprint, teacher):
    """A test in progress for campaign A is not hijacked by campaign B."""
    first, second = make_campaign(blueprint), make_campaign(blueprint)
    campaigns.join(teacher, first.code)
    with pytest.raises(JoinRefused, match="autre campagne"):
        campaigns.join(teacher, second.code)
    assert not second.participations.exists()


def test_completion_waits_for_consent(campaign, teacher):
    """A finished test puts the participation in "to share", nothing more."""
    joined = campaigns.join(teacher, campaign.code)
    _finish(joined.attempt)
    joined.participation.refresh_from_db()
    assert joined.participation.status == Status.TO_SHARE
    assert joined.participation.shared_at is None
    again = campaigns.join(teacher, campaign.code)
    assert again.participation == joined.participation and again.attempt is None


def test_sharing_needs_a_finished_test(campaign, teacher):
    """Sharing before the end is refused; after it, status and date are set."""
    joined = campaigns.join(teacher, campaign.code)
    with pytest.raises(ShareRefused, match="Terminez"):
        campaigns.share(joined.participation, teacher)
    _finish(joined.attempt)
    campaigns.share(joined.participation, teacher)
    assert joined.participation.status == Status.SHARED
    assert joined.participation.shared_at is not None
    with pytest.raises(ShareRefused, match="déjà partagés"):
        campaigns.share(joined.participation, teacher)


def test_only_the_participant_may_share(campaign):
    """Consent is personal: an organiser cannot share on someone's behalf."""
    participation = participate(campaign, {"2.1": "B1"}, status=Status.TO_SHARE)
    with pytest.raises(PermissionDenied):
        campaigns.share(participation, UserFactory())
    participation.refresh_from_db()
    assert participation.status == Status.TO_SHARE


def test_an_archived_campaign_refuses_sharing(campaign):
    """After archiving, results can no longer be shared."""
    participation = participate(campaign, {"2.1": "B1"}, status=Status.TO_SHARE)
    campaigns.archive(campaign, UserFactory(roles=["administrator"]))
    with pytest.raises(ShareRefused, match="archivée"):
        campaigns.share(participation, participation.user)


def test_a_retake_needs_allow_retake(blueprint, teacher):
    """Once shared, a campaign without retakes refuses a new participation."""
    campaign = make_campaign(blueprint, allow_retake=False)
    previous = participate(campaign, {"2.1": "A2"}, user=teacher)
    _age(previous, 30)
    with pytest.raises(JoinRefused, match="ne permet pas"):
        campaigns.join(teacher, campaign.code)
    previous.refresh_from_db()
    assert not previous.is_improved


def test_a_retake_waits_retake_min_days_after_sharing(blueprint, teacher):
    """Three days after sharing on a four-day policy: refused, nothing changed."""
    campaign = make_campaign(blueprint, retake_min_days=4)
    previous = participate(campaign, {"2.1": "A2"}, user=teacher)
    _age(previous, 3)
    with pytest.raises(JoinRefused, match="à partir du"):
        campaigns.join(teacher, campaign.code)
    previous.refresh_from_db()
    assert not previous.is_improved
    assert campaign.participations.count() == 1


def test_a_retake_after_the_delay_supersedes_the_old_one(blueprint, teacher):
    """After the delay a new participation starts; the old one is marked improved."""
    campaign = make_campaign(blueprint, retake_min_days=4)
    previous = participate(campaign, {"2.1": "A2"}, user=teacher)
    _age(previous, 5)
    joined = campaigns.join(teacher, campaign.code)
    previous.refresh_from_db()
    assert previous.is_improved and previous.status == Status.SHARED
    assert joined.created and joined.participation != previous
    assert joined.attempt.participation == joined.participation


def test_a_retake_refused_by_the_blueprint_delay_changes_nothing(blueprint, teacher):
    """The blueprint's own delay (since the last sitting) also applies, atomically."""
    blueprint.retake_min_days = 10
    blueprint.save()
    campaign = make_campaign(blueprint, retake_min_days=1)
    previous = participate(campaign, {"2.1": "A2"}, user=teacher)
    _age(previous, 5)
    with pytest.raises(JoinRefused, match="repasser ce test"):
        campaigns.join(teacher, campaign.code)
    previous.refresh_from_db()
    assert not previous.is_improved
    assert campaign.participations.count() == 1


def test_leaving_anonymises_the_participation(campaign, teacher):
    """Leaving empties the user and detaches the attempts; the teacher keeps them."""
    participation = participate(campaign, {"2.1": "B1"}, user=teacher)
    attempt = participation.attempts.get()
    campaigns.leave(participation, teacher)
    participation.refresh_from_db()
    attempt.refresh_from_db()
    assert participation.user is None and participation.deleted_at is not None
    assert attempt.participation is None and attempt.user == teacher
    assert campaigns.stats(campaign).funnel.shared == 0


def test_a_stranger_cannot_delete_a_participation(campaign):
    """Only the participant or the organisation may anonymise a participation."""
    participation = participate(campaign, {"2.1": "B1"})
    with pytest.raises(PermissionDenied):
        campaigns.leave(participation, UserFactory())
    participation.refresh_from_db()
    assert participation.user is not None


def test_the_end_of_the_test_itself_moves_to_to_share(campaign, teacher):
    """Answering the last item is enough: no extra call is needed."""
    joined = campaigns.join(teacher, campaign.code)
    assert answer_all_right(joined.attempt) > 0
    joined.participation.refresh_from_db()
    assert joined.participation.status == Status.TO_SHARE
