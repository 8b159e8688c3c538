"""Campaign pages: organisers' list, creation, dashboard, archive; joining with
a code (rate-limited), the participant's share page."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from certification.models import Campaign, CampaignParticipation
from certification.selftest import campaigns
from certification.selftest.bank import bump_bank_version
from lms.roles import Role
from lms.services import grant_role
from tests.certification.campaign_support import make_campaign, participate
from tests.factories import EstablishmentFactory, UserFactory
from tests.factories.selftest import make_bank, make_blueprint
from tests.factories.tutoring import make_cohort
from tests.two_factor_support import force_login_verified

pytestmark = [
    pytest.mark.django_db,
]

Status = CampaignParticipation.Status
JOIN = "/certification/autotest/rejoindre/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def blueprint():
    make_bank(per_level=2)
    bump_bank_version()
    return make_blueprint()


def test_urls_are_stable():
    """The documented paths resolve from their names."""
    assert reverse("certification:selftest_join") == JOIN
    assert (
        reverse("certification:selftest_campaigns")
        == "/certification/autotest/campagnes/"
    )


def test_a_teacher_has_no_organiser_pages(client, teacher):
    """Campaign list and creation are refused (403) to a teacher."""
    force_login_verified(client, teacher)
    assert client.get(reverse("certification:selftest_campaigns")).status_code == 403
    assert (
        client.get(reverse("certification:selftest_campaign_create")).status_code == 403
    )


def test_a_tutor_lists_only_their_cohort_campaigns(client):
    """The list holds the campaigns of the tutor's cohorts, not others'."""
    mine, other = make_cohort(learners=0), make_cohort(learners=0)
    blueprint = make_blueprint()
    kept = make_campaign(
        blueprint, scope="cohort", cohort=mine.cohort, title="Chez moi"
    )
    make_campaign(blueprint, scope="cohort", cohort=other.cohort, title="Ailleurs")
    make_campaign(blueprint, title="IFPC")
    force_login_verified(client, mine.tutor)
    response = client.get(reverse("certification:selftest_campaigns"))
    assert [row["campaign"] for row in response.context["rows"]] == [kept]
    assert "Ailleurs" not in response.text and "Chez moi" in response.text


def test_the_create_form_offers_only_allowed_scopes(client):
    """A director sees their school; posting another school is a form error."""
    school, other = EstablishmentFactory(), EstablishmentFactory()
    director = UserFactory()
    grant_role(director, Role.SCHOOL_DIRECTOR, establishment=school)
    blueprint = make_blueprint()
    force_login_verified(client, director)
    response = client.get(reverse("certification:selftest_campaign_create"))
    form = response.context["form"]
    assert [value for value, _ in form.fields["scope"].choices] == ["establishment"]
    assert list(form.fields["establishment"].queryset) == [school]
    data = {
        "title": "Autotest de rentrée",
        "scope": "establishment",
        "establishment": other.pk,
        "blueprint": blueprint.pk,
        "opens_at": "2026-09-01T08:00",
        "retake_min_days": "4",
        "target-2.1": "B1",
    }
    refused = client.post(reverse("certification:selftest_campaign_create"), data)
    assert refused.status_code == 400
    assert "Choisissez un établissement proposé" in refused.text
    assert not Campaign.objects.exists()
    data["establishment"] = school.pk
    created = client.post(reverse("certification:selftest_campaign_create"), data)
    campaign = Campaign.objects.get()
    assert created.status_code == 302
    assert (campaign.establishment, campaign.target_levels) == (school, {"2.1": "B1"})


def test_the_dashboard_is_for_the_organisation(client):
    """Another cohort's tutor gets a 403; an unknown campaign a 404."""
    setup, other = make_cohort(learners=0), make_cohort(learners=0)
    campaign = make_campaign(scope="cohort", cohort=setup.cohort)
    force_login_verified(client, other.tutor)
    url = reverse("certification:selftest_campaign", args=[campaign.uuid])
    assert client.get(url).status_code == 403
    assert (
        client.get(
            reverse("certification:selftest_campaign_export", args=[campaign.uuid])
        ).status_code
        == 403
    )
    force_login_verified(client, setup.tutor)
    assert client.get(url).status_code == 200
    assert (
        client.get(
            url.replace(str(campaign.uuid), "0" * 8 + str(campaign.uuid)[8:])
        ).status_code
        == 404
    )


def test_the_individual_table_lists_shared_people_only(client, administrator):
    """Names appear only once shared; unshared people are nowhere on the page."""
    campaign = make_campaign()
    shared = participate(
        campaign, {"2.1": "B1"}, user=UserFactory(last_name="Partageuse")
    )
    participate(
        campaign,
        {"2.1": "A1"},
        status=Status.TO_SHARE,
        user=UserFactory(last_name="Discrète"),
    )
    force_login_verified(client, administrator)
    html = client.get(
        reverse("certification:selftest_campaign", args=[campaign.uuid])
    ).text
    assert "Partageuse" in html and "Discrète" not in html
    assert shared.user.email not in html


def test_archiving_is_a_post_and_is_audited(client, administrator):
    """GET is refused; POST archives and records who did it."""
    campaign = make_campaign()
    url = reverse("certification:selftest_campaign_archive", args=[campaign.uuid])
    force_login_verified(client, administrator)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    campaign.refresh_from_db()
    assert campaign.archived_at is not None
    assert LogEntry.objects.filter(
        object_id=str(campaign.pk), change_message__contains="archivée"
    ).exists()


def test_joining_leads_to_the_participation_page(client, teacher, blueprint):
    """A valid code (lower case, dashes) creates the participation and redirects."""
    campaign = make_campaign(blueprint)
    force_login_verified(client, teacher)
    response = client.post(
        JOIN, {"code": f"{campaign.code[:3].lower()}-{campaign.code[3:]}"}
    )
    participation = CampaignParticipation.objects.get(user=teacher)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "certification:selftest_participation", args=[participation.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and campaign.title in page.text
    attempt = participation.attempts.get()
    assert reverse("certification:selftest_attempt", args=[attempt.uuid]) in page.text


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AEIOU0123", "caractères qui n&#x27;existent dans aucun code"),
        ("BCDFGH22", "9 caractères"),
        ("XXXXXX999", "Aucune campagne ne correspond à ce code"),
    ],
)
def test_join_errors_are_in_french(client, teacher, code, message):
    """Wrong characters, wrong length or unknown code: a 400 with a French error."""
    force_login_verified(client, teacher)
    response = client.post(JOIN, {"code": code})
    assert response.status_code == 400
    assert message in response.text


def test_joining_a_closed_or_archived_campaign_is_explained(client, teacher, blueprint):
    """Closed and archived campaigns refuse with their own message."""
    closed = make_campaign(blueprint, closes_at=timezone.now())
    archived = make_campaign(blueprint, archived_at=timezone.now())
    force_login_verified(client, teacher)
    assert "clôturée" in client.post(JOIN, {"code": closed.code}).text
    assert "archivée" in client.post(JOIN, {"code": archived.code}).text
    assert not CampaignParticipation.objects.exists()


def test_code_guessing_is_rate_limited_per_user(client, teacher):
    """The 11th code in a minute is refused with a 429; another user is not affected."""
    force_login_verified(client, teacher)
    statuses = [
        client.post(JOIN, {"code": f"BCDFGH{n}"}).status_code for n in range(222, 233)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    assert "Trop d&#x27;essais" in client.post(JOIN, {"code": "BCDFGH234"}).text
    force_login_verified(client, UserFactory())
    assert client.post(JOIN, {"code": "BCDFGH234"}).status_code == 400


def test_the_share_page_asks_for_consent_and_shows_what_is_shared(client, teacher):
    """To-share: the levels are listed and the consent button names the organisation."""
    campaign = make_campaign()
    participation = participate(
        campaign, {"2.1": "B2"}, user=teacher, status=Status.TO_SHARE
    )
    force_login_verified(client, teacher)
    url = reverse("certification:selftest_participation", args=[participation.pk])
    html = client.get(url).text
    assert "Partager mes résultats avec l&#x27;IFPC" in html
    assert (
        "B2" in html
        and "Vos réponses question par question ne sont jamais transmises" in html
    )
    share = reverse(
        "certification:selftest_participation_share", args=[participation.pk]
    )
    assert client.get(share).status_code == 405
    assert client.post(share).status_code == 302
    participation.refresh_from_db()
    assert participation.status == Status.SHARED and participation.shared_at


def test_someone_else_participation_is_a_404(client, teacher):
    """A participation page, share or leave of another person: 404, nothing changed."""
    participation = participate(make_campaign(), {"2.1": "B1"}, status=Status.TO_SHARE)
    force_login_verified(client, teacher)
    pk = participation.pk
    assert (
        client.get(
            reverse("certification:selftest_participation", args=[pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("certification:selftest_participation_share", args=[pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("certification:selftest_participation_leave", args=[pk])
        ).status_code
        == 404
    )
    participation.refresh_from_db()
    assert participation.status == Status.TO_SHARE and participation.user is not None


def test_leaving_from_the_page_anonymises(client, teacher):
    """The leave button anonymises the participation and returns to the join page."""
    participation = participate(make_campaign(), {"2.1": "B1"}, user=teacher)
    force_login_verified(client, teacher)
    response = client.post(
        reverse("certification:selftest_participation_leave", args=[participation.pk])
    )
    assert response.status_code == 302 and response["Location"] == JOIN
    participation.refresh_from_db()
    assert participation.user is None and participation.deleted_at is not None
    assert campaigns.participations_of(teacher).count() == 0


def _list_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert (
            client.get(reverse("certification:selftest_campaigns")).status_code == 200
        )
    return len(queries)


def test_the_campaign_list_queries_do_not_grow(client, administrator):
    """Listing 2 or 6 campaigns (with participations) costs the same queries."""
    blueprint = make_blueprint()
    setup = make_cohort(learners=0)
    for _ in range(2):
        participate(make_campaign(blueprint, scope="cohort", cohort=setup.cohort), {})
    force_login_verified(client, administrator)
    few = _list_queries(client)
    for _ in range(4):
        participate(
            make_campaign(
                blueprint, scope="establishment", establishment=EstablishmentFactory()
            ),
            {},
        )
    assert _list_queries(client) == few
