"""Self-test campaigns (spec B7, retakes B8): codes, who may organise, joining,
explicit sharing, anonymisation and the organisation's statistics.

An organisation is IFPC, a tutored cohort or a school. Participants join with a
9-character code; their results reach the organisation only after they click
"share" (``share``). Every aggregate shown to an organisation is built on the
shared, current (not superseded) participations and is replaced by "moins de N
participants" when fewer than ``Campaign.min_group_size`` people feed it. No
item-level data (responses, items, parameters) ever leaves this module.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit import ADDITION, CHANGE, record
from lms.permissions import has_role, is_ifpc_staff
from lms.roles import Role

from ..models import (
    Attempt,
    Blueprint,
    Campaign,
    CampaignParticipation,
    CompetenceEstimate,
)
from . import attempts as attempts_service
from .engine import LEVELS

logger = logging.getLogger(__name__)

CODE_LETTERS = "BCDFGHJKMPQRTVWXY"
CODE_DIGITS = "2346789"
CODE_LENGTH = 9
CODE_PATTERN = re.compile(rf"^[{CODE_LETTERS}]{{6}}[{CODE_DIGITS}]{{3}}$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]+")

#: Share of a group at or below A2 (or below target) that triggers a group
#: recommendation for the competence (spec B5).
GROUP_RECOMMENDATION_SHARE = 0.40
RECOMMENDATIONS_PER_COMPETENCE = 3


class CampaignError(Exception):
    """A refused campaign action; ``str()`` is a French message for the user."""


class JoinRefused(CampaignError):
    """The code cannot be used now (malformed, unknown, closed, archived…)."""


class ShareRefused(CampaignError):
    """The participation cannot be shared (not finished, archived, shared)."""


# --- codes --------------------------------------------------------------------------


def generate_code(max_tries: int = 50) -> str:
    """A new unused code: 6 consonants then 3 unambiguous digits (``secrets``)."""
    for _try in range(max_tries):
        code = "".join(secrets.choice(CODE_LETTERS) for _i in range(6)) + "".join(
            secrets.choice(CODE_DIGITS) for _i in range(3)
        )
        if not Campaign.objects.filter(code=code).exists():
            return code
    raise RuntimeError(f"no free campaign code after {max_tries} tries")


def normalise_code(text: str) -> str:
    """Upper-case ``text`` without spaces or dashes (``"bcd-fgh 234"`` → ``"BCDFGH234"``)."""
    return _SEPARATORS.sub("", text or "").upper()


def code_problem(code: str) -> str | None:
    """A French explanation of why a normalised ``code`` cannot exist, or None."""
    if not code:
        return _("Saisissez le code de la campagne.")
    wrong = sorted({c for c in code if c not in CODE_LETTERS + CODE_DIGITS})
    if wrong:
        return _(
            "Le code contient des caractères qui n'existent dans aucun code "
            "(%(chars)s). Un code n'utilise ni voyelles ni les chiffres 0, 1 et 5."
        ) % {"chars": " ".join(wrong)}
    if not CODE_PATTERN.match(code):
        return _(
            "Un code de campagne compte 9 caractères : 6 lettres puis 3 chiffres "
            "(par exemple BCDFGH234)."
        )
    return None


# --- who organises --------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def directed_establishment_ids(user: Any) -> set[int]:
    """Establishments ``user`` directs (school director role scoped to them)."""
    if not _active(user) or not has_role(user, Role.SCHOOL_DIRECTOR):
        return set()
    return set(
        user.role_assignments.filter(
            role=Role.SCHOOL_DIRECTOR, establishment__isnull=False
        ).values_list("establishment_id", flat=True)
    )


def _tutors_cohort(user: Any, cohort_id: int) -> bool:
    from tutoring.permissions import tutor_scope

    return tutor_scope(user, cohort_id).is_tutor


def can_create(
    user: Any,
    scope: str,
    *,
    cohort_id: int | None = None,
    establishment_id: int | None = None,
) -> bool:
    """IFPC staff: any scope; a tutor: their cohort; a director: their school."""
    if not _active(user):
        return False
    if scope == Campaign.Scope.COHORT and cohort_id is None:
        return False
    if scope == Campaign.Scope.ESTABLISHMENT and establishment_id is None:
        return False
    if is_ifpc_staff(user):
        return scope in Campaign.Scope.values
    if scope == Campaign.Scope.COHORT:
        return _tutors_cohort(user, cohort_id)
    if scope == Campaign.Scope.ESTABLISHMENT:
        return establishment_id in directed_establishment_ids(user)
    return False


def can_manage(user: Any, campaign: Campaign) -> bool:
    """Who sees the dashboard, exports and archives: the organisation's people."""
    return can_create(
        user,
        campaign.scope,
        cohort_id=campaign.cohort_id,
        establishment_id=campaign.establishment_id,
    )


def is_organiser(user: Any) -> bool:
    """May this person create a campaign for at least one organisation?"""
    if not _active(user):
        return False
    if is_ifpc_staff(user) or directed_establishment_ids(user):
        return True
    from tutoring.permissions import cohorts_tutored_by

    return cohorts_tutored_by(user).exists()


def manageable_campaigns(user: Any) -> QuerySet[Campaign]:
    """The campaigns of the organisations ``user`` organises (none otherwise)."""
    campaigns = Campaign.objects.select_related("blueprint", "cohort", "establishment")
    if not _active(user):
        return campaigns.none()
    if is_ifpc_staff(user):
        return campaigns
    from tutoring.permissions import cohorts_tutored_by

    return campaigns.filter(
        Q(
            scope=Campaign.Scope.COHORT,
            cohort__in=cohorts_tutored_by(user).values("pk"),
        )
        | Q(
            scope=Campaign.Scope.ESTABLISHMENT,
            establishment_id__in=directed_establishment_ids(user),
        )
    )


def organisation_name(campaign: Campaign) -> str:
    """Who receives shared results, in words: "l'IFPC", "l'école X"…"""
    if campaign.scope == Campaign.Scope.COHORT and campaign.cohort is not None:
        return _("l'équipe de tutorat de la cohorte « %(title)s »") % {
            "title": campaign.cohort.title
        }
    if (
        campaign.scope == Campaign.Scope.ESTABLISHMENT
        and campaign.establishment is not None
    ):
        return _("la direction de %(name)s") % {"name": campaign.establishment.name}
    return _("l'IFPC")


# --- creation and archiving -------------------------------------------------------------


def _clean_targets(blueprint: Blueprint, target_levels: dict[str, str]) -> dict:
    codes = set(blueprint.competences.values_list("code", flat=True))
    cleaned: dict[str, str] = {}
    for code, level in (target_levels or {}).items():
        if not level:
            continue
        if level not in LEVELS:
            raise ValidationError(
                _("Niveau visé inconnu pour %(code)s : %(level)s.")
                % {"code": code, "level": level}
            )
        if code not in codes:
            raise ValidationError(
                _("La compétence %(code)s n'est pas évaluée par ce modèle de test.")
                % {"code": code}
            )
        cleaned[code] = level
    return dict(sorted(cleaned.items()))


def create_campaign(
    by: Any,
    *,
    title: str,
    scope: str,
    blueprint: Blueprint,
    opens_at: datetime,
    closes_at: datetime | None = None,
    cohort: Any = None,
    establishment: Any = None,
    allow_retake: bool = True,
    retake_min_days: int = 4,
    target_levels: dict[str, str] | None = None,
    landing_text: str = "",
    min_group_size: int = 5,
) -> Campaign:
    """Create a campaign with a fresh code; ``PermissionDenied`` if ``by`` may
    not organise for that scope, ``ValidationError`` (French) for bad values."""
    cohort_id = getattr(cohort, "pk", None)
    establishment_id = getattr(establishment, "pk", None)
    if scope != Campaign.Scope.COHORT:
        cohort = cohort_id = None
    if scope != Campaign.Scope.ESTABLISHMENT:
        establishment = establishment_id = None
    if not can_create(
        by, scope, cohort_id=cohort_id, establishment_id=establishment_id
    ):
        raise PermissionDenied
    if closes_at is not None and closes_at <= opens_at:
        raise ValidationError(_("La clôture doit suivre l'ouverture."))
    if min_group_size < 5:
        raise ValidationError(_("Un groupe affiché compte au moins 5 personnes."))
    targets = _clean_targets(blueprint, target_levels or {})
    for _try in range(5):
        campaign = Campaign(
            code=generate_code(),
            title=title.strip(),
            landing_text=landing_text.strip(),
            scope=scope,
            cohort=cohort,
            establishment=establishment,
            blueprint=blueprint,
            created_by=by,
            opens_at=opens_at,
            closes_at=closes_at,
            allow_retake=allow_retake,
            retake_min_days=retake_min_days,
            min_group_size=min_group_size,
            target_levels=targets,
        )
        try:
            with transaction.atomic():
                campaign.save()
        except IntegrityError:  # the code was taken between check and insert
            if Campaign.objects.filter(code=campaign.code).exists():
                continue
            raise
        record(
            by,
            [campaign],
            ADDITION,
            f"Campagne d'autotest créée ({campaign.code}, {scope})",
            logger=logger,
        )
        return campaign
    raise RuntimeError("no free campaign code")


def archive(campaign: Campaign, by: Any) -> None:
    """Stop new participations and sharing (idempotent)."""
    if not can_manage(by, campaign):
        raise PermissionDenied
    if campaign.archived_at is not None:
        return
    campaign.archived_at = timezone.now()
    campaign.save(update_fields=["archived_at", "updated_at"])
    record(by, [campaign], CHANGE, "Campagne d'autotest archivée", logger=logger)


def record_export(campaign: Campaign, by: Any) -> None:
    """Audit a CSV export of the individual table."""
    record(by, [campaign], CHANGE, "Export CSV des résultats partagés", logger=logger)


# --- joining ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    participation: CampaignParticipation
    attempt: Attempt | None  # None when the test is over (status to_share)
    created: bool


def _local_date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def state_problem(campaign: Campaign, now: datetime | None = None) -> str | None:
    """Why nobody may join ``campaign`` now (French), or None when it is open."""
    now = now or timezone.now()
    if campaign.archived_at is not None:
        return _("Cette campagne est archivée : elle n'accepte plus de participation.")
    if campaign.opens_at > now:
        return _(
            "Cette campagne n'est pas encore ouverte : elle ouvrira le %(date)s."
        ) % {"date": _local_date(campaign.opens_at)}
    if campaign.closes_at is not None and campaign.closes_at <= now:
        return _("Cette campagne est clôturée depuis le %(date)s.") % {
            "date": _local_date(campaign.closes_at)
        }
    return None


def eligibility_problem(user: Any, campaign: Campaign) -> str | None:
    """Why ``user`` may not take part in ``campaign`` (French), or None.

    A cohort campaign is for the cohort's active learners; a school campaign
    for the school's staff (``User.establishments``) and people holding a role
    scoped to that school.
    """
    if campaign.scope == Campaign.Scope.COHORT:
        from tutoring.permissions import learner_enrolment

        if learner_enrolment(user, campaign.cohort_id) is None:
            return _(
                "Cette campagne est réservée aux participant·es de la cohorte "
                "« %(title)s »."
            ) % {"title": campaign.cohort.title}
    elif campaign.scope == Campaign.Scope.ESTABLISHMENT:
        member = user.establishments.filter(pk=campaign.establishment_id).exists()
        if (
            not member
            and not user.role_assignments.filter(
                establishment_id=campaign.establishment_id
            ).exists()
        ):
            return _("Cette campagne est réservée au personnel de %(name)s.") % {
                "name": campaign.establishment.name
            }
    return None


def find_campaign(code: str) -> Campaign:
    """The campaign of a typed code; ``JoinRefused`` (French) otherwise."""
    normalised = normalise_code(code)
    problem = code_problem(normalised)
    if problem:
        raise JoinRefused(problem)
    campaign = (
        Campaign.objects.select_related("blueprint", "cohort", "establishment")
        .filter(code=normalised)
        .first()
    )
    if campaign is None:
        raise JoinRefused(
            _(
                "Aucune campagne ne correspond à ce code. Vérifiez-le auprès de "
                "la personne qui organise la campagne."
            )
        )
    return campaign


def current_participation(
    user: Any, campaign: Campaign, *, lock: bool = False
) -> CampaignParticipation | None:
    queryset = CampaignParticipation.objects.filter(
        campaign=campaign, user=user, is_improved=False
    )
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


def latest_attempt(participation: CampaignParticipation) -> Attempt | None:
    return participation.attempts.order_by("-started_at", "-pk").first()


def _start(user: Any, participation: CampaignParticipation) -> Attempt:
    """Start (or resume) the attempt of ``participation``, linked to it."""
    campaign = participation.campaign
    try:
        attempt = attempts_service.start_attempt(user, campaign.blueprint)
    except attempts_service.RetakeTooEarly as error:
        raise JoinRefused(str(error)) from error
    if attempt.participation_id not in (None, participation.pk):
        raise JoinRefused(
            _(
                "Vous avez déjà un test en cours sur ce même modèle pour une autre "
                "campagne : terminez-le ou abandonnez-le avant de rejoindre celle-ci."
            )
        )
    if attempt.participation_id is None:
        attempt.participation = participation
        attempt.save(update_fields=["participation", "updated_at"])
    return attempt


def join(user: Any, code: str) -> Joined:
    """Join the campaign of ``code`` and start (or resume) its test.

    A second join returns the current participation. Once results are shared a
    new participation (retake) needs ``allow_retake`` and ``retake_min_days``
    since sharing; the old one is then marked ``is_improved``. Refusals raise
    ``JoinRefused`` with a French message and change nothing.
    """
    campaign = find_campaign(code)
    problem = state_problem(campaign) or eligibility_problem(user, campaign)
    if problem:
        raise JoinRefused(problem)
    with transaction.atomic():
        current = current_participation(user, campaign, lock=True)
        if current is not None:
            refresh_status(current)
            if current.status == CampaignParticipation.Status.TO_SHARE:
                return Joined(current, None, False)
            if current.status == CampaignParticipation.Status.STARTED:
                return Joined(current, _start(user, current), False)
            _check_retake(campaign, current)
            current.is_improved = True
            current.save(update_fields=["is_improved", "updated_at"])
        try:
            with transaction.atomic():
                participation = CampaignParticipation.objects.create(
                    campaign=campaign, user=user
                )
        except IntegrityError:  # a concurrent join created it first
            participation = current_participation(user, campaign)
            if participation is None:
                raise
            return Joined(participation, latest_attempt(participation), False)
        attempt = _start(user, participation)
    return Joined(participation, attempt, True)


def _check_retake(campaign: Campaign, previous: CampaignParticipation) -> None:
    if not campaign.allow_retake:
        raise JoinRefused(
            _(
                "Vous avez déjà partagé vos résultats : cette campagne ne permet "
                "pas de nouveau passage."
            )
        )
    allowed = (previous.shared_at or timezone.now()) + timedelta(
        days=campaign.retake_min_days
    )
    if allowed > timezone.now():
        raise JoinRefused(
            _("Vous pourrez repasser le test de cette campagne à partir du %(date)s.")
            % {"date": _local_date(allowed)}
        )


def retake_allowed_at(participation: CampaignParticipation) -> datetime | None:
    """When a shared participation may be retaken (None: never)."""
    campaign = participation.campaign
    if not campaign.allow_retake or participation.shared_at is None:
        return None
    return participation.shared_at + timedelta(days=campaign.retake_min_days)


# --- completion, consent, withdrawal ------------------------------------------------------


def on_attempt_completed(attempt: Attempt) -> None:
    """A campaign attempt ended: its participation waits for the teacher's consent.

    To be called at the end of ``attempts._finish`` (completed attempts only).
    """
    if attempt.participation_id is None or attempt.status != Attempt.Status.COMPLETED:
        return
    CampaignParticipation.objects.filter(
        pk=attempt.participation_id, status=CampaignParticipation.Status.STARTED
    ).update(status=CampaignParticipation.Status.TO_SHARE, updated_at=timezone.now())


def refresh_status(participation: CampaignParticipation) -> None:
    """Catch up ``started`` → ``to_share`` when a linked attempt is completed
    (safety net should the end-of-attempt hook be missing)."""
    if participation.status != CampaignParticipation.Status.STARTED:
        return
    if participation.attempts.filter(status=Attempt.Status.COMPLETED).exists():
        participation.status = CampaignParticipation.Status.TO_SHARE
        participation.save(update_fields=["status", "updated_at"])


def share(participation: CampaignParticipation, user: Any) -> None:
    """The participant's explicit consent: the organisation may now see the
    levels of this participation (never the answers)."""
    if participation.user_id is None or participation.user_id != user.pk:
        raise PermissionDenied
    refresh_status(participation)
    if participation.campaign.archived_at is not None:
        raise ShareRefused(
            _("Cette campagne est archivée : le partage n'est plus possible.")
        )
    if participation.is_improved:
        raise ShareRefused(_("Cette participation a été remplacée par une nouvelle."))
    if participation.status == CampaignParticipation.Status.SHARED:
        raise ShareRefused(_("Vos résultats sont déjà partagés."))
    if participation.status != CampaignParticipation.Status.TO_SHARE:
        raise ShareRefused(
            _("Terminez d'abord le test pour pouvoir partager vos résultats.")
        )
    updated = CampaignParticipation.objects.filter(
        pk=participation.pk, status=CampaignParticipation.Status.TO_SHARE
    ).update(
        status=CampaignParticipation.Status.SHARED,
        shared_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise ShareRefused(_("Vos résultats sont déjà partagés."))
    participation.refresh_from_db()


def leave(participation: CampaignParticipation, by: Any) -> None:
    """Withdraw from a campaign (the participant, or an organiser deleting the
    row): the participation is anonymised — no user, no attempt linked — so it
    only remains as a number in the funnel; the teacher keeps their attempts as
    personal ones."""
    is_owner = participation.user_id is not None and participation.user_id == by.pk
    if not is_owner and not can_manage(by, participation.campaign):
        raise PermissionDenied
    with transaction.atomic():
        Attempt.objects.filter(participation=participation).update(participation=None)
        participation.user = None
        participation.deleted_at = timezone.now()
        participation.save(update_fields=["user", "deleted_at", "updated_at"])
    if not is_owner:
        record(
            by,
            [participation.campaign],
            CHANGE,
            "Participation anonymisée par l'organisation",
            logger=logger,
        )


delete = leave


# --- statistics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    started: int
    completed: int
    shared: int


@dataclass(frozen=True)
class LevelShare:
    level: str
    count: int
    percent: float


@dataclass
class CompetenceStats:
    """One competence of the dashboard; ``suppressed`` rows carry no figure."""

    code: str
    name: str
    n: int
    suppressed: bool
    target: str | None = None
    distribution: list[LevelShare] = field(default_factory=list)
    mean_theta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    below_target_percent: float | None = None
    low_precision_percent: float | None = None
    weak_percent: float | None = None  # at or below A2, or below target


@dataclass(frozen=True)
class GroupRecommendation:
    competence: str
    competence_name: str
    reason: str
    trainings: list[Any]  # catalogue.TrainingCompetenceTarget rows


@dataclass(frozen=True)
class IndividualRow:
    participation_id: int
    last_name: str
    first_name: str
    shared_at: datetime
    levels: list[str | None]  # aligned with CampaignStats.competences


@dataclass
class CampaignStats:
    funnel: Funnel
    min_group_size: int
    suppressed_label: str
    shared_count: int
    competences: list[CompetenceStats]
    recommendations: list[GroupRecommendation]
    individuals: list[IndividualRow]

    @property
    def any_visible(self) -> bool:
        return any(not row.suppressed for row in self.competences)


def suppressed_label(campaign: Campaign) -> str:
    return _("moins de %(n)d participants") % {"n": campaign.min_group_size}


def funnel(campaign: Campaign) -> Funnel:
    """Participation counts (no result): started ⊇ completed ⊇ shared."""
    statuses = CampaignParticipation.Status
    counts = CampaignParticipation.objects.filter(
        campaign=campaign, is_improved=False
    ).aggregate(
        started=Count("pk"),
        completed=Count(
            "pk", filter=Q(status__in=[statuses.TO_SHARE, statuses.SHARED])
        ),
        shared=Count("pk", filter=Q(status=statuses.SHARED, deleted_at__isnull=True)),
    )
    return Funnel(counts["started"], counts["completed"], counts["shared"])


def participation_counts(campaign_ids: list[int]) -> dict[int, Funnel]:
    """The funnel of several campaigns in one query (campaign list)."""
    statuses = CampaignParticipation.Status
    rows = (
        CampaignParticipation.objects.filter(
            campaign_id__in=campaign_ids, is_improved=False
        )
        .values("campaign_id")
        .annotate(
            started=Count("pk"),
            completed=Count(
                "pk", filter=Q(status__in=[statuses.TO_SHARE, statuses.SHARED])
            ),
            shared=Count(
                "pk", filter=Q(status=statuses.SHARED, deleted_at__isnull=True)
            ),
        )
        .order_by()
    )
    return {
        row["campaign_id"]: Funnel(row["started"], row["completed"], row["shared"])
        for row in rows
    }


def _shared_estimates(campaign: Campaign) -> dict[int, dict[str, dict]]:
    """{participation id: {competence code: estimate values}} of the latest
    completed attempt of each shared, current participation."""
    rows = (
        CompetenceEstimate.objects.filter(
            attempt__status=Attempt.Status.COMPLETED,
            attempt__participation__campaign=campaign,
            attempt__participation__status=CampaignParticipation.Status.SHARED,
            attempt__participation__is_improved=False,
            attempt__participation__deleted_at__isnull=True,
            attempt__participation__user__isnull=False,
        )
        .order_by("attempt__completed_at", "attempt_id")
        .values(
            "attempt_id",
            "attempt__participation_id",
            "competence__code",
            "theta",
            "level",
            "is_precise",
        )
    )
    latest_attempt_of: dict[int, int] = {}
    by_participation: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        pid = row["attempt__participation_id"]
        if latest_attempt_of.get(pid) != row["attempt_id"]:
            latest_attempt_of[pid] = row["attempt_id"]
            by_participation[pid] = {}
        by_participation[pid][row["competence__code"]] = row
    return by_participation


def _rank(level: str) -> int:
    return LEVELS.index(level)


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _competence_stats(
    code: str, name: str, rows: list[dict], target: str | None, k: int
) -> CompetenceStats:
    n = len(rows)
    if n < k:
        return CompetenceStats(code, name, n, True, target)
    counts = dict.fromkeys(LEVELS, 0)
    for row in rows:
        counts[row["level"]] += 1
    thetas = [row["theta"] for row in rows]
    mean = sum(thetas) / n
    sd = math.sqrt(sum((t - mean) ** 2 for t in thetas) / (n - 1)) if n > 1 else 0.0
    half = 1.96 * sd / math.sqrt(n)
    below = (
        sum(1 for row in rows if _rank(row["level"]) < _rank(target))
        if target
        else None
    )
    weak = sum(
        1
        for row in rows
        if _rank(row["level"]) <= _rank("A2")
        or (target and _rank(row["level"]) < _rank(target))
    )
    return CompetenceStats(
        code=code,
        name=name,
        n=n,
        suppressed=False,
        target=target,
        distribution=[
            LevelShare(level, counts[level], _percent(counts[level], n))
            for level in LEVELS
        ],
        mean_theta=round(mean, 2),
        ci_low=round(mean - half, 2),
        ci_high=round(mean + half, 2),
        below_target_percent=_percent(below, n) if below is not None else None,
        low_precision_percent=_percent(
            sum(1 for row in rows if not row["is_precise"]), n
        ),
        weak_percent=_percent(weak, n),
    )


def _group_recommendations(
    rows: list[CompetenceStats],
) -> list[GroupRecommendation]:
    from catalogue.models import TrainingCompetenceTarget

    flagged = [
        row
        for row in rows
        if not row.suppressed
        and row.weak_percent is not None
        and row.weak_percent >= 100 * GROUP_RECOMMENDATION_SHARE
    ]
    if not flagged:
        return []
    targets = (
        TrainingCompetenceTarget.objects.filter(
            competence__code__in=[row.code for row in flagged], page__live=True
        )
        .select_related("page", "competence")
        .order_by("competence__code", "level_from", "-weight", "page__title")
    )
    by_code: dict[str, list[Any]] = defaultdict(list)
    for target in targets:
        ceiling = "A2"
        row = next(r for r in flagged if r.code == target.competence.code)
        if row.target and _rank(row.target) > _rank(ceiling):
            ceiling = LEVELS[_rank(row.target) - 1]
        if _rank(target.level_from) <= _rank(ceiling) and (
            len(by_code[row.code]) < RECOMMENDATIONS_PER_COMPETENCE
        ):
            by_code[row.code].append(target)
    recommendations = []
    for row in flagged:
        reason = (
            _(
                "%(percent)s %% des participant·es sont au niveau A2 ou en dessous, "
                "ou sous le niveau visé (%(target)s)."
            )
            % {"percent": _format_percent(row.weak_percent), "target": row.target}
            if row.target
            else _("%(percent)s %% des participant·es sont au niveau A2 ou en dessous.")
            % {"percent": _format_percent(row.weak_percent)}
        )
        recommendations.append(
            GroupRecommendation(row.code, row.name, reason, by_code.get(row.code, []))
        )
    return recommendations


def _format_percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",").replace(",0", "")


def stats(campaign: Campaign, *, individuals: bool = True) -> CampaignStats:
    """The organisation's dashboard (shared, current participations only).

    Every aggregate built on fewer than ``campaign.min_group_size`` people is
    suppressed (``CompetenceStats.suppressed``); funnel counts carry no result.
    Five queries whatever the size of the campaign.
    """
    from lms.digcompedu import COMPETENCE_NAMES_FR

    k = campaign.min_group_size
    codes = sorted(
        campaign.blueprint.competences.values_list("code", flat=True),
        key=lambda c: tuple(int(p) for p in c.split(".")),
    )
    estimates = _shared_estimates(campaign)
    per_competence: dict[str, list[dict]] = defaultdict(list)
    for values in estimates.values():
        for code, row in values.items():
            per_competence[code].append(row)
    rows = [
        _competence_stats(
            code,
            COMPETENCE_NAMES_FR.get(code, code),
            per_competence.get(code, []),
            (campaign.target_levels or {}).get(code),
            k,
        )
        for code in codes
    ]
    people: list[IndividualRow] = []
    if individuals and estimates:
        for participation in (
            CampaignParticipation.objects.filter(pk__in=list(estimates))
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        ):
            values = estimates[participation.pk]
            people.append(
                IndividualRow(
                    participation.pk,
                    participation.user.last_name,
                    participation.user.first_name,
                    participation.shared_at,
                    [values[c]["level"] if c in values else None for c in codes],
                )
            )
    return CampaignStats(
        funnel=funnel(campaign),
        min_group_size=k,
        suppressed_label=suppressed_label(campaign),
        shared_count=len(estimates),
        competences=rows,
        recommendations=_group_recommendations(rows),
        individuals=people,
    )


def participations_of(user: Any) -> QuerySet[CampaignParticipation]:
    """A teacher's current participations, newest first."""
    return (
        CampaignParticipation.objects.filter(user=user, is_improved=False)
        .select_related("campaign", "campaign__cohort", "campaign__establishment")
        .order_by("-created_at")
    )
