"""Pages of self-test campaigns (spec B7).

Organisers (IFPC staff, a cohort's tutors, a school's director) list, create,
follow and archive their campaigns; the dashboard shows shared results only,
aggregated with k-anonymity. Teachers join with a code (rate-limited), take the
test (part C's pages), then decide to share their levels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.reports import stream_csv
from lms import audit

from ..forms_selftest_campaigns import CampaignForm, JoinForm, TargetLevelsForm
from ..models import Attempt, Campaign, CampaignParticipation
from ..selftest import campaigns as service
from ..selftest.engine import LEVELS

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
INDIVIDUALS_PAGE_SIZE = 50
JOIN_LIMIT = 10
JOIN_WINDOW_SECONDS = 60


def _attribution() -> str:
    from lms.digcompedu import ATTRIBUTION

    return str(ATTRIBUTION)


def _url_or_none(name: str, *args: Any) -> str | None:
    """Part C's pages may not be mounted yet: no link rather than a crash."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _organiser_required(request: HttpRequest) -> None:
    if not service.is_organiser(request.user):
        raise PermissionDenied


def _managed_campaign(request: HttpRequest, uuid: Any) -> Campaign:
    campaign = get_object_or_404(
        Campaign.objects.select_related("blueprint", "cohort", "establishment"),
        uuid=uuid,
    )
    if not service.can_manage(request.user, campaign):
        raise PermissionDenied
    return campaign


# --- organisers ---------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns of the organisations the signed-in person organises."""
    _organiser_required(request)
    campaigns = service.manageable_campaigns(request.user).order_by("-opens_at", "pk")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = service.participation_counts([c.pk for c in page.object_list])
    rows = [
        {
            "campaign": campaign,
            "organisation": service.organisation_name(campaign),
            "state": _state_label(campaign),
            "funnel": counts.get(campaign.pk, service.Funnel(0, 0, 0)),
        }
        for campaign in page.object_list
    ]
    return render(
        request,
        "certification/selftest/campaigns/list.html",
        {"page": page, "rows": rows},
    )


def _state_label(campaign: Campaign) -> str:
    now = timezone.now()
    if campaign.archived_at is not None:
        return _("archivée")
    if campaign.opens_at > now:
        return _("à venir")
    if campaign.closes_at is not None and campaign.closes_at <= now:
        return _("clôturée")
    return _("ouverte")


def _competences_for_targets() -> list[Any]:
    from lms.models import Competence

    return list(Competence.objects.order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    """Create a campaign for an organisation the person may organise."""
    _organiser_required(request)
    competences = _competences_for_targets()
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, user=request.user)
    targets = TargetLevelsForm(data, competences=competences, prefix="target")
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        values = form.cleaned_data
        try:
            campaign = service.create_campaign(
                request.user,
                title=values["title"],
                landing_text=values["landing_text"],
                scope=values["scope"],
                cohort=values.get("cohort"),
                establishment=values.get("establishment"),
                blueprint=values["blueprint"],
                opens_at=values["opens_at"],
                closes_at=values.get("closes_at"),
                allow_retake=values["allow_retake"],
                retake_min_days=values["retake_min_days"],
                target_levels=targets.targets(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Campagne créée. Son code : %(code)s.") % {"code": campaign.code},
            )
            return redirect("certification:selftest_campaign", campaign.uuid)
    return render(
        request,
        "certification/selftest/campaigns/create.html",
        {"form": form, "targets": targets},
        status=400 if request.method == "POST" else 200,
    )


@dataclass(frozen=True)
class Segment:
    level: str
    count: int
    percent: float
    x: float
    width: float
    fill: str
    text_fill: str
    show_text: bool

    @property
    def text_x(self) -> float:
        return round(self.x + 4, 1)


@dataclass(frozen=True)
class ChartRow:
    code: str
    name: str
    label_y: int
    bar_y: int
    segments: list[Segment]

    @property
    def text_y(self) -> int:
        return self.bar_y + 17


#: Light to dark blues, each with a readable text colour; the level code is
#: written in each wide enough segment, and the table repeats every figure.
LEVEL_FILLS = {
    "A1": ("#e8eef7", "#1a1a1a"),
    "A2": ("#c4d4ea", "#1a1a1a"),
    "B1": ("#8fb0d9", "#1a1a1a"),
    "B2": ("#4f7fbf", "#ffffff"),
    "C1": ("#1d4f91", "#ffffff"),
    "C2": ("#0b2a52", "#ffffff"),
}
CHART_WIDTH = 680
ROW_HEIGHT = 56


def level_rows(competences: Iterable[Any]) -> tuple[list[ChartRow], int]:
    """Stacked level bars (and the SVG height) for competences that have
    ``code``, ``name``, ``n``, ``suppressed`` and a ``distribution`` of
    ``level``/``count``/``percent`` shares; suppressed ones are left out. The
    indicator dashboard draws its self-test chart with it too."""
    rows: list[ChartRow] = []
    for index, row in enumerate(r for r in competences if not r.suppressed):
        top = 8 + index * ROW_HEIGHT
        x = 16.0
        segments = []
        for share in row.distribution:
            width = round(CHART_WIDTH * share.count / row.n, 1) if row.n else 0.0
            fill, text_fill = LEVEL_FILLS[share.level]
            segments.append(
                Segment(
                    share.level,
                    share.count,
                    share.percent,
                    round(x, 1),
                    width,
                    fill,
                    text_fill,
                    width >= 28,
                )
            )
            x += width
        rows.append(ChartRow(row.code, row.name, top + 14, top + 22, segments))
    return rows, 16 + len(rows) * ROW_HEIGHT


@login_required
@require_GET
def campaign_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The organisation's dashboard: funnel, levels per competence (shared
    results only, k-anonymous), group recommendations, individual table."""
    campaign = _managed_campaign(request, uuid)
    stats = service.stats(campaign)
    chart, chart_height = level_rows(stats.competences)
    people = Paginator(stats.individuals, INDIVIDUALS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "certification/selftest/campaigns/detail.html",
        {
            "campaign": campaign,
            "organisation": service.organisation_name(campaign),
            "state": _state_label(campaign),
            "stats": stats,
            "chart": chart,
            "chart_height": chart_height,
            "chart_width": CHART_WIDTH + 32,
            "levels": LEVELS,
            "page": people,
            "attribution": _attribution(),
            "join_url": request.build_absolute_uri(
                reverse("certification:selftest_join")
            ),
        },
    )


def export_rows(
    campaign: Campaign, stats: service.CampaignStats
) -> tuple[list[str], list[list[str]]]:
    """The CSV: the attribution line, the column names, one row per shared
    participation (levels only, never answers)."""
    columns = [
        _("Nom"),
        _("Prénom"),
        _("Partagé le"),
        *[f"{row.code} {row.name}" for row in stats.competences],
    ]
    rows = [columns]
    for person in stats.individuals:
        rows.append(
            [
                person.last_name,
                person.first_name,
                timezone.localtime(person.shared_at).strftime("%Y-%m-%d %H:%M"),
                *[level or "" for level in person.levels],
            ]
        )
    return [_attribution()], rows


@login_required
@require_GET
def campaign_export(request: HttpRequest, uuid: Any) -> HttpResponse:
    """CSV (UTF-8) of the individual table, first line: the DigCompEdu attribution."""
    campaign = _managed_campaign(request, uuid)
    stats = service.stats(campaign)
    header, rows = export_rows(campaign, stats)
    service.record_export(campaign, request.user)
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Résultats individuels de la campagne (CSV)"),
        obj=campaign,
    )
    response = HttpResponse(
        "".join(stream_csv(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="campagne-{campaign.code}.csv"'
    )
    return response


@login_required
@require_POST
def campaign_archive(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Archive: no new participation, no more sharing."""
    campaign = _managed_campaign(request, uuid)
    service.archive(campaign, request.user)
    messages.success(request, _("La campagne est archivée."))
    return redirect("certification:selftest_campaign", campaign.uuid)


# --- participants -------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


def _join_allowed(request: HttpRequest) -> bool:
    """At most ``JOIN_LIMIT`` codes a minute per user and IP (fixed window).

    Should the cache be unavailable the attempt is let through.
    """
    key = f"certification:selftest:join:{request.user.pk}:{_client_ip(request)}"
    try:
        if cache.add(key, 1, JOIN_WINDOW_SECONDS):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, JOIN_WINDOW_SECONDS)
                count = 1
    except Exception:  # noqa: BLE001 (cache down: fail open, logged)
        logger.warning("join rate limiter unavailable", exc_info=True)
        return True
    return count <= JOIN_LIMIT


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """ "Rejoindre une campagne": a code, then the test."""
    status = 200
    if request.method == "POST":
        form = JoinForm(request.POST)
        if not _join_allowed(request):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Trop d'essais de code en une minute : patientez un instant "
                    "avant de réessayer."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                joined = service.join(request.user, form.cleaned_data["code"])
            except service.JoinRefused as error:
                form.add_error("code", str(error))
                status = 400
            else:
                return redirect(
                    "certification:selftest_participation", joined.participation.pk
                )
        else:
            status = 400
    else:
        form = JoinForm(initial={"code": request.GET.get("code", "")[:40]} or None)
    participations = service.participations_of(request.user)
    page = Paginator(participations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"participation": p, "organisation": service.organisation_name(p.campaign)}
        for p in page.object_list
    ]
    return render(
        request,
        "certification/selftest/campaigns/join.html",
        {"form": form, "page": page, "rows": rows},
        status=status,
    )


def _own_participation(request: HttpRequest, pk: int) -> CampaignParticipation:
    participation = get_object_or_404(
        CampaignParticipation.objects.select_related(
            "campaign",
            "campaign__blueprint",
            "campaign__cohort",
            "campaign__establishment",
        ),
        pk=pk,
    )
    if participation.user_id != request.user.pk:
        raise Http404
    return participation


@login_required
@require_GET
def participation(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's page: the test to take, then what sharing would show."""
    item = _own_participation(request, pk)
    service.refresh_status(item)
    campaign = item.campaign
    attempt = service.latest_attempt(item)
    in_progress = attempt is not None and attempt.status == Attempt.Status.IN_PROGRESS
    completed = (
        item.attempts.filter(status=Attempt.Status.COMPLETED)
        .order_by("-completed_at")
        .first()
    )
    estimates = (
        list(
            completed.estimates.select_related("competence").order_by(
                "competence__code"
            )
        )
        if completed
        else []
    )
    retake_at = service.retake_allowed_at(item)
    return render(
        request,
        "certification/selftest/campaigns/participation.html",
        {
            "participation": item,
            "campaign": campaign,
            "organisation": service.organisation_name(campaign),
            "attempt": attempt if in_progress else None,
            "test_url": (
                _url_or_none("certification:selftest_attempt", attempt.uuid)
                if in_progress
                else None
            ),
            "result_url": (
                _url_or_none("certification:selftest_result", completed.uuid)
                if completed
                else None
            ),
            "estimates": estimates,
            "campaign_problem": service.state_problem(campaign),
            "retake_at": retake_at,
            "retake_now": retake_at is not None
            and retake_at <= timezone.now()
            and campaign.archived_at is None,
            "attribution": _attribution(),
        },
    )


@login_required
@require_POST
def participation_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Explicit consent: share this participation's levels with the organisation."""
    item = _own_participation(request, pk)
    try:
        service.share(item, request.user)
    except service.ShareRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Vos résultats sont partagés avec %(organisation)s.")
            % {"organisation": service.organisation_name(item.campaign)},
        )
    return redirect("certification:selftest_participation", item.pk)


@login_required
@require_POST
def participation_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave the campaign: the participation is anonymised."""
    item = _own_participation(request, pk)
    service.leave(item, request.user)
    messages.success(
        request,
        _(
            "Vous avez quitté la campagne « %(title)s ». Vos résultats ne lui sont "
            "plus rattachés ; vous les retrouvez dans votre profil."
        )
        % {"title": item.campaign.title},
    )
    return redirect("certification:selftest_join")
