"""The organisation's statistics: consent, k-anonymity, figures, CSV, queries."""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import TrainingCompetenceTarget
from certification.models import CampaignParticipation
from certification.selftest import campaigns
from lms.digcompedu import ATTRIBUTION
from lms.models import Competence
from tests.certification.campaign_support import THETA, make_campaign, participate
from tests.factories import UserFactory
from tests.factories.catalogue import make_training
from tests.two_factor_support import force_login_verified

pytestmark = [
    pytest.mark.django_db,
]

Status = CampaignParticipation.Status


def _row(stats, code):
    return next(row for row in stats.competences if row.code == code)


@pytest.fixture
def organiser(db):
    return UserFactory(roles=["administrator"])


def test_unshared_results_only_count_in_the_funnel():
    """Started and to-share participations feed the funnel, never the figures."""
    campaign = make_campaign()
    for _ in range(5):
        participate(campaign, {"2.1": "B1"})
    for _ in range(3):
        participate(campaign, {"2.1": "A1"}, status=Status.TO_SHARE)
    participate(campaign, {}, status=Status.STARTED)
    stats = campaigns.stats(campaign)
    assert stats.funnel == campaigns.Funnel(started=9, completed=8, shared=5)
    row = _row(stats, "2.1")
    assert row.n == 5
    counts = {share.level: share.count for share in row.distribution}
    assert counts["B1"] == 5 and counts["A1"] == 0
    assert len(stats.individuals) == 5


def test_four_shared_participants_show_no_figure(client, organiser):
    """With 4 shared participants every aggregate is "moins de 5 participants"."""
    campaign = make_campaign()
    for _ in range(4):
        participate(campaign, {"2.1": "B1", "2.2": "A2"})
    stats = campaigns.stats(campaign)
    assert all(row.suppressed for row in stats.competences)
    assert all(
        row.distribution == [] and row.mean_theta is None for row in stats.competences
    )
    assert stats.recommendations == []
    force_login_verified(client, organiser)
    html = client.get(
        reverse("certification:selftest_campaign", args=[campaign.uuid])
    ).text
    table = html[
        html.index('id="level-table"') : html.index(
            "</table>", html.index('id="level-table"')
        )
    ]
    assert table.count("moins de 5 participants") == 2
    assert "%" not in table.split("</thead>")[1]
    assert "<svg" not in html


def test_five_shared_participants_show_the_figures(client, organiser):
    """From 5 shared participants the distribution, mean and chart appear."""
    campaign = make_campaign()
    for _ in range(5):
        participate(campaign, {"2.1": "B1", "2.2": "A2"})
    stats = campaigns.stats(campaign)
    assert not any(row.suppressed for row in stats.competences)
    assert _row(stats, "2.1").distribution[2] == campaigns.LevelShare("B1", 5, 100.0)
    force_login_verified(client, organiser)
    html = client.get(
        reverse("certification:selftest_campaign", args=[campaign.uuid])
    ).text
    assert "moins de 5 participants" not in html
    assert "5 (100,0 %)" in html and "<svg" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'width="680.0"' in svg and not re.search(r'(x|width)="\d+,\d', svg)


def test_k_anonymity_is_per_competence_and_per_campaign_threshold():
    """A competence measured for fewer people than the threshold is hidden alone;
    a campaign threshold of 6 hides a group of 5."""
    campaign = make_campaign()
    for index in range(5):
        levels = {"2.1": "B1"} if index == 0 else {"2.1": "B1", "2.2": "B2"}
        participate(campaign, levels)
    stats = campaigns.stats(campaign)
    assert not _row(stats, "2.1").suppressed and _row(stats, "2.2").suppressed
    campaign.min_group_size = 6
    stats = campaigns.stats(campaign)
    assert _row(stats, "2.1").suppressed
    assert stats.suppressed_label == "moins de 6 participants"


def test_improved_and_deleted_participations_leave_the_figures():
    """Only the latest participation counts; an anonymised one counts nowhere."""
    campaign = make_campaign()
    for _ in range(5):
        participate(campaign, {"2.1": "C1"})
    old = participate(campaign, {"2.1": "A1"})
    CampaignParticipation.objects.filter(pk=old.pk).update(is_improved=True)
    gone = participate(campaign, {"2.1": "A1"})
    campaigns.leave(gone, gone.user)
    row = _row(campaigns.stats(campaign), "2.1")
    assert row.n == 5
    assert {s.level: s.count for s in row.distribution}["A1"] == 0


def test_mean_theta_interval_target_and_precision():
    """Mean θ ± 1.96·sd/√n, % below the target level and % of imprecise measures."""
    campaign = make_campaign(target_levels={"2.1": "B2"})
    levels = ["A2", "B1", "B1", "B2", "C1"]
    for index, level in enumerate(levels):
        participate(campaign, {"2.1": level}, precise=index != 0)
    row = _row(campaigns.stats(campaign), "2.1")
    thetas = [THETA[level] for level in levels]
    mean = sum(thetas) / 5
    sd = math.sqrt(sum((t - mean) ** 2 for t in thetas) / 4)
    assert row.mean_theta == round(mean, 2)
    assert row.ci_low == round(mean - 1.96 * sd / math.sqrt(5), 2)
    assert row.ci_high == round(mean + 1.96 * sd / math.sqrt(5), 2)
    assert row.below_target_percent == 60.0  # A2, B1, B1 < B2
    assert row.low_precision_percent == 20.0
    assert [s.percent for s in row.distribution] == [0.0, 20.0, 40.0, 20.0, 20.0, 0.0]


def test_group_recommendations_follow_the_forty_percent_rule():
    """2 of 5 at A2 or below on 2.1 → trainings for 2.1 from A1/A2; 1 of 5 on 2.2 → none."""
    campaign = make_campaign()
    for level_21, level_22 in [
        ("A1", "A1"),
        ("A2", "B1"),
        ("B1", "B1"),
        ("B2", "B2"),
        ("C1", "C1"),
    ]:
        participate(campaign, {"2.1": level_21, "2.2": level_22})
    basic = make_training(title="Chercher des ressources")
    TrainingCompetenceTarget.objects.create(
        page=basic,
        competence=Competence.objects.get(code="2.1"),
        level_from="A2",
        level_to="B1",
    )
    expert = make_training(title="Curation avancée")
    TrainingCompetenceTarget.objects.create(
        page=expert,
        competence=Competence.objects.get(code="2.1"),
        level_from="B2",
        level_to="C1",
    )
    recommendations = campaigns.stats(campaign).recommendations
    assert [r.competence for r in recommendations] == ["2.1"]
    assert [t.page.title for t in recommendations[0].trainings] == [
        "Chercher des ressources"
    ]
    assert "40 %" in recommendations[0].reason


def test_the_csv_export_carries_the_attribution_and_shared_rows_only(client, organiser):
    """UTF-8 CSV: attribution line, column header, one row per shared participation."""
    campaign = make_campaign()
    shared = participate(
        campaign, {"2.1": "B1", "2.2": "C1"}, user=UserFactory(last_name="Ébène")
    )
    hidden = participate(campaign, {"2.1": "A1"}, status=Status.TO_SHARE)
    force_login_verified(client, organiser)
    response = client.get(
        reverse("certification:selftest_campaign_export", args=[campaign.uuid])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [str(ATTRIBUTION)]
    assert rows[1][:3] == ["Nom", "Prénom", "Partagé le"]
    assert rows[1][3].startswith("2.1 ") and rows[1][4].startswith("2.2 ")
    assert len(rows) == 3
    assert rows[2][0] == "Ébène" and rows[2][3:] == ["B1", "C1"]
    assert hidden.user.last_name not in text or hidden.user.last_name == "Ébène"
    assert LogEntry.objects.filter(
        object_id=str(campaign.pk), change_message__contains="Export CSV"
    ).exists()
    assert shared.user.email not in text


def test_no_item_level_data_reaches_the_organisation(client, organiser):
    """The dashboard and the export never show items, answers or parameters."""
    from tests.factories.selftest import make_item

    item = make_item("2.1", "B1", stem="<p>Énoncé secret de l'item</p>")
    campaign = make_campaign()
    for _ in range(5):
        participate(campaign, {"2.1": "B1"})
    force_login_verified(client, organiser)
    pages = [
        client.get(
            reverse("certification:selftest_campaign", args=[campaign.uuid])
        ).text,
        client.get(
            reverse("certification:selftest_campaign_export", args=[campaign.uuid])
        ).content.decode(),
    ]
    for page in pages:
        assert "Énoncé secret" not in page and "Bonne réponse" not in page
        assert item.uid not in page


def _dashboard_queries(client, campaign) -> int:
    url = reverse("certification:selftest_campaign", args=[campaign.uuid])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_participants(client, organiser):
    """The dashboard costs the same number of queries for 5 or 15 participants."""
    campaign = make_campaign(target_levels={"2.1": "B2"})
    for _ in range(5):
        participate(campaign, {"2.1": "A2", "2.2": "B1"})
    force_login_verified(client, organiser)
    few = _dashboard_queries(client, campaign)
    for _ in range(10):
        participate(campaign, {"2.1": "A1", "2.2": "B2"})
    many = _dashboard_queries(client, campaign)
    assert few == many
    assert many <= 10  # 9 today: session, user, roles, campaign, 5 for the stats
