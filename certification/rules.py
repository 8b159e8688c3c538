"""Completion rules: evaluate a cohort's learners in bulk, and award the
completion attestations they earn (for the session, then for their tracks).

Which rule applies: the session's own ``CompletionRule``, else the training's,
else an unsaved default (``CompletionRule()``: required activities, 80 %
attendance, accepted assignments, no deadline).

What a learner must do (each condition switched on by the rule):

* every *required* activity of the cohort's run completed, except live-class and
  in-person slots, which count through attendance;
* every required assignment accepted (``courses.models.Submission``);
* each requirement (a course *template* activity, mapped to the run's copy
  through ``Activity.source``) completed, with at least its minimum score
  (``ActivityProgress.score``, the best score) when one is set;
* the minimum share of synchronous minutes attended (``live.attendance``);
* with a deadline, only what was completed on or before that day counts (an
  assignment counts from the day the accepted work was handed in).

Bulk: ``RuleContext.load`` reads the rule, the run and the training once (about
five queries); ``RuleContext.evaluate`` then costs about six queries for any
number of learners (progress, submissions, attendance).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogue.models import (
    Modality,
    Session,
    TrackPage,
    TrackRegistration,
    TrackStep,
    TrainingPage,
)
from courses.models import Activity, ActivityProgress, Submission
from live.attendance import AttendanceSummary, summaries_for_cohort
from lms.models import User
from tutoring.models import Cohort, Enrolment

from .issuance import AttestationContent, issue_attestation
from .models import Attestation, CompletionRule, RuleRequirement

logger = logging.getLogger(__name__)

#: Activity kinds that are synchronous slots: they count through attendance.
SLOT_KINDS = frozenset({Activity.Kind.LIVE_CLASS, Activity.Kind.IN_PERSON_DAY})
HOURS = Decimal("0.01")
MAX_TITLES = 3


def _hours(value: Decimal) -> Decimal:
    return value.quantize(HOURS, rounding=ROUND_HALF_UP)


def _titles(titles: Sequence[str]) -> str:
    shown = ", ".join(f"« {title} »" for title in titles[:MAX_TITLES])
    return shown + (" …" if len(titles) > MAX_TITLES else "")


def _day(value: dt.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# --- the rule that applies ---------------------------------------------------------
def rule_for_session(session: Session) -> tuple[CompletionRule, str]:
    """The rule of ``session`` and where it comes from (one query).

    ``origin`` is ``"session"``, ``"training"`` or ``"default"`` (an unsaved
    ``CompletionRule()`` with the model's defaults).
    """
    rules = list(
        CompletionRule.objects.filter(
            Q(session_id=session.pk)
            | Q(training_id=session.training_id, session__isnull=True)
        )
    )
    for rule in rules:
        if rule.session_id == session.pk:
            return rule, "session"
    if rules:
        return rules[0], "training"
    return CompletionRule(), "default"


@dataclass(frozen=True)
class ResolvedRequirement:
    """A requirement of the rule with the run's activity it names (or why none)."""

    requirement: RuleRequirement
    activity: Activity | None
    problem: str = ""

    @property
    def title(self) -> str:
        if self.activity is not None:
            return self.activity.title
        return self.requirement.activity_title


@dataclass
class Evaluation:
    """One learner against the rule: does it hold, why not, and what to state."""

    user_id: int
    holds: bool
    reasons: list[str]
    participation: AttestationContent
    completion: AttestationContent
    attended_minutes: int
    expected_minutes: int
    attendance_percent: int | None
    required_done: int
    required_total: int

    def content(self, kind: str) -> AttestationContent:
        """The content of the ``kind`` attestation (participation or completion)."""
        if kind == Attestation.Kind.COMPLETION:
            return self.completion
        return self.participation

    @property
    def participation_hours(self) -> Decimal:
        return self.participation.sync_hours + self.participation.async_hours


@dataclass
class _Done:
    """What a learner did by the deadline: completed activities and their scores."""

    completed: set[int] = field(default_factory=set)
    scores: dict[int, Decimal] = field(default_factory=dict)
    accepted: set[int] = field(default_factory=set)


@dataclass
class RuleContext:
    """Everything about a cohort that does not depend on the learner."""

    cohort: Cohort
    session: Session
    training: TrainingPage
    rule: CompletionRule
    origin: str
    requirements: list[ResolvedRequirement]
    required: list[Activity]  # required, non-slot activities of the run
    async_basis: list[Activity]  # activities whose share gives asynchronous hours
    assignments: list[Activity]  # required assignments of the run
    competences: list[str]
    activities: dict[int, Activity]  # every activity of the run, by id

    # --- loading ------------------------------------------------------------------
    @classmethod
    def load(cls, cohort: Cohort) -> RuleContext:
        """Read the rule, the run's activities and the training (about 5 queries).

        Raises ``ValueError`` for a cohort without a catalogue session.
        """
        if cohort.session_id is None:
            raise ValueError("cohort without a catalogue session")
        session = Session.objects.select_related("training").get(pk=cohort.session_id)
        training = session.training
        rule, origin = rule_for_session(session)
        activities: list[Activity] = []
        if cohort.course_id:
            activities = list(
                Activity.objects.filter(module__course_id=cohort.course_id).only(
                    "pk", "title", "kind", "is_required", "source_id", "module_id"
                )
            )
        requirements = _resolve_requirements(rule, activities, cohort)
        non_slots = [a for a in activities if a.kind not in SLOT_KINDS]
        required = [a for a in non_slots if a.is_required]
        return cls(
            cohort=cohort,
            session=session,
            training=training,
            rule=rule,
            origin=origin,
            requirements=requirements,
            required=required,
            async_basis=required or non_slots,
            assignments=[a for a in required if a.kind == Activity.Kind.ASSIGNMENT],
            competences=sorted(training.competences.values_list("code", flat=True)),
            activities={a.pk: a for a in activities},
        )

    @property
    def warnings(self) -> list[str]:
        """Problems staff must fix: requirements the rule can never satisfy."""
        return [r.problem for r in self.requirements if r.problem]

    # --- evaluating ----------------------------------------------------------------
    def evaluate(self, user_ids: Iterable[int]) -> dict[int, Evaluation]:
        """Evaluate these learners (about six queries, whatever their number)."""
        user_ids = list(dict.fromkeys(user_ids))
        if not user_ids:
            return {}
        done = self._done(user_ids)
        summaries = summaries_for_cohort(self.cohort, user_ids)
        return {
            user_id: self._evaluate_one(user_id, done[user_id], summaries[user_id])
            for user_id in user_ids
        }

    def _tracked_ids(self) -> set[int]:
        ids = {a.pk for a in self.required} | {a.pk for a in self.async_basis}
        ids |= {r.activity.pk for r in self.requirements if r.activity is not None}
        return ids

    def _in_time(self, moment: dt.datetime | None) -> bool:
        deadline = self.rule.deadline
        if deadline is None:
            return True
        return moment is not None and timezone.localdate(moment) <= deadline

    def _done(self, user_ids: list[int]) -> dict[int, _Done]:
        done: dict[int, _Done] = defaultdict(_Done)
        tracked = self._tracked_ids()
        if not tracked:
            return done
        rows = ActivityProgress.objects.filter(
            user_id__in=user_ids, activity_id__in=tracked
        ).values_list("user_id", "activity_id", "state", "score", "completed_at")
        for user_id, activity_id, state, score, completed_at in rows:
            entry = done[user_id]
            if score is not None:
                entry.scores[activity_id] = score
            if state == ActivityProgress.State.COMPLETED and self._in_time(
                completed_at
            ):
                entry.completed.add(activity_id)
        assignment_ids = {
            pk for pk in tracked if self.activities[pk].kind == Activity.Kind.ASSIGNMENT
        }
        if assignment_ids:
            accepted = Submission.objects.filter(
                user_id__in=user_ids,
                activity_id__in=assignment_ids,
                status=Submission.Status.ACCEPTED,
            ).values_list("user_id", "activity_id", "created_at")
            for user_id, activity_id, handed_in_at in accepted:
                if self._in_time(handed_in_at):
                    # The learner's part is the hand-in: a late review by the
                    # tutor must not cost them the deadline.
                    done[user_id].accepted.add(activity_id)
                    done[user_id].completed.add(activity_id)
        return done

    def _attendance_holds(self, summary: AttendanceSummary) -> tuple[bool, str]:
        """Whether the attended share reaches the rule's minimum, and why not.

        The share is attended minutes over the *planned* minutes (every slot
        not cancelled, excused slots taken out), not over the slots held so far:
        attended minutes only grow, so a completion awarded on an attendance
        event mid-session is never premature, and at close (every slot held)
        it is the plain attended share. The comparison is made on minutes, not
        on the rounded percentage, so 79.6 % does not pass an 80 % threshold.

        Before any slot was held (``summary.percent`` is None) the condition
        holds only when nothing synchronous is planned at all (an asynchronous
        training): a planned slot not yet held cannot have been attended, and
        a learner excused from every slot held has attended nothing.
        """
        minimum = self.rule.min_attendance_percent
        if summary.percent is None:
            if summary.planned_minutes <= 0 or minimum <= 0:
                return True, ""
            return False, _(
                "Aucune séance synchrone suivie pour le moment (présence minimale "
                "requise : %(min)s %%)."
            ) % {"min": minimum}
        expected = max(summary.planned_minutes - summary.excused_minutes, 0)
        if expected <= 0 or summary.attended_minutes * 100 >= minimum * expected:
            return True, ""
        return False, _(
            "Présence insuffisante : %(attended)s sur %(expected)s minutes "
            "synchrones (%(percent)s %%), minimum %(min)s %%."
        ) % {
            "attended": summary.attended_minutes,
            "expected": expected,
            "percent": int(100 * summary.attended_minutes / expected),
            "min": minimum,
        }

    def _evaluate_one(
        self, user_id: int, done: _Done, summary: AttendanceSummary
    ) -> Evaluation:
        rule = self.rule
        reasons: list[str] = []
        deadline_note = (
            _(" avant le %(day)s") % {"day": _day(rule.deadline)}
            if rule.deadline
            else ""
        )
        missing = [a.title for a in self.required if a.pk not in done.completed]
        if rule.require_required_activities and missing:
            reasons.append(
                ngettext(
                    "%(count)s activité obligatoire non terminée%(when)s : %(titles)s.",
                    "%(count)s activités obligatoires non terminées%(when)s : "
                    "%(titles)s.",
                    len(missing),
                )
                % {
                    "count": len(missing),
                    "when": deadline_note,
                    "titles": _titles(missing),
                }
            )
        if rule.require_accepted_assignments:
            refused = [a.title for a in self.assignments if a.pk not in done.accepted]
            if refused:
                reasons.append(
                    _("Travail non accepté%(when)s : %(titles)s.")
                    % {"when": deadline_note, "titles": _titles(refused)}
                )
        for resolved in self.requirements:
            reason = _requirement_reason(resolved, done, deadline_note)
            if reason:
                reasons.append(reason)
        ok, reason = self._attendance_holds(summary)
        if not ok:
            reasons.append(reason)
        return Evaluation(
            user_id=user_id,
            holds=not reasons,
            reasons=reasons,
            participation=self._content(summary, done, full_async=False),
            completion=self._content(summary, done, full_async=True),
            attended_minutes=summary.attended_minutes,
            expected_minutes=max(summary.planned_minutes - summary.excused_minutes, 0),
            attendance_percent=summary.percent,
            required_done=len(self.required) - len(missing),
            required_total=len(self.required),
        )

    def _content(
        self, summary: AttendanceSummary, done: _Done, *, full_async: bool
    ) -> AttestationContent:
        """Hours: attended synchronous hours (capped at the training's), plus the
        training's asynchronous hours — all of them for completion, the share of
        the required non-slot activities completed for participation (all
        non-slot activities when none is required; none without a course)."""
        training = self.training
        sync_cap = Decimal(training.sync_hours or 0)
        sync = min(Decimal(summary.attended_minutes) / 60, sync_cap)
        async_total = Decimal(training.async_hours or 0)
        if full_async:
            async_hours = async_total
        elif self.async_basis:
            completed = sum(1 for a in self.async_basis if a.pk in done.completed)
            async_hours = async_total * completed / len(self.async_basis)
        else:
            async_hours = Decimal(0)
        return AttestationContent(
            training_code=training.code,
            training_title=training.title,
            modality=training.modality,
            operator=training.organiser,
            starts_on=self.session.starts_on,
            ends_on=self.session.ends_on,
            sync_hours=_hours(sync),
            async_hours=_hours(async_hours),
            competences=list(self.competences),
        )


def _resolve_requirements(
    rule: CompletionRule, activities: list[Activity], cohort: Cohort
) -> list[ResolvedRequirement]:
    if rule.pk is None:
        return []
    by_source = {a.source_id: a for a in activities if a.source_id}
    by_pk = {a.pk: a for a in activities}
    resolved = []
    for requirement in rule.requirements.order_by("pk"):
        if requirement.activity_id is None:
            problem = _(
                "L'activité « %(title)s » exigée par la règle a été supprimée : la "
                "règle ne peut pas être remplie tant qu'elle n'est pas corrigée."
            ) % {"title": requirement.activity_title}
            resolved.append(ResolvedRequirement(requirement, None, problem))
            continue
        copy = by_source.get(requirement.activity_id) or by_pk.get(
            requirement.activity_id
        )
        if copy is None:
            problem = _(
                "L'activité « %(title)s » exigée par la règle n'existe pas dans le "
                "cours de la cohorte %(cohort)s (ajoutée au modèle après le début "
                "de la session ?) : la règle ne peut pas être remplie."
            ) % {"title": requirement.activity_title, "cohort": cohort.code}
            resolved.append(ResolvedRequirement(requirement, None, problem))
            continue
        resolved.append(ResolvedRequirement(requirement, copy))
    return resolved


def _requirement_reason(
    resolved: ResolvedRequirement, done: _Done, deadline_note: str
) -> str:
    if resolved.problem:
        return resolved.problem
    activity = resolved.activity
    assert activity is not None  # noqa: S101  (no problem means an activity)
    if activity.pk not in done.completed:
        return _("Activité exigée non terminée%(when)s : « %(title)s ».") % {
            "when": deadline_note,
            "title": activity.title,
        }
    minimum = resolved.requirement.min_score
    if minimum is None:
        return ""
    score = done.scores.get(activity.pk)
    if score is None:
        return _("« %(title)s » : aucun score, minimum %(min)s %%.") % {
            "title": activity.title,
            "min": formats.number_format(minimum, 2),
        }
    if score < minimum:
        return _("« %(title)s » : score de %(score)s %%, minimum %(min)s %%.") % {
            "title": activity.title,
            "score": formats.number_format(score, 2),
            "min": formats.number_format(minimum, 2),
        }
    return ""


def evaluate(cohort: Cohort, user_ids: Iterable[int]) -> dict[int, Evaluation]:
    """Evaluate ``user_ids`` of ``cohort`` against its session's completion rule.

    A handful of queries whatever the number of learners; ``ValueError`` for a
    cohort without a catalogue session.
    """
    return RuleContext.load(cohort).evaluate(user_ids)


# --- awarding completions ---------------------------------------------------------
def active_learner_ids(
    cohort: Cohort | int, user_ids: Iterable[int] | None = None
) -> list[int]:
    """Ids of the cohort's active learners (among ``user_ids`` when given)."""
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    enrolments = Enrolment.objects.active().filter(cohort_id=cohort_id)
    if user_ids is not None:
        enrolments = enrolments.filter(user_id__in=list(user_ids))
    return list(enrolments.order_by("user_id").values_list("user_id", flat=True))


def award_completions(cohort_id: int, user_ids: Iterable[int]) -> int:
    """Issue the session completion attestations (origin: rule) these learners
    earned, then the track attestations that completes; returns how many.

    Idempotent: a learner who already has the attestation gets nothing new.
    Learners not actively enrolled, and cohorts without a session, are skipped.
    """
    cohort = Cohort.objects.filter(pk=cohort_id, session__isnull=False).first()
    if cohort is None:
        return 0
    ids = active_learner_ids(cohort, user_ids)
    if not ids:
        return 0
    have = set(
        Attestation.objects.filter(
            session_id=cohort.session_id,
            kind=Attestation.Kind.COMPLETION,
            user_id__in=ids,
        ).values_list("user_id", flat=True)
    )
    candidates = [pk for pk in ids if pk not in have]
    if not candidates:
        return 0
    context = RuleContext.load(cohort)
    earned = [ev for ev in context.evaluate(candidates).values() if ev.holds]
    if not earned:
        return 0
    users = User.objects.in_bulk([ev.user_id for ev in earned])
    issued = 0
    for evaluation in earned:
        _attestation, created = issue_attestation(
            user=users[evaluation.user_id],
            kind=Attestation.Kind.COMPLETION,
            content=evaluation.completion,
            origin=Attestation.Origin.RULE,
            session=context.session,
        )
        issued += int(created)
    issued += award_tracks(context.session, [ev.user_id for ev in earned])
    return issued


# --- tracks -----------------------------------------------------------------------
def award_tracks(session: Session, user_ids: Sequence[int]) -> int:
    """Issue the track completion attestations that ``session``'s completions
    finish: for each active track registration of these learners whose track
    has this session (or its training) as a step, once every step has a valid
    completion attestation of the learner. Returns how many were issued.

    One query when nobody follows such a track; a few more otherwise.
    """
    if not user_ids:
        return 0
    step_match = Q(track__steps__session_id=session.pk) | Q(
        track__steps__session__isnull=True,
        track__steps__training_id=session.training_id,
    )
    pairs = set(
        TrackRegistration.objects.filter(
            step_match,
            user_id__in=list(user_ids),
            status=TrackRegistration.Status.ACTIVE,
        ).values_list("user_id", "track_id")
    )
    if not pairs:
        return 0
    track_ids = {track_id for _user, track_id in pairs}
    user_set = {user_id for user_id, _track in pairs}
    tracks = TrackPage.objects.in_bulk(track_ids)
    steps: dict[int, list[TrackStep]] = defaultdict(list)
    for step in TrackStep.objects.filter(track_id__in=track_ids).order_by(
        "track_id", "sort_order", "pk"
    ):
        steps[step.track_id].append(step)
    have_track = set(
        Attestation.objects.filter(
            track_id__in=track_ids,
            user_id__in=user_set,
            kind=Attestation.Kind.COMPLETION,
        ).values_list("user_id", "track_id")
    )
    by_user: dict[int, list[Attestation]] = defaultdict(list)
    for attestation in (
        Attestation.objects.valid()
        .filter(
            user_id__in=user_set,
            kind=Attestation.Kind.COMPLETION,
            session__isnull=False,
        )
        .select_related("session")
        .order_by("issued_at", "pk")
    ):
        by_user[attestation.user_id].append(attestation)
    users = User.objects.in_bulk(user_set)
    issued = 0
    for user_id, track_id in sorted(pairs):
        if (user_id, track_id) in have_track:
            continue
        chosen = _step_attestations(steps[track_id], by_user[user_id])
        if chosen is None:
            continue
        _attestation, created = issue_attestation(
            user=users[user_id],
            kind=Attestation.Kind.COMPLETION,
            content=track_content(tracks[track_id], chosen),
            origin=Attestation.Origin.RULE,
            track=tracks[track_id],
        )
        issued += int(created)
    return issued


def _step_attestations(
    steps: list[TrackStep], attestations: list[Attestation]
) -> list[Attestation] | None:
    """One distinct completion attestation per step, or None if a step lacks one."""
    if not steps:
        return None
    used: set[int] = set()
    chosen = []
    for step in steps:
        match = next(
            (
                a
                for a in attestations
                if a.pk not in used
                and (
                    a.session_id == step.session_id
                    if step.session_id
                    else a.session.training_id == step.training_id
                )
            ),
            None,
        )
        if match is None:
            return None
        used.add(match.pk)
        chosen.append(match)
    return chosen


def track_content(
    track: TrackPage, attestations: Sequence[Attestation]
) -> AttestationContent:
    """A track's completion content: the steps' hours summed, first start to
    last end, the union of competences, the track's code and title, hybrid."""
    operators = {a.operator for a in attestations}
    return AttestationContent(
        training_code=track.code,
        training_title=track.title,
        modality=Modality.HYBRID,
        operator=operators.pop() if len(operators) == 1 else "IFPC",
        starts_on=min(a.starts_on for a in attestations),
        ends_on=max(a.ends_on for a in attestations),
        sync_hours=sum((a.sync_hours for a in attestations), Decimal(0)),
        async_hours=sum((a.async_hours for a in attestations), Decimal(0)),
        competences=sorted({c for a in attestations for c in a.competences}),
    )
